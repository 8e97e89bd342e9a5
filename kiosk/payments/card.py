"""Reserve -> pay -> post -> print: the resident's card payment, never lost, never twice.

`PaymentService` lives as long as the app (an idle reset never cancels it). Every money-moving step
is journaled before the call it announces and after its answer (docs/architecture.md, "Money and
receipt states"); the same code finishes an interrupted payment at start-up (`recover`). The
service knows no Kivy: screens call `pay()`, `cancel()` and read `phase`.

It is a facade over parts with one job each:
- `CardPayment` (here): the payment itself — checks, reservation, the terminal, cancel;
- `PostingOutbox` (kiosk.payments.posting): posting and reservation releases through the outbox;
- `PaymentReceipts` (kiosk.payments.receipts): receipt, DUBLIKĀTS and slips;
- `PaymentRecovery` (kiosk.payments.recovery): start-up recovery and scanned "outcome unknown" slips.

Ports, so tests and the demo plug in real or simulated parts:
- gateway: `kiosk.gateway_client.GatewayClient` (or anything with the same coroutine methods),
- terminal: a `kiosk.payments.terminal_service.TerminalService` around a driver,
- receipts: a `ReceiptPort` (printer status, payment receipt, unknown-outcome and not-charged slips).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date

from common.clock import Clock
from kiosk.gateway_client import GatewayClient
from kiosk.journal import AsyncJournal, Journal, MoneyState, PaymentEntry
from kiosk.payments.cart import Cart
from kiosk.payments.cash import CashPayment
from kiosk.payments.posting import DEFAULT_MAX_ATTEMPTS, PAYMENT, RELEASE, PostingOutbox
from kiosk.payments.receipts import PaymentReceipts, ReceiptPort
from kiosk.payments.recovery import PaymentRecovery
from kiosk.payments.result import (
    MESSAGES,
    PaymentPhase,
    PaymentResult,
    PaymentTimings,
    Verdict,
    message,
)
from kiosk.payments.terminal_service import TerminalService
from kiosk.terminal.base import OutcomeStatus, TerminalOutcome

__all__ = ["MESSAGES", "CardPayment", "PaymentPhase", "PaymentResult", "PaymentService",
           "PaymentTimings", "ReceiptPort", "Verdict", "message"]

log = logging.getLogger(__name__)
M = MoneyState


class CardPayment:
    """One card payment at a time: checks, reservation, the terminal, then posting and paper."""

    def __init__(self, journal: AsyncJournal, gateway: GatewayClient, terminal: TerminalService,
                 posting: PostingOutbox, paper: PaymentReceipts, recovery: PaymentRecovery, *,
                 timings: PaymentTimings,
                 on_phase: Callable[[PaymentPhase], None] | None = None) -> None:
        self.journal = journal
        self.gateway = gateway
        self.terminal = terminal
        self.posting = posting
        self.paper = paper
        self.recovery = recovery
        self.timings = timings
        self.on_phase = on_phase
        self.phase = PaymentPhase.IDLE
        self._current: asyncio.Task[PaymentResult] | None = None
        self._cancel_requested = False
        self._side_tasks: set[asyncio.Task[None]] = set()

    # -- observation ---------------------------------------------------------------------------
    def _set_phase(self, phase: PaymentPhase) -> None:
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
        health = await self.paper.printer_health()
        if not health.ok:
            return "printer-unavailable"
        try:
            await self.gateway.health()
        except Exception:
            return "gateway-unavailable"
        if await self._terminal_blocked():
            await self.terminal.recover()
            if await self._terminal_blocked():
                return "terminal-unresolved"
        return None

    async def _terminal_blocked(self) -> bool:
        return any(e.money_state in (M.SENT_TO_TERMINAL, M.UNKNOWN, M.REVERSAL_PENDING)
                   for e in await self.journal.unfinished())

    # -- the payment ---------------------------------------------------------------------------
    async def pay(self, cart: Cart, *, lang: str,
                  operator_session: str | None = None) -> PaymentResult:
        """Pay the cart by card. A second call while one runs joins it: never a second payment.
        operator_session: paid at the librarian's desk, whose person search found the invoices
        (the gateway lets an operator reserve them by id; docs/architecture.md, "Operators")."""
        if self._current is not None and not self._current.done():
            return await asyncio.shield(self._current)
        self._cancel_requested = False
        self._current = asyncio.get_running_loop().create_task(
            self._pay(cart, lang, operator_session))
        return await asyncio.shield(self._current)

    def cancel(self) -> None:
        """The resident pressed Cancel: abort at the terminal, then wait for its final word."""
        self._cancel_requested = True
        if self.phase is PaymentPhase.WAITING_FOR_CARD:
            self._set_phase(PaymentPhase.CANCELLING)
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

    async def _pay(self, cart: Cart, lang: str, operator_session: str | None) -> PaymentResult:
        async with self.recovery.lock:
            try:
                return await self._pay_locked(cart, lang, operator_session)
            finally:
                self._set_phase(PaymentPhase.DONE)

    async def _pay_locked(self, cart: Cart, lang: str,
                          operator_session: str | None = None) -> PaymentResult:
        if not cart.lines or cart.total_cents <= 0:
            return PaymentResult(Verdict.REFUSED, "cart-empty")
        self._set_phase(PaymentPhase.CHECKING)
        if not self.recovery.recovered:  # never a new payment beside an unfinished old one
            await self.recovery.recover_locked()
        problem = await self.preflight()
        if problem:
            return PaymentResult(Verdict.REFUSED, problem)

        lines = [line.summary() for line in cart.lines]
        data = {"lang": lang, "lines": lines, "payer_names": cart.payer_names}
        entry = await self.journal.begin_payment(amount_cents=cart.total_cents, method="card",
                                                 data=data)
        txn = entry.client_txn_id
        self._set_phase(PaymentPhase.RESERVING)
        try:
            intent = await self.gateway.create_intent(
                txn, [(ln["invoice_id"], ln["amount_cents"]) for ln in lines],
                idempotency_key=f"{txn}:intent", ttl_s=self.timings.reservation_ttl_s,
                **({"operator_session": operator_session} if operator_session else {}))
        except Exception as exc:
            code = getattr(exc, "code", "gateway-unavailable")
            if code == "gateway-unreachable":
                code = "gateway-unavailable"
            await self.posting.void(entry, note=f"intent refused: {code}")
            return PaymentResult(Verdict.REFUSED, code, client_txn_id=txn)
        entry = await self.journal.transition(txn, M.RESERVED,
                                              intent_id=getattr(intent, "intent_id", None))
        if self._cancel_requested:  # Cancel pressed while reserving: the card was never touched
            await self.posting.void(entry, note="cancelled before the terminal")
            return PaymentResult(Verdict.NOT_PAID, "cancelled", client_txn_id=txn)

        self._set_phase(PaymentPhase.WAITING_FOR_CARD)
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
        entry = await self.journal.get(txn)
        state = entry.money_state
        if state is M.APPROVED:
            await self.posting.mark_approved(txn)
            return await self._post_and_print(txn, lang, outcome)
        if state in (M.UNKNOWN, M.MANUAL_REVIEW, M.REVERSAL_PENDING, M.SENT_TO_TERMINAL):
            if state in (M.UNKNOWN, M.SENT_TO_TERMINAL):
                if state is M.SENT_TO_TERMINAL:
                    await self.journal.transition(txn, M.UNKNOWN)
                entry = await self.journal.transition(
                    txn, M.MANUAL_REVIEW, note="terminal outcome unknown after the deadline")
            self._set_phase(PaymentPhase.PRINTING)
            printed = await self.paper.print_unknown(entry, lang=lang)
            return PaymentResult(Verdict.UNKNOWN, "unknown", client_txn_id=txn,
                                 reference_code=entry.reference_code, printed=printed,
                                 outcome=outcome)
        # Not charged: declined, cancelled, busy, never reached, or a partial approval reversed.
        if state in (M.DECLINED, M.CANCELLED):
            await self.posting.void(entry, note=state.value.lower())
        else:
            await self.posting.release(entry)
        status = outcome.status if outcome else OutcomeStatus.CANCELLED
        code = (outcome.reason.value if outcome and outcome.reason else
                {OutcomeStatus.DECLINED: "card_declined", OutcomeStatus.BUSY: "terminal_busy",
                 OutcomeStatus.NOT_FOUND: "not_charged",
                 OutcomeStatus.PARTIAL: "partial_reversed"}.get(status, "cancelled"))
        return PaymentResult(Verdict.NOT_PAID, code, client_txn_id=txn, outcome=outcome)

    async def _post_and_print(self, txn: str, lang: str,
                              outcome: TerminalOutcome | None) -> PaymentResult:
        self._set_phase(PaymentPhase.POSTING)
        posted = await self.posting.post(await self.journal.get(txn))
        self._set_phase(PaymentPhase.PRINTING)
        entry = await self.journal.get(txn)
        printed = await self.paper.print_receipt(entry, lang=lang, duplicate=False)
        code = "paid" if posted else "paid-awaiting"
        if not printed:
            code = "print-failed"
        return PaymentResult(Verdict.PAID, code, client_txn_id=txn, receipt_no=entry.receipt_no,
                             amount_cents=entry.amount_cents, printed=printed,
                             awaiting_confirmation=not posted, outcome=outcome)


class PaymentService:
    """What the backend builds and screens hold (`backend.payments`): the parts, one entry each."""

    def __init__(self, *, journal: Journal, gateway: GatewayClient, terminal: TerminalService,
                 receipts: ReceiptPort, clock: Clock, timings: PaymentTimings | None = None,
                 terminal_id: str = "", post_max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                 on_phase: Callable[[PaymentPhase], None] | None = None) -> None:
        timings = timings or PaymentTimings()
        records = AsyncJournal(journal)
        self.posting = PostingOutbox(records, gateway, clock=clock, terminal_id=terminal_id,
                                     max_attempts=post_max_attempts)
        self.paper = PaymentReceipts(records, receipts)
        self.recovery = PaymentRecovery(records, terminal, self.posting, self.paper, clock=clock,
                                        timings=timings, lock=asyncio.Lock())
        self.card = CardPayment(records, gateway, terminal, self.posting, self.paper,
                                self.recovery, timings=timings, on_phase=on_phase)
        # Cash at the librarian's desk: the same journal, outbox, receipts and lock, no terminal.
        self.cash = CashPayment(records, gateway, self.posting, self.paper, self.recovery,
                                timings=timings)

    # Ports swapped at run time (tests, support) reach every part that talks to them.
    @property
    def gateway(self) -> GatewayClient:
        return self.card.gateway

    @gateway.setter
    def gateway(self, gateway: GatewayClient) -> None:
        self.card.gateway = self.posting.gateway = self.cash.gateway = gateway

    @property
    def receipts(self) -> ReceiptPort:
        return self.paper.receipts

    @receipts.setter
    def receipts(self, receipts: ReceiptPort) -> None:
        self.paper.receipts = receipts

    # -- the payment (screens) -----------------------------------------------------------------
    @property
    def phase(self) -> PaymentPhase:
        return self.card.phase

    @property
    def busy(self) -> bool:
        return self.card.busy

    async def preflight(self) -> str | None:
        return await self.card.preflight()

    async def pay(self, cart: Cart, *, lang: str,
                  operator_session: str | None = None) -> PaymentResult:
        return await self.card.pay(cart, lang=lang, operator_session=operator_session)

    def cancel(self) -> None:
        self.card.cancel()

    # -- paper and later resolution (screens) --------------------------------------------------
    async def reprint(self, client_txn_id: str, *, lang: str = "lv") -> bool:
        return await self.paper.reprint(client_txn_id, lang=lang)

    async def own_receipt(self, receipt_no: str, day: date) -> str | None:
        """The payment (client_txn_id) behind a receipt this kiosk printed that day, or None: an
        invoice found already paid offers its receipt again only when it came from here."""
        entry = await self.paper.receipt_of_day(receipt_no, day)
        return entry.client_txn_id if entry is not None and entry.receipt_no == receipt_no else None

    async def resolve_reference(self, reference_code: str, *, lang: str) -> PaymentResult | None:
        return await self.recovery.resolve_reference(reference_code, lang=lang)

    # -- the backend ---------------------------------------------------------------------------
    async def recover(self) -> list[PaymentEntry]:
        return await self.recovery.recover()

    async def flush_outbox(self, kinds: tuple[str, ...] = (PAYMENT, RELEASE)) -> int:
        return await self.posting.flush(kinds)
