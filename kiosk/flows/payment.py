"""Reserve -> pay -> post -> print: the resident's card payment, never lost, never twice.

`PaymentService` lives as long as the app (an idle reset never cancels it). Every money-moving step
is journaled before the call it announces and after its answer (DESIGN §3); the same code finishes
an interrupted payment at start-up (`recover`). The service knows no Kivy: screens call `pay()`,
`cancel()` and read `phase`.

Ports, so tests and the demo plug in real or simulated parts:
- gateway: `kiosk.gateway_client.GatewayClient` (or anything with the same coroutine methods),
- terminal: a `kiosk.terminal.base.TerminalDriver`,
- receipts: a `ReceiptPort` (printer status, payment receipt, unknown-outcome and not-charged slips).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from common.clock import Clock
from common.i18n import N_, gettext
from common.schema import AllocationIn, PaymentRequest, TerminalRef
from kiosk.cart import Cart
from kiosk.gateway_client import GatewayClient, error_message
from kiosk.journal import Journal, MoneyState, PaymentEntry, ReceiptState
from kiosk.terminal.base import OutcomeStatus, TerminalOutcome
from kiosk.terminal.service import TerminalService

log = logging.getLogger(__name__)
M, R = MoneyState, ReceiptState


class Phase(StrEnum):
    IDLE = "idle"
    CHECKING = "checking"  # printer + gateway before money moves
    RESERVING = "reserving"
    WAITING_FOR_CARD = "waiting_for_card"
    CANCELLING = "cancelling"
    RESOLVING = "resolving"  # asking the terminal what happened
    POSTING = "posting"
    PRINTING = "printing"
    DONE = "done"


class Verdict(StrEnum):
    PAID = "paid"  # money taken; receipt printed or kept for reprint
    NOT_PAID = "not_paid"  # declined / cancelled / reversed: card not charged
    UNKNOWN = "unknown"  # could not be resolved: slip printed, case on the review list
    REFUSED = "refused"  # stopped before the card was touched (conflict, printer, gateway)


# Messages a resident reads; codes are stable for tests and screens.
MESSAGES: dict[str, str] = {
    "paid": N_("Payment accepted. Please take your receipt."),
    "paid-awaiting": N_("Payment accepted. The municipality will confirm it shortly; "
                        "your receipt says so."),
    "print-failed": N_("Payment accepted, but the receipt could not be printed. "
                       "The librarian will print it for you."),
    "printer-unavailable": N_("The receipt printer is not ready. Please ask the librarian "
                              "before paying."),
    "gateway-unavailable": N_("The municipality's system cannot be reached. Please ask the "
                              "librarian; nothing was charged."),
    "terminal-unresolved": N_("The card terminal is finishing an earlier payment. Please ask "
                              "the librarian."),
    "cart-empty": N_("Nothing to pay."),
    "unknown": N_("We could not confirm the payment. Do not pay again: keep the slip and ask "
                  "the librarian."),
}


def message(code: str, lang: str) -> str:
    if code in MESSAGES:
        return gettext(MESSAGES[code], lang)
    return error_message(code, lang)


@dataclass(frozen=True)
class PrinterHealth:
    ok: bool
    reason: str = ""  # paper_out, cover_open, offline, ...


class ReceiptPort(Protocol):
    async def health(self) -> PrinterHealth: ...

    async def print_payment(self, entry: PaymentEntry, *, lang: str, duplicate: bool,
                            awaiting_confirmation: bool) -> None:
        """Print the payment confirmation; raise on failure (the job stays in the spool)."""

    async def print_unknown(self, entry: PaymentEntry, *, lang: str) -> None: ...

    async def print_not_charged(self, entry: PaymentEntry, *, lang: str) -> None: ...


@dataclass(frozen=True)
class PaymentResult:
    verdict: Verdict
    code: str  # message / reason code
    client_txn_id: str | None = None
    receipt_no: str | None = None
    reference_code: str | None = None
    printed: bool = False
    awaiting_confirmation: bool = False
    outcome: TerminalOutcome | None = None

    def text(self, lang: str) -> str:
        from kiosk.terminal.base import Reason, reason_text

        if self.code in MESSAGES:
            return message(self.code, lang)
        if self.outcome is not None and self.outcome.reason is not None:
            return reason_text(self.outcome.reason, lang)
        # Results without a terminal outcome (cancelled before the terminal, a scanned slip
        # resolved as not charged) still carry a reason code: never "something went wrong".
        if self.code in Reason.__members__.values():
            return reason_text(self.code, lang)
        return message(self.code, lang)


@dataclass
class PaymentTimings:
    payment_timeout_s: float = 120.0
    status_retry_s: float = 5.0
    recovery_deadline_s: float = 300.0
    reservation_ttl_s: int = 600


@dataclass
class PaymentService:
    journal: Journal
    gateway: GatewayClient
    terminal: TerminalService
    receipts: ReceiptPort
    clock: Clock
    timings: PaymentTimings = field(default_factory=PaymentTimings)
    terminal_id: str = ""
    on_phase: Callable[[Phase], None] | None = None

    def __post_init__(self) -> None:
        self.phase = Phase.IDLE
        self._current: asyncio.Task[PaymentResult] | None = None
        self._cancel_requested = False
        self._side_tasks: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()  # one payment or recovery at a time
        self.recovered = False

    # -- observation ---------------------------------------------------------------------------
    def _set_phase(self, phase: Phase) -> None:
        self.phase = phase
        if self.on_phase is not None:
            try:
                self.on_phase(phase)
            except Exception:  # a screen's bug must never stop the money work
                log.exception("phase observer failed")

    @property
    def busy(self) -> bool:
        return self._current is not None and not self._current.done()

    # -- checks --------------------------------------------------------------------------------
    async def preflight(self) -> str | None:
        """None when a card payment may start; else the code of what is wrong."""
        health = await self.receipts.health()
        if not health.ok:
            return "printer-unavailable"
        try:
            await self.gateway.health()
        except Exception:
            return "gateway-unavailable"
        if self._terminal_blocked():
            await self.terminal.recover()
            if self._terminal_blocked():
                return "terminal-unresolved"
        return None

    def _terminal_blocked(self) -> bool:
        return any(e.money_state in (M.SENT_TO_TERMINAL, M.UNKNOWN, M.REVERSAL_PENDING)
                   for e in self.journal.unfinished())

    # -- the payment ---------------------------------------------------------------------------
    async def pay(self, cart: Cart, *, lang: str) -> PaymentResult:
        """Pay the cart by card. A second call while one runs joins it: never a second payment."""
        if self._current is not None and not self._current.done():
            return await asyncio.shield(self._current)
        self._cancel_requested = False
        self._current = asyncio.get_running_loop().create_task(self._pay(cart, lang))
        return await asyncio.shield(self._current)

    def cancel(self) -> None:
        """The resident pressed Cancel: abort at the terminal, then wait for its final word."""
        self._cancel_requested = True
        if self.phase is Phase.WAITING_FOR_CARD:
            self._set_phase(Phase.CANCELLING)
            task = asyncio.get_running_loop().create_task(self._abort())
            self._side_tasks.add(task)
            task.add_done_callback(self._side_tasks.discard)

    async def _abort(self) -> None:
        # Cancel may come before the request reached the terminal service; keep trying until
        # the payment is in flight (then Abort) or over (nothing to abort).
        while self._current is not None and not self._current.done():
            try:
                if await self.terminal.cancel():
                    return
            except Exception:
                log.exception("abort failed; the payment's own answer still decides")
                return
            await asyncio.sleep(0.05)

    async def _pay(self, cart: Cart, lang: str) -> PaymentResult:
        async with self._lock:
            try:
                return await self._pay_locked(cart, lang)
            finally:
                self._set_phase(Phase.DONE)

    async def _pay_locked(self, cart: Cart, lang: str) -> PaymentResult:
        if not cart.lines or cart.total_cents <= 0:
            return PaymentResult(Verdict.REFUSED, "cart-empty")
        self._set_phase(Phase.CHECKING)
        if not self.recovered:  # start-up recovery first: never a new payment beside an old one
            await self._recover_locked()
        problem = await self.preflight()
        if problem:
            return PaymentResult(Verdict.REFUSED, problem)

        lines = [line.summary() for line in cart.lines]
        data = {"lang": lang, "lines": lines, "payer_names": cart.payer_names}
        entry = await asyncio.to_thread(self.journal.begin_payment, amount_cents=cart.total_cents,
                                        method="card", data=data)
        txn = entry.client_txn_id
        self._set_phase(Phase.RESERVING)
        try:
            intent = await self.gateway.create_intent(
                txn, [(ln["invoice_id"], ln["amount_cents"]) for ln in lines],
                idempotency_key=f"{txn}:intent", ttl_s=self.timings.reservation_ttl_s)
        except Exception as exc:
            code = getattr(exc, "code", "gateway-unavailable")
            if code == "gateway-unreachable":
                code = "gateway-unavailable"
            await self._void(entry, note=f"intent refused: {code}")
            return PaymentResult(Verdict.REFUSED, code, client_txn_id=txn)
        await asyncio.to_thread(self.journal.transition, txn, M.RESERVED,
                                intent_id=getattr(intent, "intent_id", None))
        if self._cancel_requested:  # Cancel pressed while reserving: the card was never touched
            await self._void(self.journal.get(txn), note="cancelled before the terminal")
            return PaymentResult(Verdict.NOT_PAID, "cancelled", client_txn_id=txn)

        self._set_phase(Phase.WAITING_FOR_CARD)
        try:
            outcome = await self.terminal.pay(txn)
        except Exception:
            # The terminal service journals every step; what it left is finished like a restart.
            log.exception("terminal payment failed; resolving like after a restart")
            await self.terminal.recover()
            outcome = None
        return await self._after_terminal(txn, outcome, lang)

    async def _after_terminal(self, txn: str, outcome: TerminalOutcome | None,
                              lang: str) -> PaymentResult:
        """Act on what the journal says the terminal did (the journal, not memory, decides)."""
        entry = self.journal.get(txn)
        state = entry.money_state
        if state is M.APPROVED:
            await self._mark_approved(txn)
            return await self._post_and_print(txn, lang, outcome)
        if state in (M.UNKNOWN, M.MANUAL_REVIEW, M.REVERSAL_PENDING, M.SENT_TO_TERMINAL):
            if state in (M.UNKNOWN, M.SENT_TO_TERMINAL):
                if state is M.SENT_TO_TERMINAL:
                    await asyncio.to_thread(self.journal.transition, txn, M.UNKNOWN)
                entry = await asyncio.to_thread(
                    self.journal.transition, txn, M.MANUAL_REVIEW,
                    note="terminal outcome unknown after the deadline")
            self._set_phase(Phase.PRINTING)
            printed = await self._print_slip(entry, lang, self.receipts.print_unknown)
            return PaymentResult(Verdict.UNKNOWN, "unknown", client_txn_id=txn,
                                 reference_code=entry.reference_code, printed=printed,
                                 outcome=outcome)
        # Not charged: declined, cancelled, busy, never reached, or a partial approval reversed.
        if state in (M.DECLINED, M.CANCELLED):
            await self._void(entry, note=state.value.lower())
        else:
            await self._release(entry)
        status = outcome.status if outcome else OutcomeStatus.CANCELLED
        code = (outcome.reason.value if outcome and outcome.reason else
                {OutcomeStatus.DECLINED: "card_declined", OutcomeStatus.BUSY: "terminal_busy",
                 OutcomeStatus.NOT_FOUND: "not_charged",
                 OutcomeStatus.PARTIAL: "partial_reversed"}.get(status, "cancelled"))
        return PaymentResult(Verdict.NOT_PAID, code, client_txn_id=txn, outcome=outcome)

    async def _mark_approved(self, txn: str) -> None:
        """Fix the approval time and the receipt number once (original and copies agree)."""
        entry = self.journal.get(txn)
        if "approved_at" not in entry.data:
            await asyncio.to_thread(self.journal.transition, txn, M.APPROVED, data_update={
                "approved_at": self.clock.now().isoformat()})
        await asyncio.to_thread(self.journal.assign_receipt_no, txn)

    async def _void(self, entry: PaymentEntry, *, note: str) -> None:
        """Not charged: close the entry and release the reservation."""
        await asyncio.to_thread(self.journal.transition, entry.client_txn_id, M.VOID, note=note)
        await self._release(entry)

    async def _release(self, entry: PaymentEntry) -> None:
        key = f"{entry.client_txn_id}:release"
        await asyncio.to_thread(self.journal.outbox_put, "intent-release", key,
                                {"client_txn_id": entry.client_txn_id})
        await self.flush_outbox(kinds=("intent-release",))

    # -- posting and printing ------------------------------------------------------------------
    def _payment_request(self, entry: PaymentEntry) -> PaymentRequest:
        outcome = TerminalOutcome.from_dict(entry.terminal) if entry.terminal else None
        terminal = None
        if outcome is not None:
            terminal = TerminalRef(terminal_id=self.terminal_id or None,
                                   transaction_id=outcome.transaction_id or None,
                                   approval_code=outcome.approval_code or None,
                                   card_last4=outcome.last4 or None,
                                   card_brand=outcome.brand or None,
                                   service_id=outcome.service_id or None)
        return PaymentRequest(
            client_txn_id=entry.client_txn_id, method=entry.method,  # type: ignore[arg-type]
            amount_cents=entry.amount_cents,
            approved_at=datetime.fromisoformat(entry.data.get("approved_at")
                                               or entry.updated_at.isoformat()),
            allocations=[AllocationIn(invoice_id=ln["invoice_id"], amount_cents=ln["amount_cents"])
                         for ln in entry.data.get("lines", [])] or None,
            terminal=terminal, receipt_no=entry.receipt_no)

    async def _post_and_print(self, txn: str, lang: str,
                              outcome: TerminalOutcome | None) -> PaymentResult:
        self._set_phase(Phase.POSTING)
        posted = await self._post(self.journal.get(txn))
        self._set_phase(Phase.PRINTING)
        entry = self.journal.get(txn)
        printed = await self._print_receipt(entry, lang=lang, duplicate=False)
        entry = self.journal.get(txn)
        code = "paid" if posted else "paid-awaiting"
        if not printed:
            code = "print-failed"
        return PaymentResult(Verdict.PAID, code, client_txn_id=txn, receipt_no=entry.receipt_no,
                             printed=printed, awaiting_confirmation=not posted, outcome=outcome)

    async def _post(self, entry: PaymentEntry) -> bool:
        """Post through the outbox: queued durably first, so a crash or an outage only delays it."""
        if entry.money_state is M.POSTED:
            return True
        request = self._payment_request(entry)
        await asyncio.to_thread(self.journal.outbox_put, "payment", f"{entry.client_txn_id}:post",
                                request.model_dump(mode="json"))
        await self.flush_outbox(kinds=("payment",))
        return self.journal.get(entry.client_txn_id).money_state is M.POSTED

    async def flush_outbox(self, kinds: tuple[str, ...] = ("payment", "intent-release")) -> int:
        """Send what the outbox holds (same key, same body: the gateway de-duplicates)."""
        sent = 0
        for item in await asyncio.to_thread(self.journal.outbox_pending):
            if item.kind not in kinds:
                continue
            txn = item.body.get("client_txn_id", "")
            try:
                if item.kind == "payment":
                    req = PaymentRequest.model_validate(item.body)
                    await self.gateway.post_payment(
                        req.client_txn_id, method=req.method, amount_cents=req.amount_cents,
                        approved_at=req.approved_at, allocations=req.allocations,
                        terminal=req.terminal, receipt_no=req.receipt_no,
                        idempotency_key=item.key)
                else:
                    await self.gateway.release_intent(txn, idempotency_key=item.key)
            except Exception as exc:
                code = getattr(exc, "code", type(exc).__name__)
                if item.kind == "intent-release" and code == "intent-not-found":
                    # The kiosk stopped before the reservation was made: nothing to release.
                    await asyncio.to_thread(self.journal.outbox_done, item.id)
                    continue
                await asyncio.to_thread(self.journal.outbox_failed_attempt, item.id, str(code))
                if item.kind == "payment":
                    entry = self.journal.get(txn)
                    if entry.money_state is M.APPROVED:
                        await asyncio.to_thread(self.journal.transition, txn, M.POST_PENDING,
                                                note=f"posting deferred: {code}")
                continue
            if item.kind == "payment":
                await asyncio.to_thread(self.journal.transition, txn, M.POSTED)
            await asyncio.to_thread(self.journal.outbox_done, item.id)
            sent += 1
        return sent

    async def _print_receipt(self, entry: PaymentEntry, *, lang: str, duplicate: bool) -> bool:
        txn = entry.client_txn_id
        await asyncio.to_thread(self.journal.set_receipt_state, txn, R.PRINT_SENT)
        entry = self.journal.get(txn)
        try:
            await self.receipts.print_payment(
                entry, lang=lang, duplicate=duplicate,
                awaiting_confirmation=entry.money_state is not M.POSTED)
        except Exception as exc:
            log.warning("receipt %s not printed: %s", entry.receipt_no, exc)
            await asyncio.to_thread(self.journal.set_receipt_state, txn, R.PRINT_FAILED,
                                    note=str(getattr(exc, "code", exc))[:200])
            return False
        await asyncio.to_thread(self.journal.set_receipt_state, txn, R.PRINTED)
        return True

    async def _print_slip(self, entry: PaymentEntry, lang: str, printer: Callable[..., Any]) -> bool:
        try:
            await printer(entry, lang=lang)
        except Exception:
            log.exception("slip not printed")
            return False
        return True

    async def reprint(self, client_txn_id: str, *, lang: str = "lv") -> bool:
        """A second copy (DUBLIKĀTS) of a paid receipt, or a retry of a failed print."""
        entry = self.journal.get(client_txn_id)
        if entry.money_state not in (M.APPROVED, M.POST_PENDING, M.POSTED):
            return False
        duplicate = entry.receipt_state is not R.PRINT_FAILED or entry.print_count > 0
        return await self._print_receipt(entry, lang=lang, duplicate=duplicate)

    # -- an "outcome unknown" slip scanned later -----------------------------------------------
    async def resolve_reference(self, reference_code: str, *, lang: str) -> PaymentResult | None:
        """The resident scanned an unknown-outcome slip: print what is known now."""
        entry = self.journal.find_by_reference(reference_code)
        if entry is None:
            return None
        txn = entry.client_txn_id
        if entry.money_state is M.MANUAL_REVIEW and entry.service_id:
            from kiosk.terminal.service import resolve

            outcome = await resolve(
                self.terminal.driver,
                lambda purpose: asyncio.to_thread(self.journal.allocate_service_id, txn, purpose),
                entry.service_id, clock=self.clock, retry_s=self.timings.status_retry_s,
                deadline_s=self.timings.status_retry_s, requested_cents=entry.amount_cents)
            if outcome.status is OutcomeStatus.APPROVED and \
                    outcome.amount_cents in (0, entry.amount_cents):
                await asyncio.to_thread(self.journal.transition, txn, M.APPROVED,
                                        terminal=outcome.to_dict(), note="resolved later")
                await self._mark_approved(txn)
            elif outcome.status in (OutcomeStatus.NOT_FOUND, OutcomeStatus.DECLINED,
                                    OutcomeStatus.CANCELLED):
                await self._void(entry, note=f"resolved later: {outcome.status.value.lower()}")
            entry = self.journal.get(txn)
        if entry.money_state in (M.APPROVED, M.POST_PENDING, M.POSTED):
            if entry.money_state is not M.POSTED:
                await self._post(entry)
            entry = self.journal.get(txn)
            printed = await self._print_receipt(entry, lang=lang, duplicate=entry.print_count > 0)
            return PaymentResult(Verdict.PAID, "paid" if printed else "print-failed",
                                 client_txn_id=txn, receipt_no=entry.receipt_no, printed=printed)
        if entry.money_state in (M.VOID, M.REVERSED):
            printed = await self._print_slip(entry, lang, self.receipts.print_not_charged)
            return PaymentResult(Verdict.NOT_PAID, "not_charged", client_txn_id=txn,
                                 printed=printed)
        return PaymentResult(Verdict.UNKNOWN, "unknown", client_txn_id=txn,
                             reference_code=entry.reference_code)

    # -- start-up recovery ---------------------------------------------------------------------
    async def recover(self) -> list[PaymentEntry]:
        """Finish every unfinished payment: the terminal side first, then gateway and paper.

        Runs at start-up before the kiosk takes a payment. Returns what still needs a person.
        """
        async with self._lock:
            return await self._recover_locked()

    async def _recover_locked(self) -> list[PaymentEntry]:
        await self.terminal.recover()
        # Entries the terminal side closed (VOID, REVERSED), or that were closed just before a
        # crash, still hold their reservation: queue its release (a repeat key is a no-op).
        since = self.clock.now() - timedelta(seconds=2 * self.timings.reservation_ttl_s)
        for entry in await asyncio.to_thread(self.journal.payments, states={M.VOID, M.REVERSED},
                                             updated_since=since):
            await asyncio.to_thread(self.journal.outbox_put, "intent-release",
                                    f"{entry.client_txn_id}:release",
                                    {"client_txn_id": entry.client_txn_id})
        for entry in await asyncio.to_thread(self.journal.unfinished):
            try:
                await self._recover_one(entry)
            except Exception:
                log.exception("recovery of %s failed; it stays on the list", entry.client_txn_id)
        await self.flush_outbox()
        self.recovered = True
        return await asyncio.to_thread(self.journal.unfinished)

    async def _recover_one(self, entry: PaymentEntry) -> None:
        txn = entry.client_txn_id
        lang = entry.data.get("lang", "lv")
        if entry.money_state is M.RESERVED:  # never sent to the terminal: nothing was charged
            await self._void(entry, note="recovered: never sent")
        elif entry.money_state in (M.DECLINED, M.CANCELLED):
            await self._void(entry, note="recovered")
        entry = self.journal.get(txn)
        if entry.money_state is M.APPROVED:
            await self._mark_approved(txn)
        if entry.money_state in (M.APPROVED, M.POST_PENDING):
            await self._post(self.journal.get(txn))
            entry = self.journal.get(txn)
        if entry.money_state in (M.APPROVED, M.POST_PENDING, M.POSTED):
            if entry.receipt_state is R.NONE:
                await self._print_receipt(entry, lang=lang, duplicate=False)
            elif entry.receipt_state is R.PRINT_SENT:
                # The bytes may or may not have reached the paper: the copy says DUBLIKĀTS.
                await asyncio.to_thread(self.journal.set_receipt_state, txn, R.PRINT_FAILED,
                                        note="interrupted; reprinting as duplicate")
                await self._print_receipt(self.journal.get(txn), lang=lang, duplicate=True)
