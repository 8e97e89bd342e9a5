"""Kiosk heartbeats (docs/architecture.md, "Running unattended"): store each kiosk's latest report
and list every kiosk with when it was last seen and what needs a person.

`kiosk_overview()` is the plain query the municipality's admin page renders; a problem is a stable
code (common.schema.KioskProblem), the page chooses how to say it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import KioskProblem, KioskStatusAck, KioskStatusReport
from gateway.models import Kiosk, KioskStatusRow

# A kiosk reports every minute; ten silent minutes mean it is off, frozen or offline.
NOT_SEEN_AFTER = timedelta(minutes=10)

_PRINTER_PROBLEMS: dict[str, KioskProblem] = {
    "paper_out": "paper-out",
    "paper_near_end": "paper-near-end",
    "cover_open": "cover-open",
    "offline": "printer-offline",
}


@dataclass(frozen=True)
class KioskHealth:
    """One row of the admin page's kiosk table."""

    kiosk_id: str
    location_code: str
    last_seen: datetime | None
    version: str = ""
    uptime_s: int = 0
    printer_state: str = "unknown"
    terminal_reachable: bool | None = None
    outbox_len: int = 0
    review_len: int = 0
    last_error: str = ""
    problems: list[KioskProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def report_problems(row: KioskStatusRow | KioskStatusReport) -> list[KioskProblem]:
    """What in one report needs a person (the seen/not-seen part is `kiosk_overview`'s)."""
    out: list[KioskProblem] = []
    printer = _PRINTER_PROBLEMS.get(row.printer_state)
    if printer is not None:
        out.append(printer)
    if row.terminal_reachable is False:
        out.append("terminal-unreachable")
    if row.review_len > 0:
        out.append("review-waiting")
    return out


def record(session: Session, kiosk: Kiosk, report: KioskStatusReport, now: datetime) -> KioskStatusAck:
    """Keep `report` as the kiosk's latest; an older report arriving late never replaces a newer one.

    The kiosk's `sent_at` only orders its reports, and a time ahead of the gateway's clock is
    clamped to that clock rather than refused: a kiosk whose clock runs fast still shows its paper
    and terminal on the admin page, and a report "from 2099" can no longer hold the row against
    every later honest one (a row stored ahead of the clock before this rule gives way to any report).
    """
    sent_at = min(report.sent_at, now)
    row = session.get(KioskStatusRow, kiosk.id)
    if row is None:
        row = KioskStatusRow(kiosk_id=kiosk.id)
        session.add(row)
    elif sent_at < row.sent_at <= now:
        return KioskStatusAck(received_at=now, problems=report_problems(row))
    row.received_at = now
    row.sent_at = sent_at
    row.version = report.version
    row.uptime_s = report.uptime_s
    row.printer_state = report.printer_state
    row.terminal_reachable = report.terminal_reachable
    row.outbox_len = report.outbox_len
    row.review_len = report.review_len
    row.last_error = report.last_error
    session.flush()
    return KioskStatusAck(received_at=now, problems=report_problems(row))


def kiosk_overview(session: Session, now: datetime) -> list[KioskHealth]:
    """Every active kiosk, problems first, then by id: last seen, its latest report, its problems."""
    rows = session.execute(
        select(Kiosk, KioskStatusRow)
        .outerjoin(KioskStatusRow, KioskStatusRow.kiosk_id == Kiosk.id)
        .where(Kiosk.active.is_(True))
    ).all()
    out: list[KioskHealth] = []
    for kiosk, status in rows:
        if status is None:
            out.append(KioskHealth(kiosk.id, kiosk.location_code, None, problems=["never-seen"]))
            continue
        problems: list[KioskProblem] = []
        if now - status.received_at > NOT_SEEN_AFTER:
            problems.append("not-seen")
        problems += report_problems(status)
        out.append(KioskHealth(
            kiosk_id=kiosk.id, location_code=kiosk.location_code, last_seen=status.received_at,
            version=status.version, uptime_s=status.uptime_s, printer_state=status.printer_state,
            terminal_reachable=status.terminal_reachable, outbox_len=status.outbox_len,
            review_len=status.review_len, last_error=status.last_error, problems=problems))
    out.sort(key=lambda k: (k.ok, k.kiosk_id))
    return out
