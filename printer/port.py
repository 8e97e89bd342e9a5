"""The payment flow's receipt port (kiosk.payments.receipts.ReceiptPort) on top of ReceiptPrinter.

Maps a journal PaymentEntry (read by attribute, so this package does not import the journal) to
documents, signs payment receipts, and keeps each receipt's signed payload so a DUBLIKĀTS carries
the same QR and the next receipt chains to the previous signature (`prev8`).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from common.files import atomic_write
from common.signing import DEFAULT_VERIFY_BASE, SignedLine, Signer, b64u, sign, unb64u
from printer.documents import (
    CardPayment,
    CashPayment,
    Header,
    InvoiceLine,
    NotChargedSlip,
    OutcomeUnknownSlip,
    PaymentReceipt,
)
from printer.service import ReceiptPrinter
from printer.status import PrinterHealth


def _period(line: dict[str, Any]) -> str:
    try:
        a, b = date.fromisoformat(line["period_start"]), date.fromisoformat(line["period_end"])
    except (KeyError, ValueError):
        return str(line.get("period", ""))
    return f"{a:%d.%m.%Y}-{b:%d.%m.%Y}"


def invoice_lines(data: dict[str, Any]) -> tuple[InvoiceLine, ...]:
    """From the journal entry's `data["lines"]` (kiosk.payments.cart line summaries)."""
    return tuple(
        InvoiceLine(service=ln.get("service", ""), notice_no=ln.get("notice_number", ""), period=_period(ln),
                    amount_cents=int(ln["amount_cents"]), creditor_id=ln.get("creditor_id", ""),
                    creditor_name=ln.get("creditor_name", ""), object_kind=ln.get("object_kind", ""),
                    object_ref=ln.get("object_ref", ""))
        for ln in data.get("lines", [])
    )


class SignatureStore:
    """receipt_no -> signed payload, and the last signature for the chain; one small file each."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _write(self, name: str, obj: dict[str, Any]) -> None:
        # Fsynced: `last.json` is the chain head; losing it would fork the `prev8` chain.
        atomic_write(self.folder / name, json.dumps(obj).encode("utf-8"))

    def get(self, receipt_no: str) -> dict[str, Any] | None:
        path = self.folder / f"{receipt_no}.json"
        return json.loads(path.read_text("utf-8")) if path.exists() else None

    def put(self, receipt_no: str, url: str, code: str, ksig: bytes) -> None:
        self._write(f"{receipt_no}.json", {"url": url, "code": code, "ksig": b64u(ksig)})
        self._write("last.json", {"receipt_no": receipt_no, "ksig": b64u(ksig)})

    def last_ksig(self) -> bytes | None:
        path = self.folder / "last.json"
        return unb64u(json.loads(path.read_text("utf-8"))["ksig"]) if path.exists() else None


class JournalReceiptPort:
    def __init__(self, printer: ReceiptPrinter, *, signer: Signer, header: Header,
                 verify_base: str = DEFAULT_VERIFY_BASE, demo: bool = False) -> None:
        self.printer = printer
        self.signer = signer
        self.header = header
        self.verify_base = verify_base
        self.demo = demo or signer.demo
        self.signatures = SignatureStore(printer.spool.folder / "signatures")

    async def health(self) -> PrinterHealth:
        st = await self.printer.status()
        return PrinterHealth(ok=st.ready, reason="" if st.ready else st.state.value)

    def payment_document(self, entry: Any, *, duplicate: bool, awaiting_confirmation: bool) -> PaymentReceipt:
        invoices = invoice_lines(entry.data)
        method = "N" if entry.method == "cash" else "C"
        # The approval time, fixed once, so a DUBLIKĀTS shows the same time as the original.
        approved = entry.data.get("approved_at")
        paid_at = _aware(datetime.fromisoformat(approved) if approved else entry.updated_at)
        stored = self.signatures.get(entry.receipt_no)
        if stored is None:
            signed = sign(self.signer, kiosk_id=self.header.kiosk_id, receipt_no=entry.receipt_no, time=paid_at,
                          total_cents=entry.amount_cents, method=method,
                          lines=[SignedLine(i.amount_cents, i.creditor_id, i.notice_no) for i in invoices],
                          prev_ksig=self.signatures.last_ksig(), verify_base=self.verify_base)
            self.signatures.put(entry.receipt_no, signed.url, signed.short_code, signed.ksig)
            stored = {"url": signed.url, "code": signed.short_code}
        terminal = entry.terminal or {}
        payment: CardPayment | CashPayment
        if method == "N":
            tendered = int(entry.data.get("tendered_cents", entry.amount_cents))
            payment = CashPayment(tendered_cents=tendered, change_cents=tendered - entry.amount_cents)
        else:
            payment = CardPayment(tuple(terminal.get("receipt_lines") or ()))
        names = entry.data.get("payer_names") or []
        return PaymentReceipt(
            header=self.header, receipt_no=entry.receipt_no, paid_at=paid_at, invoices=invoices, payment=payment,
            payer_masked=", ".join(names) if isinstance(names, list) else str(names),
            verify_url=stored["url"], verify_code=stored["code"], pending=awaiting_confirmation,
            reprinted_at=datetime.now(UTC) if duplicate else None, demo=self.demo,
        )

    async def print_payment(self, entry: Any, *, lang: str, duplicate: bool, awaiting_confirmation: bool,
                            open_drawer: bool = False) -> None:
        doc = self.payment_document(entry, duplicate=duplicate, awaiting_confirmation=awaiting_confirmation)
        suffix = "-dup" + datetime.now(UTC).strftime("%H%M%S") if duplicate else ""
        # The drawer opens for the cash desk's own print only, never for a DUBLIKĀTS.
        await self.printer.print_document(doc, job_id=f"{entry.receipt_no}{suffix}", lang=lang, kind="payment",
                                          open_drawer=open_drawer and entry.method == "cash" and not duplicate)

    async def print_unknown(self, entry: Any, *, lang: str) -> None:
        doc = OutcomeUnknownSlip(self.header, reference_code=entry.reference_code,
                                 started_at=_aware(entry.created_at), amount_cents=entry.amount_cents,
                                 invoices=invoice_lines(entry.data), demo=self.demo)
        await self.printer.print_document(doc, job_id=f"unknown-{entry.reference_code}", lang=lang, kind="unknown")

    async def print_not_charged(self, entry: Any, *, lang: str) -> None:
        doc = NotChargedSlip(self.header, reference_code=entry.reference_code, started_at=_aware(entry.created_at),
                             resolved_at=datetime.now(UTC), amount_cents=entry.amount_cents, demo=self.demo)
        await self.printer.print_document(doc, job_id=f"notcharged-{entry.reference_code}", lang=lang,
                                          kind="not-charged")


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)
