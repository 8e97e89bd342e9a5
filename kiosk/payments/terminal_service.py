"""Paying through the terminal with the journal: the rules of docs/architecture.md, "Card
terminal", in one place.

The flow calls `TerminalService.pay(client_txn_id)` for a RESERVED journal entry and gets back the
final `TerminalOutcome` (APPROVED means paid; anything else means not paid, except UNKNOWN which
means "do not pay again": print the outcome-unknown slip). `cancel()` from the Pay screen sends an
Abort and lets `pay` keep waiting for the original answer. Every ServiceID is allocated in the
journal (committed) before the request that carries it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from common.clock import Clock, SystemClock
from kiosk.config import KioskConfig
from kiosk.journal import AsyncJournal, Journal, MoneyState, PaymentEntry
from kiosk.payments.terminal_recovery import RecoveryResult, recover_entries
from kiosk.terminal.base import OutcomeStatus, Reason, TerminalDriver, TerminalError, TerminalOutcome

log = logging.getLogger("kiosk.terminal")
M = MoneyState
Allocate = Callable[[str], Awaitable[str]]


async def resolve(driver: TerminalDriver, allocate: Allocate, payment_service_id: str, *,
                  clock: Clock, retry_s: float, deadline_s: float, requested_cents: int = 0,
                  abort_in_progress: bool = True, category: str = "Payment",
                  transaction_id: str = "") -> TerminalOutcome:
    """Ask TransactionStatus until the fate of a Payment (or a Reversal) is known or the deadline
    passes.

    Every query has a new ServiceID. InProgress means ask again after retry_s; the first time, the
    payment is also aborted when nobody waits for its answer any more (our request timed out or
    the kiosk crashed), so the resident is not charged behind the kiosk's back. A Reversal is
    never aborted. Returns a final outcome, or the last UNKNOWN / IN_PROGRESS one when the
    deadline passed.
    """
    start = clock.monotonic()
    aborted = False
    abort_in_progress = abort_in_progress and category == "Payment"
    while True:
        sid = await allocate("status")
        if category == "Payment":
            # The original call, so a driver written before reversal status still works here.
            out = await driver.status(payment_service_id, sid, requested_cents=requested_cents)
        else:
            out = await driver.status(payment_service_id, sid, requested_cents=requested_cents,
                                      category=category, transaction_id=transaction_id)
        if out.status in (OutcomeStatus.APPROVED, OutcomeStatus.DECLINED, OutcomeStatus.CANCELLED,
                          OutcomeStatus.PARTIAL, OutcomeStatus.NOT_FOUND):
            return out
        if out.status in (OutcomeStatus.IN_PROGRESS, OutcomeStatus.BUSY) and abort_in_progress \
                and not aborted:
            await driver.abort(payment_service_id, await allocate("abort"))
            aborted = True
        if clock.monotonic() - start >= deadline_s:
            return out
        await clock.sleep(retry_s)


class TerminalService:
    """Owns the terminal for the app's lifetime: one payment at a time, journaled step by step."""

    def __init__(self, driver: TerminalDriver, journal: Journal, *, clock: Clock | None = None,
                 status_retry_s: float = 5.0, recovery_deadline_s: float = 300.0,
                 not_found_void_within_s: float = 24 * 3600) -> None:
        self.driver = driver
        self.journal = journal
        self._journal = AsyncJournal(journal)  # every call from the loop goes off-thread
        self.clock = clock or SystemClock()
        self.status_retry_s = status_retry_s
        self.recovery_deadline_s = recovery_deadline_s
        self.not_found_void_within_s = not_found_void_within_s
        self._one_at_a_time = asyncio.Lock()
        self._current: tuple[str, str] | None = None  # (client_txn_id, payment ServiceID)
        self.cancel_requested = False

    @classmethod
    def from_config(cls, cfg: KioskConfig, journal: Journal, *, driver: TerminalDriver | None = None,
                    clock: Clock | None = None) -> TerminalService:
        from kiosk.payments.terminal_factory import driver_from_config

        return cls(driver or driver_from_config(cfg, clock=clock), journal, clock=clock,
                   status_retry_s=cfg.terminal.status_retry_s,
                   recovery_deadline_s=cfg.terminal.recovery_deadline_s)

    # -- journal access ------------------------------------------------------------------------
    async def _allocate(self, client_txn_id: str | None, purpose: str) -> str:
        return await self._journal.allocate_service_id(client_txn_id, purpose)

    async def _move(self, client_txn_id: str, state: MoneyState, *, note: str = "",
                    **fields: object) -> PaymentEntry:
        return await self._journal.transition(client_txn_id, state, note=note, **fields)

    def _allocator(self, client_txn_id: str | None) -> Allocate:
        return lambda purpose: self._allocate(client_txn_id, purpose)

    # -- the payment --------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._one_at_a_time.locked()

    async def pay(self, client_txn_id: str) -> TerminalOutcome:
        async with self._one_at_a_time:
            entry = await self._journal.get(client_txn_id)
            if entry.money_state is not M.RESERVED or entry.method != "card":
                raise TerminalError(f"{client_txn_id}: not a reserved card payment")
            # Nothing new starts while an earlier payment on this terminal is unresolved.
            await recover_entries(self._journal, self, exclude={client_txn_id})
            sid = await self._allocate(client_txn_id, "payment")
            await self._move(client_txn_id, M.SENT_TO_TERMINAL, service_id=sid)
            self._current, self.cancel_requested = (client_txn_id, sid), False
            try:
                out = await self.driver.pay(sid, entry.amount_cents, sale_txn_id=client_txn_id,
                                            language=str(entry.data.get("lang") or ""))
            finally:
                self._current = None
            return await self.settle(entry, sid, out, after_crash=False)

    async def cancel(self) -> bool:
        """Abort the payment in flight; its own answer still decides (approved means paid)."""
        current = self._current
        if current is None:
            return False
        self.cancel_requested = True
        await self.driver.abort(current[1], await self._allocate(current[0], "abort"))
        return True

    async def settle(self, entry: PaymentEntry, sid: str, out: TerminalOutcome, *,
                     after_crash: bool) -> TerminalOutcome:
        """Journal an outcome of payment `sid`; resolves UNKNOWN and reverses PARTIAL first."""
        txn = entry.client_txn_id
        via_status = False
        if out.status in (OutcomeStatus.UNKNOWN, OutcomeStatus.IN_PROGRESS):
            via_status = True
            await self._move(txn, M.UNKNOWN, note="answer lost" if not after_crash else "restart")
            out = await resolve(self.driver, self._allocator(txn), sid, clock=self.clock,
                                retry_s=self.status_retry_s, deadline_s=self.recovery_deadline_s,
                                requested_cents=entry.amount_cents)
            if out.status in (OutcomeStatus.UNKNOWN, OutcomeStatus.IN_PROGRESS,
                              OutcomeStatus.BUSY):
                if after_crash:
                    await self._move(txn, M.MANUAL_REVIEW, note="status unresolved by deadline",
                                     terminal=out.to_dict())
                return TerminalOutcome(OutcomeStatus.UNKNOWN, service_id=sid,
                                       requested_cents=entry.amount_cents,
                                       reason=Reason.OUTCOME_UNKNOWN,
                                       error_condition=out.error_condition)
        status = out.status
        if status is OutcomeStatus.APPROVED:
            if out.sale_txn_id and out.sale_txn_id != txn:
                await self._move(txn, M.UNKNOWN)
                await self._move(txn, M.MANUAL_REVIEW, note="approved for another transaction",
                                 terminal=out.to_dict())
                return TerminalOutcome(OutcomeStatus.UNKNOWN, service_id=sid,
                                       reason=Reason.OUTCOME_UNKNOWN)
            await self._move(txn, M.APPROVED, terminal=out.to_dict())
            return out
        if status is OutcomeStatus.PARTIAL:
            return await self._reverse_partial(entry, out)
        if status is OutcomeStatus.NOT_FOUND:
            age = (self.clock.now() - entry.created_at).total_seconds()
            if after_crash and age > self.not_found_void_within_s:
                await self._move(txn, M.MANUAL_REVIEW, note="NotFound on an old entry")
                return out
            await self._move(txn, M.VOID, note="never reached the terminal", terminal=out.to_dict())
            return out
        if via_status and status in (OutcomeStatus.DECLINED, OutcomeStatus.CANCELLED):
            # An unknown outcome resolves to APPROVED | VOID | MANUAL_REVIEW (docs/architecture.md,
            # "Money and receipt states"), never to DECLINED / CANCELLED.
            await self._move(txn, M.VOID, note=f"status: {status.value.lower()}",
                             terminal=out.to_dict())
            return out
        if status is OutcomeStatus.DECLINED:
            await self._move(txn, M.DECLINED, terminal=out.to_dict())
            return out
        # CANCELLED, or BUSY: the terminal refused to start this payment; no money moved.
        note = "terminal busy" if status is OutcomeStatus.BUSY else ""
        await self._move(txn, M.CANCELLED, note=note, terminal=out.to_dict())
        return out

    async def _reverse_partial(self, entry: PaymentEntry, out: TerminalOutcome) -> TerminalOutcome:
        """A partial approval is never a payment: give the money back at once, report not paid."""
        txn = entry.client_txn_id
        await self._move(txn, M.REVERSAL_PENDING, note="partial approval", terminal=out.to_dict())
        return await self.retry_reversal(txn, out)

    async def retry_reversal(self, txn: str, out: TerminalOutcome) -> TerminalOutcome:
        """Reverse partial approval `out` of REVERSAL_PENDING entry `txn` (again, after a crash)."""
        rev = await self._reverse(txn, transaction_id=out.transaction_id,
                                  transaction_time=out.transaction_time,
                                  amount_cents=out.amount_cents or None,
                                  note="partial approval reversed")
        if rev.status is not OutcomeStatus.APPROVED:
            log.error("reversal of partial payment %s not confirmed: %s", txn, rev.status)
        return TerminalOutcome(OutcomeStatus.PARTIAL, amount_cents=out.amount_cents,
                               requested_cents=out.requested_cents, service_id=out.service_id,
                               sale_txn_id=out.sale_txn_id, transaction_id=out.transaction_id,
                               transaction_time=out.transaction_time,
                               reason=Reason.PARTIAL_REVERSED if rev.status is
                               OutcomeStatus.APPROVED else Reason.OUTCOME_UNKNOWN,
                               error_condition=out.error_condition)

    async def refund(self, client_txn_id: str, amount_cents: int | None = None
                     ) -> TerminalOutcome:
        """Staff refund of an approved/posted payment (Reversal), journaled REVERSAL_PENDING first."""
        async with self._one_at_a_time:
            entry = await self._journal.get(client_txn_id)
            if not entry.terminal:
                raise TerminalError(f"{client_txn_id}: no terminal transaction to refund")
            paid = TerminalOutcome.from_dict(entry.terminal)
            await self._move(client_txn_id, M.REVERSAL_PENDING, note="staff refund")
            # Run again after an interrupted refund, this finds the earlier Reversal first.
            return await self._reverse(client_txn_id, transaction_id=paid.transaction_id,
                                       transaction_time=paid.transaction_time,
                                       amount_cents=amount_cents, note="staff refund")

    async def confirm_reversal(self, client_txn_id: str) -> TerminalOutcome | None:
        """Recovery of an interrupted staff refund: journal REVERSED when an earlier Reversal of
        this entry is confirmed by TransactionStatus. Never sends a new Reversal (how much to give
        back was a person's decision): None when there is nothing to confirm."""
        entry = await self._journal.get(client_txn_id)
        paid = TerminalOutcome.from_dict(entry.terminal or {"status": "UNKNOWN"})
        earlier = await self._earlier_reversal(client_txn_id, amount_cents=None,
                                               transaction_id=paid.transaction_id)
        if earlier is not None and earlier.status is OutcomeStatus.APPROVED:
            await self._move(client_txn_id, M.REVERSED,
                             note="staff refund confirmed by transaction status")
        return earlier

    # -- reversals: money back exactly once -----------------------------------------------------
    async def _reverse(self, txn: str, *, transaction_id: str, transaction_time: str,
                       amount_cents: int | None, note: str) -> TerminalOutcome:
        """Give back (part of) payment `txn`, REVERSAL_PENDING in the journal; REVERSED once a
        Reversal is known to have succeeded.

        A Reversal of this entry sent before (the kiosk died before its answer was journaled, or
        the answer was lost) is asked about first, by TransactionStatus on its own ServiceID: a
        second Reversal would be refused (already reversed) or, for a part, give back twice. A new
        Reversal goes out only when every earlier one surely moved no money.
        """
        earlier = await self._earlier_reversal(txn, amount_cents=amount_cents,
                                               transaction_id=transaction_id)
        if earlier is not None:
            rev = earlier
            note = f"{note} (confirmed by transaction status)"
        else:
            rev_sid = await self._allocate(txn, "reversal")
            rev = await self.driver.refund(rev_sid, transaction_id=transaction_id,
                                           transaction_time=transaction_time,
                                           amount_cents=amount_cents)
            if rev.status is OutcomeStatus.UNKNOWN:
                # Never assume failure: the answer of this very Reversal was lost.
                rev = await self._reversal_status(txn, rev_sid, amount_cents=amount_cents,
                                                  transaction_id=transaction_id,
                                                  deadline_s=self.recovery_deadline_s)
        if rev.status is OutcomeStatus.APPROVED:
            await self._move(txn, M.REVERSED, note=note)
        return rev

    async def _reversal_status(self, txn: str, reversal_sid: str, *, amount_cents: int | None,
                               transaction_id: str, deadline_s: float) -> TerminalOutcome:
        return await resolve(self.driver, self._allocator(txn), reversal_sid, clock=self.clock,
                             retry_s=self.status_retry_s, deadline_s=deadline_s,
                             requested_cents=amount_cents or 0, abort_in_progress=False,
                             category="Reversal", transaction_id=transaction_id)

    async def _earlier_reversal(self, txn: str, *, amount_cents: int | None,
                                transaction_id: str) -> TerminalOutcome | None:
        """The fate of the Reversals journaled for `txn` before now, newest first.

        APPROVED: one gave the money back. UNKNOWN / IN_PROGRESS / BUSY: one may have, and the
        terminal did not say within the recovery deadline; send nothing, a person decides. None:
        there were none, or each never reached the terminal (NotFound) or ended without moving
        money, so a new Reversal is safe.
        """
        ids = await self._journal.service_ids_for(txn)
        earlier = [sid for sid, purpose in reversed(ids) if purpose == "reversal"]
        start = self.clock.monotonic()
        unsure: TerminalOutcome | None = None
        for sid in earlier:
            left = max(0.0, self.recovery_deadline_s - (self.clock.monotonic() - start))
            out = await self._reversal_status(txn, sid, amount_cents=amount_cents,
                                              transaction_id=transaction_id, deadline_s=left)
            if out.status is OutcomeStatus.APPROVED:
                return out
            if out.status not in (OutcomeStatus.NOT_FOUND, OutcomeStatus.DECLINED,
                                  OutcomeStatus.CANCELLED):
                log.warning("reversal %s of %s still unresolved: %s", sid, txn, out.status)
                unsure = unsure or out
        return unsure

    async def recover(self) -> list[RecoveryResult]:
        """Resolve what the terminal left unfinished (kiosk.payments.terminal_recovery), one at a time."""
        async with self._one_at_a_time:
            return await recover_entries(self._journal, self)


async def recover_terminal(journal: Journal, driver: TerminalDriver, *, clock: Clock,
                           deadline_s: float, retry_s: float = 1.0,
                           exclude: Iterable[str] = ()) -> list[RecoveryResult]:
    """Recovery with a service of its own (a technician's tool, tests): see TerminalService.recover."""
    service = TerminalService(driver, journal, clock=clock, status_retry_s=retry_s,
                              recovery_deadline_s=deadline_s)
    return await recover_entries(service._journal, service, exclude=exclude)
