"""Importing the billing system's invoices (`kiosk gateway import-invoices`, docs/invoice-import.md).

All or nothing: a file with one bad line imports nothing. The rest happens in one transaction:
new invoices are added, an unpaid invoice whose line changed is updated, the same line again
changes nothing, and an invoice with money on it (paid in part or in full, or reserved at a kiosk
right now) is never changed by an import — the change is reported instead, because the resident's
receipt already shows what was paid against it (docs/architecture.md, "Money and receipt states").

Personal codes are not stored: a payer is kept under a keyed hash of the code (`payer_ref`), as
the models require; the operator's person search matches the same hash. A missing check value is
computed from the notice number with a secret key, so it is random to anyone without the key but
the same on every re-import.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from gateway.models import Creditor, Instalment, IntentItem, Invoice, Payer, PaymentIntentRow
from gateway.services.invoice_csv import InvoiceLine, LineError, parse_file

CHUNK = 900  # keeps IN (...) lists under SQLite's variable limit on old builds too


@dataclass(frozen=True)
class ImportKeys:
    """Secrets the import derives stored values with (from the gateway's key file)."""

    payer: bytes
    check: bytes

    @classmethod
    def derive(cls, secret: bytes) -> ImportKeys:
        return cls(
            payer=hmac.new(secret, b"kac-payer-ref-v1", hashlib.sha256).digest(),
            check=hmac.new(secret, b"kac-check-value-v1", hashlib.sha256).digest(),
        )

    def payer_ref(self, digits: str) -> str:
        """32 characters: `h` + 124 bits of HMAC-SHA-256; the code itself is never stored."""
        return "h" + hmac.new(self.payer, digits.encode("ascii"), hashlib.sha256).hexdigest()[:31]

    def check_value(self, notice: str) -> str:
        mac = hmac.new(self.check, notice.encode("ascii"), hashlib.sha256).digest()
        return f"{int.from_bytes(mac[:8], 'big') % 10_000:04d}"


@dataclass(frozen=True)
class Refused:
    """A change the import did not make, and why."""

    line_no: int
    notice_number: str
    reason: str


@dataclass
class ImportReport:
    errors: list[LineError] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[Refused] = field(default_factory=list)
    computed_checks: list[tuple[str, str]] = field(default_factory=list)  # (notice, check) for print
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        """2: bad lines, nothing imported; 1: imported, some changes refused; 0: all done."""
        return 2 if self.errors else (1 if self.refused else 0)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _creditors(session: Session, lines: list[InvoiceLine]) -> tuple[dict[str, str], list[LineError]]:
    """creditor code as written (id or registration number) -> creditor id; unknown ones as errors."""
    known: dict[str, str] = {}
    for cid, reg in session.execute(select(Creditor.id, Creditor.reg_no)):
        known[cid] = cid
        known.setdefault(reg, cid)
    errors = [LineError(ln.line_no, f"creditor: unknown creditor {ln.creditor!r}")
              for ln in lines if ln.creditor not in known]
    return known, errors


def _fields(ln: InvoiceLine, creditor_id: str, payer_id: int) -> dict[str, Any]:
    return {
        "service": ln.service, "creditor_id": creditor_id, "payer_id": payer_id,
        "period_start": ln.period_start, "period_end": ln.period_end, "total_cents": ln.total_cents,
        "object_kind": ln.object_kind, "object_ref": ln.object_ref,
    }


def _payers(session: Session, lines: list[InvoiceLine], keys: ImportKeys, write: bool) -> dict[str, int]:
    """payer_ref -> payer id; new payers are inserted and renamed ones renamed (when `write`)."""
    names: dict[str, str] = {}
    for ln in lines:
        names[keys.payer_ref(ln.payer_code)] = ln.payer_name
    refs = sorted(names)
    found: dict[str, tuple[int, str]] = {}
    for part in _chunks(refs):
        for pid, ref, name in session.execute(
                select(Payer.id, Payer.payer_ref, Payer.name).where(Payer.payer_ref.in_(part))):
            found[ref] = (pid, name)
    if not write:
        return {ref: found[ref][0] if ref in found else -1 for ref in refs}
    new = [{"payer_ref": r, "name": names[r], "deceased": False} for r in refs if r not in found]
    if new:
        session.execute(insert(Payer), new)
        for part in _chunks([n["payer_ref"] for n in new]):
            for pid, ref in session.execute(select(Payer.id, Payer.payer_ref).where(Payer.payer_ref.in_(part))):
                found[ref] = (pid, names[ref])
    renamed = [{"id": found[r][0], "name": names[r]} for r in refs if found[r][1] != names[r]]
    if renamed:
        session.execute(update(Payer), renamed)
    return {ref: found[ref][0] for ref in refs}


def _reserved(session: Session, invoice_ids: list[str], now: datetime) -> set[str]:
    out: set[str] = set()
    for part in _chunks(invoice_ids):
        out.update(session.execute(
            select(IntentItem.invoice_id).join(PaymentIntentRow, IntentItem.intent_id == PaymentIntentRow.id)
            .where(IntentItem.invoice_id.in_(part), PaymentIntentRow.status == "active",
                   PaymentIntentRow.expires_at > now)).scalars())
    return out


_COMPARED = ("service", "creditor_id", "payer_id", "period_start", "period_end", "total_cents",
             "object_kind", "object_ref")


@dataclass
class Stored:
    """An invoice as stored, read as plain rows (no ORM objects: a re-import reads them all)."""

    id: str
    check_value: str
    paid_cents: int
    fields: dict[str, Any]
    instalments: list[tuple[Any, int]] = field(default_factory=list)


def _existing(session: Session, notices: list[str]) -> dict[str, Stored]:
    out: dict[str, Stored] = {}
    cols = [getattr(Invoice, c) for c in _COMPARED]
    for part in _chunks(notices):
        by_id: dict[str, Stored] = {}
        for row in session.execute(select(Invoice.id, Invoice.notice_number, Invoice.check_value,
                                          Invoice.paid_cents, *cols).where(Invoice.notice_number.in_(part))):
            stored = Stored(row[0], row[2], row[3], dict(zip(_COMPARED, row[4:], strict=True)))
            out[row[1]] = by_id[row[0]] = stored
        for inv_id, due, cents in session.execute(
                select(Instalment.invoice_id, Instalment.due_date, Instalment.amount_cents)
                .where(Instalment.invoice_id.in_(list(by_id))).order_by(Instalment.invoice_id, Instalment.seq)):
            by_id[inv_id].instalments.append((due, cents))
    return out


def _same(inv: Stored, wanted: dict[str, Any], check: str, insts: Iterable[tuple[Any, int]]) -> bool:
    return inv.fields == wanted and inv.check_value == check and inv.instalments == list(insts)


def _describe(inv: Stored, wanted: dict[str, Any], check: str) -> str:
    changed = [k for k, v in wanted.items() if inv.fields.get(k) != v]
    if inv.check_value != check:
        changed.append("check_value")
    return ", ".join(changed) or "instalments"


def import_invoices(
    session: Session, data: bytes, keys: ImportKeys, now: datetime, *, dry_run: bool = False
) -> ImportReport:
    """Check `data` (the CSV file's bytes) and, unless `dry_run` or a line is bad, apply it.

    The caller owns the transaction and commits it when the report has no errors; with errors
    nothing was written.
    """
    parsed = parse_file(data)
    report = ImportReport(errors=list(parsed.errors), dry_run=dry_run)
    lines = parsed.lines
    creditors, unknown = _creditors(session, lines)
    if unknown:
        report.errors = sorted(report.errors + unknown, key=lambda e: e.line_no)
    if report.errors:
        return report

    existing = _existing(session, [ln.notice_number for ln in lines])
    touched = [inv.id for inv in existing.values()]
    reserved = _reserved(session, touched, now)
    payer_ids = _payers(session, lines, keys, write=not dry_run)

    new_rows: list[dict[str, Any]] = []
    new_insts: list[dict[str, Any]] = []
    changes: list[tuple[InvoiceLine, Stored, dict[str, Any], str]] = []
    for ln in lines:
        payer_id = payer_ids[keys.payer_ref(ln.payer_code)]
        wanted = _fields(ln, creditors[ln.creditor], payer_id)
        inv = existing.get(ln.notice_number)
        if inv is None:
            check = ln.check_value or keys.check_value(ln.notice_number)
            if ln.check_value is None:
                report.computed_checks.append((ln.notice_number, check))
            inv_id = f"inv-{secrets.token_hex(10)}"
            new_rows.append({"id": inv_id, "notice_number": ln.notice_number, "check_value": check,
                             "paid_cents": 0, "issued_at": now, **wanted})
            new_insts.extend({"invoice_id": inv_id, "seq": i + 1, "due_date": d, "amount_cents": c}
                             for i, (d, c) in enumerate(ln.instalments))
            continue
        check = ln.check_value or inv.check_value
        if payer_id == -1:  # dry run: a payer not stored yet is a change of payer
            wanted["payer_id"] = -1
        if _same(inv, wanted, check, ln.instalments):
            report.unchanged += 1
        elif inv.paid_cents > 0 or inv.id in reserved:
            why = "has payments" if inv.paid_cents > 0 else "is being paid at a kiosk now"
            report.refused.append(Refused(ln.line_no, ln.notice_number,
                                          f"{why}; not changed: {_describe(inv, wanted, check)}"))
        else:
            changes.append((ln, inv, wanted, check))
    report.added = len(new_rows)
    report.updated = len(changes)
    if dry_run:
        return report
    if new_rows:
        session.execute(insert(Invoice), new_rows)
        session.execute(insert(Instalment), new_insts)
    if changes:
        _apply_changes(session, changes, report, now)
    return report


def _apply_changes(session: Session, changes: list[tuple[InvoiceLine, Stored, dict[str, Any], str]],
                   report: ImportReport, now: datetime) -> None:
    """Update unpaid invoices, after locking them and looking again: a kiosk may have been paid
    or reserved one since they were read."""
    ids = sorted(inv.id for _ln, inv, _w, _c in changes)
    paid_now: dict[str, int] = {}
    for part in _chunks(ids):
        rows = session.execute(select(Invoice.id, Invoice.paid_cents).where(Invoice.id.in_(part))
                               .order_by(Invoice.id).with_for_update())
        paid_now.update({i: p for i, p in rows})
    reserved = _reserved(session, ids, now)
    updates: list[dict[str, Any]] = []
    insts: list[dict[str, Any]] = []
    for ln, inv, wanted, check in changes:
        if paid_now.get(inv.id, 0) > 0 or inv.id in reserved:
            report.updated -= 1
            report.refused.append(Refused(ln.line_no, ln.notice_number,
                                          f"paid or reserved during the import; not changed: "
                                          f"{_describe(inv, wanted, check)}"))
            continue
        updates.append({"id": inv.id, "check_value": check, **wanted})
        insts.extend({"invoice_id": inv.id, "seq": i + 1, "due_date": d, "amount_cents": c}
                     for i, (d, c) in enumerate(ln.instalments))
    if not updates:
        return
    session.execute(update(Invoice), updates)
    for part in _chunks([u["id"] for u in updates]):
        session.execute(delete(Instalment).where(Instalment.invoice_id.in_(part)))
    session.execute(insert(Instalment), insts)
    session.expire_all()
