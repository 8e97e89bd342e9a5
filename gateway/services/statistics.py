"""The municipality's statistics: per location and day, month or year, the counter events per
kind and category, the applications received and the payments accepted with their sums by card
and in cash (docs/architecture.md, "Counters, shifts and statistics").

Payments and applications are counted from their own records, never entered as events (a
payment reversed through the terminal is not counted). Each
record is counted on its Riga calendar day; the database returns rows (or per-day counts) and the
days are folded into periods here, in Python, so SQLite and PostgreSQL give the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.clock import RIGA
from common.desk_counters import APPLICATIONS, COLUMNS, CONSULTATION, CONSULTATIONS, PAYMENTS, event_column
from common.schema import ErrorCode, PaymentSums, Statistics, StatisticsGroup, StatisticsRow
from gateway.models import ApplicationRow, Kiosk, Location, PaymentReversal, PaymentRow, ServiceEvent
from gateway.problems import ProblemError
from gateway.services import desk_problems
from gateway.services.desk_actor import Actor
from gateway.settings import local_date

# The longest period each grouping answers: a day per row for a year, months for ten years.
MAX_DAYS: dict[str, int] = {"day": 400, "month": 3700, "year": 3700}


def period_of(day: date, group: str) -> str:
    if group == "day":
        return day.isoformat()
    if group == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}"


def periods(start: date, end: date, group: str) -> list[str]:
    out: list[str] = []
    day = start
    while day <= end:
        p = period_of(day, group)
        if not out or out[-1] != p:
            out.append(p)
        day += timedelta(days=1)
    return out


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 Riga, the day after end 00:00 Riga) in UTC."""
    lo = datetime.combine(start, time(0), RIGA).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(0), RIGA).astimezone(UTC)
    return lo, hi


def visible_locations(s: Session, actor: Actor, location: str | None) -> list[str]:
    """The locations this caller may read: a coordinator any (all when none is named), an
    operator their own; a kiosk token alone none."""
    if actor.coordinator:
        if location is None:
            return list(s.execute(select(Location.code).order_by(Location.code)).scalars())
        if s.get(Location, location) is None:
            raise ProblemError(ErrorCode.VALIDATION_ERROR, errors=[{"pointer": "/location", "code": "unknown"}])
        return [location]
    actor.require_operator()
    if location not in (None, actor.location_code):
        raise ProblemError(desk_problems.FORBIDDEN_LOCATION)
    return [actor.location_code]


class _Acc:
    """Counts and sums per (location, period)."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
        self.sums: dict[tuple[str, str], PaymentSums] = defaultdict(PaymentSums)

    def add(self, location: str, day: date, column: str, n: int = 1) -> None:
        key = (location, period_of(day, self.group))
        self.counts[key][column] += n
        if column.startswith(CONSULTATION + ":"):
            self.counts[key][CONSULTATIONS] += n

    def pay(self, location: str, day: date, method: str, cents: int) -> None:
        self.add(location, day, PAYMENTS)
        sums = self.sums[(location, period_of(day, self.group))]
        if method == "cash":
            sums.cash_count += 1
            sums.cash_cents += cents
        else:
            sums.card_count += 1
            sums.card_cents += cents


def _events(s: Session, acc: _Acc, locs: list[str], start: date, end: date) -> None:
    rows = s.execute(
        select(ServiceEvent.location_code, ServiceEvent.local_day, ServiceEvent.kind, ServiceEvent.category,
               func.count(ServiceEvent.id))
        .where(ServiceEvent.location_code.in_(locs), ServiceEvent.local_day >= start,
               ServiceEvent.local_day <= end, ServiceEvent.undone_at.is_(None))
        .group_by(ServiceEvent.location_code, ServiceEvent.local_day, ServiceEvent.kind, ServiceEvent.category))
    for loc, day, kind, category, n in rows:
        acc.add(loc, day, event_column(kind, category or None), int(n))


def _payments(s: Session, acc: _Acc, locs: list[str], lo: datetime, hi: datetime) -> None:
    rows = s.execute(
        select(Kiosk.location_code, PaymentRow.approved_at, PaymentRow.method, PaymentRow.amount_cents)
        .join(Kiosk, Kiosk.id == PaymentRow.kiosk_id)
        # A payment the terminal reversed the same day was given back: not an accepted payment.
        .outerjoin(PaymentReversal, PaymentReversal.payment_id == PaymentRow.id)
        .where(Kiosk.location_code.in_(locs), PaymentRow.approved_at >= lo, PaymentRow.approved_at < hi,
               PaymentReversal.id.is_(None)))
    for loc, at, method, cents in rows:
        acc.pay(loc, local_date(at), method, int(cents))


def _applications(s: Session, acc: _Acc, locs: list[str], lo: datetime, hi: datetime) -> None:
    rows = s.execute(
        select(ApplicationRow.location_code, ApplicationRow.created_at)
        .where(ApplicationRow.location_code.in_(locs), ApplicationRow.created_at >= lo,
               ApplicationRow.created_at < hi))
    for loc, at in rows:
        acc.add(loc, local_date(at), APPLICATIONS)


def _total(rows: Iterable[StatisticsRow], location: str) -> StatisticsRow:
    counts = dict.fromkeys(COLUMNS, 0)
    sums = PaymentSums()
    for row in rows:
        for k, v in row.counts.items():
            counts[k] += v
        for f in PaymentSums.model_fields:
            setattr(sums, f, getattr(sums, f) + getattr(row.payments, f))
    return StatisticsRow(location=location, period="total", counts=counts, payments=sums)


def statistics(s: Session, actor: Actor, *, location: str | None, start: date, end: date,
               group: StatisticsGroup) -> Statistics:
    """Every period of [start, end] for every location the caller may read, zeros included."""
    if end < start:
        raise ProblemError(ErrorCode.VALIDATION_ERROR, errors=[{"pointer": "/to", "code": "before-from"}])
    if (end - start).days + 1 > MAX_DAYS[group]:
        raise ProblemError(desk_problems.RANGE_TOO_LONG)
    locs = visible_locations(s, actor, location)
    located = s.execute(select(Location.code, Location.name).where(Location.code.in_(locs)))
    names = {code: name for code, name in located}
    acc = _Acc(group)
    lo, hi = utc_bounds(start, end)
    _events(s, acc, locs, start, end)
    _payments(s, acc, locs, lo, hi)
    _applications(s, acc, locs, lo, hi)
    rows: list[StatisticsRow] = []
    totals: list[StatisticsRow] = []
    for loc in locs:
        mine = [StatisticsRow(location=loc, period=p, counts=dict(acc.counts[(loc, p)]),
                              payments=acc.sums[(loc, p)].model_copy())
                for p in periods(start, end, group)]
        rows.extend(mine)
        totals.append(_total(mine, loc))
    return Statistics.model_validate({"location": location, "from": start, "to": end, "group": group,
                                      "columns": list(COLUMNS), "locations": names, "rows": rows, "totals": totals})
