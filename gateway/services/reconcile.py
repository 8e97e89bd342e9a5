"""Daily reconciliation: the card payments the gateway recorded per kiosk against the totals the
kiosk's card terminal reported at day end (`POST /api/v1/terminal-reconciliations`,
`kiosk gateway reconcile --date D`; docs/architecture.md, "Operations").

A difference is listed with the day's card payments of that kiosk, never absorbed: a payment the
terminal took but the gateway never received (a posting still in a kiosk's outbox) and one the
gateway has but the terminal does not (a reversal) look alike in the totals, and staff decide.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.schema import ErrorCode, TerminalReconciliationAck, TerminalReconciliationReport
from gateway.models import Kiosk, PaymentRow, TerminalReconciliation
from gateway.problems import ProblemError
from gateway.services.exports import day_range
from gateway.settings import local_date


def _ack(row: TerminalReconciliation) -> TerminalReconciliationAck:
    return TerminalReconciliationAck(business_date=row.business_date, card_count=row.card_count,
                                     card_cents=row.card_cents, received_at=row.received_at)


def record(session: Session, kiosk: Kiosk, report: TerminalReconciliationReport,
           now: datetime) -> tuple[int, TerminalReconciliationAck]:
    """Store a report: (201, new) or (200, the same report again); 409 for the same terminal and
    reconciliation id with other totals, 422 for a business day that has not begun yet."""
    today = local_date(now)
    if not today - timedelta(days=366) <= report.business_date <= today:
        raise ProblemError(ErrorCode.VALIDATION_ERROR,
                           errors=[{"pointer": "/business_date", "code": "date-out-of-range"}])
    eur = [t for t in report.totals if t.currency == "EUR"]
    totals = json.dumps([t.model_dump() for t in report.totals], sort_keys=True, separators=(",", ":"))
    row = TerminalReconciliation(
        kiosk_id=kiosk.id, terminal_id=report.terminal_id, reconciliation_id=report.reconciliation_id,
        business_date=report.business_date, reconciled_at=report.reconciled_at,
        card_count=sum(t.count for t in eur), card_cents=sum(t.amount_cents for t in eur),
        totals_json=totals, received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
        return 201, _ack(row)
    except IntegrityError:
        pass
    old = session.execute(select(TerminalReconciliation).where(
        TerminalReconciliation.kiosk_id == kiosk.id, TerminalReconciliation.terminal_id == report.terminal_id,
        TerminalReconciliation.reconciliation_id == report.reconciliation_id)).scalar_one()
    if old.totals_json != totals or old.business_date != report.business_date:
        raise ProblemError(ErrorCode.CLIENT_TXN_CONFLICT)
    return 200, _ack(old)


@dataclass
class KioskDay:
    """One kiosk's card day: what the gateway recorded and what the terminal reported."""

    kiosk_id: str
    recorded_count: int = 0
    recorded_cents: int = 0
    reported_count: int = 0
    reported_cents: int = 0
    reports: int = 0
    payments: list[PaymentRow] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.reports:
            return "no-report" if self.recorded_count else "ok"
        if (self.recorded_count, self.recorded_cents) == (self.reported_count, self.reported_cents):
            return "ok"
        return "differs"


def reconcile_day(session: Session, day: date) -> list[KioskDay]:
    """Per kiosk with card payments or a report on the Riga day `day`, sorted by kiosk id."""
    start, end = day_range(day, day)
    days: dict[str, KioskDay] = {}
    for kiosk_id, count, cents in session.execute(
        select(PaymentRow.kiosk_id, func.count(), func.coalesce(func.sum(PaymentRow.amount_cents), 0))
        .where(PaymentRow.method == "card", PaymentRow.approved_at >= start, PaymentRow.approved_at < end)
        .group_by(PaymentRow.kiosk_id)
    ):
        days[kiosk_id] = KioskDay(kiosk_id, recorded_count=int(count), recorded_cents=int(cents))
    for kiosk_id, n, count, cents in session.execute(
        select(TerminalReconciliation.kiosk_id, func.count(), func.sum(TerminalReconciliation.card_count),
               func.sum(TerminalReconciliation.card_cents))
        .where(TerminalReconciliation.business_date == day).group_by(TerminalReconciliation.kiosk_id)
    ):
        d = days.setdefault(kiosk_id, KioskDay(kiosk_id))
        d.reports, d.reported_count, d.reported_cents = int(n), int(count or 0), int(cents or 0)
    out = sorted(days.values(), key=lambda d: d.kiosk_id)
    for d in out:
        if d.status != "ok":
            d.payments = list(session.execute(
                select(PaymentRow).where(PaymentRow.kiosk_id == d.kiosk_id, PaymentRow.method == "card",
                                         PaymentRow.approved_at >= start, PaymentRow.approved_at < end)
                .order_by(PaymentRow.approved_at)).scalars())
    return out
