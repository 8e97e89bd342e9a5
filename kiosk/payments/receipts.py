"""A payment's paper: the payment receipt (journaled on the receipt track), its second copy
(DUBLIKĀTS), and the slips for an unknown outcome or a card not charged.

PRINT_SENT is written before the bytes go out, PRINTED or PRINT_FAILED after; a restart that finds
PRINT_SENT cannot know whether the paper came out, so it prints again as DUBLIKĀTS
(docs/architecture.md, "Money and receipt states" and "Receipts").
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Protocol

from common.clock import RIGA
from kiosk.journal import AsyncJournal, MoneyState, PaymentEntry, ReceiptState
from printer.status import PrinterHealth

log = logging.getLogger(__name__)
M, R = MoneyState, ReceiptState


class ReceiptPort(Protocol):
    """The printer as the payment sees it (printer.port.JournalReceiptPort)."""

    async def health(self) -> PrinterHealth: ...

    async def print_payment(self, entry: PaymentEntry, *, lang: str, duplicate: bool,
                            awaiting_confirmation: bool, open_drawer: bool = False) -> None:
        """Print the payment confirmation; raise on failure (the job stays in the spool).
        open_drawer: a cash payment's first print kicks the drawer open (never a copy)."""

    async def print_unknown(self, entry: PaymentEntry, *, lang: str) -> None: ...

    async def print_not_charged(self, entry: PaymentEntry, *, lang: str) -> None: ...


def approved_day(entry: PaymentEntry) -> date:
    """The local (Europe/Riga) day the money was taken: the approval time the receipt shows."""
    approved = entry.data.get("approved_at")
    when = datetime.fromisoformat(approved) if approved else entry.created_at
    return when.astimezone(RIGA).date()


def receipt_seq(receipt_no: str) -> int | None:
    """The running number of `<kiosk-id>.<generation>-<seq>` (what the librarian types)."""
    tail = receipt_no.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None


class PaymentReceipts:
    """Receipts and slips of payments, each print journaled on the receipt track."""

    def __init__(self, journal: AsyncJournal, receipts: ReceiptPort) -> None:
        self.journal = journal
        self.receipts = receipts

    async def printer_health(self) -> PrinterHealth:
        return await self.receipts.health()

    async def print_receipt(self, entry: PaymentEntry, *, lang: str, duplicate: bool,
                            open_drawer: bool = False) -> bool:
        txn = entry.client_txn_id
        entry = await self.journal.set_receipt_state(txn, R.PRINT_SENT)
        # Only the cash desk's own print opens the drawer: a DUBLIKĀTS or a print finished by
        # recovery (perhaps with nobody at the desk) never does.
        drawer = {"open_drawer": True} if open_drawer and entry.method == "cash" else {}
        try:
            await self.receipts.print_payment(
                entry, lang=lang, duplicate=duplicate,
                awaiting_confirmation=entry.money_state is not M.POSTED, **drawer)
        except Exception as exc:
            log.warning("receipt %s not printed: %s", entry.receipt_no, exc)
            await self.journal.set_receipt_state(txn, R.PRINT_FAILED,
                                                 note=str(getattr(exc, "code", exc))[:200])
            return False
        await self.journal.set_receipt_state(txn, R.PRINTED)
        return True

    async def reprint(self, client_txn_id: str, *, lang: str = "lv") -> bool:
        """A second copy (DUBLIKĀTS) of a paid receipt, or a retry of a failed print."""
        entry = await self.journal.get(client_txn_id)
        if not entry.owes_receipt:
            return False
        duplicate = entry.receipt_state is not R.PRINT_FAILED or entry.print_count > 0
        return await self.print_receipt(entry, lang=lang, duplicate=duplicate)

    async def receipt_of_day(self, number: str, day: date) -> PaymentEntry | None:
        """The day's receipt by its number as typed: the whole number or its running number
        (the digits after the last "-"); the newest one when a re-provisioned kiosk repeats it."""
        typed = number.strip()
        seq = receipt_seq(typed)
        found = None
        for entry in await self.journal.payments():
            if not entry.receipt_no or not entry.owes_receipt or approved_day(entry) != day:
                continue
            if entry.receipt_no == typed or (seq is not None
                                             and receipt_seq(entry.receipt_no) == seq):
                found = entry
        return found

    async def finish(self, entry: PaymentEntry, *, lang: str) -> None:
        """Recovery: print the receipt a restart found unprinted or interrupted."""
        if entry.receipt_state is R.NONE:
            await self.print_receipt(entry, lang=lang, duplicate=False)
        elif entry.receipt_state is R.PRINT_SENT:
            # The bytes may or may not have reached the paper: the copy says DUBLIKĀTS.
            entry = await self.journal.set_receipt_state(
                entry.client_txn_id, R.PRINT_FAILED, note="interrupted; reprinting as duplicate")
            await self.print_receipt(entry, lang=lang, duplicate=True)

    async def print_unknown(self, entry: PaymentEntry, *, lang: str) -> bool:
        return await self._slip(self.receipts.print_unknown, entry, lang)

    async def print_not_charged(self, entry: PaymentEntry, *, lang: str) -> bool:
        return await self._slip(self.receipts.print_not_charged, entry, lang)

    @staticmethod
    async def _slip(printer: Callable[..., Awaitable[None]], entry: PaymentEntry,
                    lang: str) -> bool:
        try:
            await printer(entry, lang=lang)
        except Exception:
            log.exception("slip not printed")
            return False
        return True
