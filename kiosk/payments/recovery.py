"""Recovery: finishing what an interrupted payment left — at start-up, before the first payment,
and when a resident scans an "outcome unknown" slip later.

The journal, not memory, says what is left: the terminal side is settled first (TransactionStatus,
kiosk.payments.terminal_recovery), then each unfinished entry is carried on from its state — a reservation
never used is released, an approval is posted and its receipt printed (docs/architecture.md,
"Money and receipt states").
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from common.clock import Clock
from kiosk.journal import AsyncJournal, MoneyState, PaymentEntry
from kiosk.payments.posting import PostingOutbox
from kiosk.payments.receipts import PaymentReceipts
from kiosk.payments.result import PaymentResult, PaymentTimings, Verdict
from kiosk.payments.terminal_service import TerminalService, resolve
from kiosk.terminal.base import OutcomeStatus

log = logging.getLogger(__name__)
M = MoneyState


class PaymentRecovery:
    def __init__(self, journal: AsyncJournal, terminal: TerminalService, posting: PostingOutbox,
                 paper: PaymentReceipts, *, clock: Clock, timings: PaymentTimings,
                 lock: asyncio.Lock) -> None:
        self.journal = journal
        self.terminal = terminal
        self.posting = posting
        self.paper = paper
        self.clock = clock
        self.timings = timings
        self.lock = lock  # shared with the payment: one payment or recovery at a time
        self.recovered = False

    async def recover(self) -> list[PaymentEntry]:
        """Finish every unfinished payment: the terminal side first, then gateway and paper.

        Runs at start-up before the kiosk takes a payment. Returns what still needs a person.
        """
        async with self.lock:
            return await self.recover_locked()

    async def recover_locked(self) -> list[PaymentEntry]:
        """`recover` for a caller that already holds `lock` (the payment, before its first)."""
        await self.terminal.recover()
        # Entries the terminal side closed (VOID, REVERSED), or that were closed just before a
        # crash, still hold their reservation: queue its release (a repeat key is a no-op).
        since = self.clock.now() - timedelta(seconds=2 * self.timings.reservation_ttl_s)
        for entry in await self.journal.payments(states={M.VOID, M.REVERSED},
                                                 updated_since=since):
            await self.posting.queue_release(entry.client_txn_id)
        for entry in await self.journal.unfinished():
            try:
                await self._recover_one(entry)
            except Exception:
                log.exception("recovery of %s failed; it stays on the list", entry.client_txn_id)
        await self.posting.flush()
        self.recovered = True
        return await self.journal.unfinished()

    async def _recover_one(self, entry: PaymentEntry) -> None:
        txn = entry.client_txn_id
        lang = entry.data.get("lang", "lv")
        if entry.money_state is M.RESERVED:  # never sent to the terminal: nothing was charged
            await self.posting.void(entry, note="recovered: never sent")
        elif entry.money_state in (M.DECLINED, M.CANCELLED):
            await self.posting.void(entry, note="recovered")
        entry = await self.journal.get(txn)
        if entry.money_state is M.APPROVED:
            await self.posting.mark_approved(txn)
        if entry.money_state in (M.APPROVED, M.POST_PENDING):
            await self.posting.post(await self.journal.get(txn))
        entry = await self.journal.get(txn)
        if entry.owes_receipt:
            await self.paper.finish(entry, lang=lang)

    async def resolve_reference(self, reference_code: str, *, lang: str) -> PaymentResult | None:
        """The resident scanned an unknown-outcome slip: print what is known now."""
        entry = await self.journal.find_by_reference(reference_code)
        if entry is None:
            return None
        txn = entry.client_txn_id
        if entry.money_state is M.MANUAL_REVIEW and entry.service_id:
            outcome = await resolve(
                self.terminal.driver,
                lambda purpose: self.journal.allocate_service_id(txn, purpose),
                entry.service_id, clock=self.clock, retry_s=self.timings.status_retry_s,
                deadline_s=self.timings.status_retry_s, requested_cents=entry.amount_cents)
            if outcome.status is OutcomeStatus.APPROVED and \
                    outcome.amount_cents in (0, entry.amount_cents):
                await self.journal.transition(txn, M.APPROVED, terminal=outcome.to_dict(),
                                              note="resolved later")
                await self.posting.mark_approved(txn)
            elif outcome.status in (OutcomeStatus.NOT_FOUND, OutcomeStatus.DECLINED,
                                    OutcomeStatus.CANCELLED):
                await self.posting.void(entry,
                                        note=f"resolved later: {outcome.status.value.lower()}")
            entry = await self.journal.get(txn)
        if entry.money_state in (M.APPROVED, M.POST_PENDING, M.POSTED):
            if entry.money_state is not M.POSTED:
                await self.posting.post(entry)
            entry = await self.journal.get(txn)
            printed = await self.paper.print_receipt(entry, lang=lang,
                                                    duplicate=entry.print_count > 0)
            return PaymentResult(Verdict.PAID, "paid" if printed else "print-failed",
                                 client_txn_id=txn, receipt_no=entry.receipt_no,
                                 amount_cents=entry.amount_cents, printed=printed)
        if entry.money_state in (M.VOID, M.REVERSED):
            printed = await self.paper.print_not_charged(entry, lang=lang)
            return PaymentResult(Verdict.NOT_PAID, "not_charged", client_txn_id=txn,
                                 printed=printed)
        return PaymentResult(Verdict.UNKNOWN, "unknown", client_txn_id=txn,
                             reference_code=entry.reference_code)
