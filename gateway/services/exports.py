"""Payments out for the accounts (`kiosk gateway export-payments`, docs/payments-export.md).

Every payment posted in a range of Riga calendar days, with its allocations to invoices, method,
location, kiosk, receipt number and the terminal's references. Two formats: a CSV with one line
per allocation (plus one per unallocated credit), and camt.054 (`gateway.services.camt054`), which
an accounting system books like a bank's credit notification. Amounts are integer cents inside and
written as euros with exactly two decimals, never through a float. Every CSV cell goes through
`common.csv_safe.safe_cell`, so no cell opens as a formula in a spreadsheet. What is written is read
back before the file appears (`check_csv`, `camt054.check`): a file the accounts cannot read is
never handed over as if it were an export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.clock import RIGA
from common.csv_safe import safe_cell
from gateway.models import Kiosk, Location, PaymentRow

CSV_COLUMNS = (
    "payment_id", "posted_at", "approved_at", "local_date", "method", "payment_eur", "line",
    "line_kind", "line_eur", "notice_number", "service", "creditor_id", "creditor_iban", "kiosk_id",
    "location_code", "location_name", "receipt_no", "terminal_id", "terminal_txn_id", "approval_code",
    "card_brand", "acquirer_batch", "needs_review", "flags",
)


class ExportInvalid(ValueError):
    """The export as made would not read back: nothing is written (the message says why)."""


@dataclass(frozen=True)
class ExportedPayment:
    """A posted payment and where it was taken."""

    row: PaymentRow
    location_code: str
    location_name: str


def day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in Riga, as aware datetimes (DST-correct)."""
    if last < first:
        raise ValueError("--to is before --from")
    start = datetime.combine(first, time(0), tzinfo=RIGA)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=RIGA)
    return start, end


def posted_payments(session: Session, first: date, last: date) -> list[ExportedPayment]:
    """Payments whose posting falls on the Riga days first..last, oldest first."""
    start, end = day_range(first, last)
    rows = session.execute(
        select(PaymentRow, Kiosk.location_code, Location.name)
        .join(Kiosk, Kiosk.id == PaymentRow.kiosk_id)
        .join(Location, Location.code == Kiosk.location_code)
        .where(PaymentRow.posted_at >= start, PaymentRow.posted_at < end)
        .order_by(PaymentRow.posted_at, PaymentRow.id)
    ).unique().all()
    return [ExportedPayment(row=p, location_code=code, location_name=name) for p, code, name in rows]


def euros(cents: int, decimal: str = ".") -> str:
    """1234 -> '12.34' (or '12,34'); exact, from integer cents."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}{decimal}{frac:02d}"


def local_day(moment: datetime) -> date:
    return moment.astimezone(RIGA).date()


def csv_rows(payments: Iterable[ExportedPayment], decimal: str = ".") -> Iterable[list[str]]:
    """One list per allocation and one per unallocated credit, in CSV_COLUMNS order."""
    for ex in payments:
        p = ex.row
        common = {
            "payment_id": p.id, "posted_at": p.posted_at.isoformat(), "approved_at": p.approved_at.isoformat(),
            "local_date": local_day(p.approved_at).isoformat(), "method": p.method,
            "payment_eur": euros(p.amount_cents, decimal), "kiosk_id": p.kiosk_id,
            "location_code": ex.location_code, "location_name": ex.location_name, "receipt_no": p.receipt_no or "",
            "terminal_id": p.terminal_id or "", "terminal_txn_id": p.terminal_txn_id or "",
            "approval_code": p.approval_code or "", "card_brand": p.card_brand or "",
            "acquirer_batch": p.acquirer_batch or "", "needs_review": "yes" if p.needs_review else "no",
            "flags": p.flags,
        }
        lines: list[dict[str, str]] = []
        for a in p.allocations:
            inv = a.invoice
            lines.append({"line_kind": "allocation", "line_eur": euros(a.amount_cents, decimal),
                          "notice_number": inv.notice_number, "service": inv.service,
                          "creditor_id": inv.creditor_id, "creditor_iban": inv.creditor.iban})
        if p.credit_cents:
            lines.append({"line_kind": "credit", "line_eur": euros(p.credit_cents, decimal), "notice_number": "",
                          "service": "", "creditor_id": "", "creditor_iban": ""})
        for n, line in enumerate(lines, start=1):
            merged = {**common, **line, "line": str(n)}
            yield [safe_cell(merged[c]) for c in CSV_COLUMNS]


def write_csv(fh: TextIO, payments: list[ExportedPayment], *, semicolon: bool = False) -> int:
    """The CSV (header first); `semicolon`: `;` and decimal commas for Latvian Excel. Returns lines."""
    writer = csv.writer(fh, delimiter=";" if semicolon else ",", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    n = 0
    for row in csv_rows(payments, "," if semicolon else "."):
        writer.writerow(row)
        n += 1
    return n


def check_csv(text: str, lines: int, *, semicolon: bool = False) -> None:
    """Read the CSV back: a header and `lines` rows of every column, or `ExportInvalid`."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if semicolon else ","))
    except csv.Error as exc:
        raise ExportInvalid(f"the CSV does not read back ({exc})") from None
    if rows[:1] != [list(CSV_COLUMNS)] or len(rows) != lines + 1 or any(len(r) != len(CSV_COLUMNS) for r in rows):
        raise ExportInvalid(f"the CSV reads back as {len(rows) - 1} lines, not {lines}")
