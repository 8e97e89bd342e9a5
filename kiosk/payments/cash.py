"""Cash at the librarian's desk: the same money track as a card payment, without the terminal.

    RESERVED (gateway holds the invoices) -> APPROVED (the librarian took the cash) -> POSTED

Each step is journaled before the call it announces (docs/architecture.md, "Money and receipt
states"): the payment is begun RESERVED with its `client_txn_id` before the intent request, moved
to APPROVED — with the amount tendered, the change and the operator — before the posting, and the
receipt ("Samaksāts skaidrā naudā", tendered and change) goes through the receipt track with the
drawer kick. A crash before APPROVED leaves a reservation that recovery releases (the librarian
saw no receipt and the drawer never opened); a crash after it is posted and printed by the same
recovery as a card payment, so no cash is ever lost. Posting cash needs an operator session: the
posting outbox asks the desk for the current one (kiosk.payments.posting, `operator_session`), or
sends the posting proof the intent answered on the desk's session, journaled with the payment.

Cash counts toward the shift's expected cash (`expected_cash_cents`), read from the journal.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.gateway_client import GatewayClient
from kiosk.journal import AsyncJournal, MoneyState, PaymentEntry
from kiosk.payments.cart import Cart
from kiosk.payments.posting import PostingOutbox
from kiosk.payments.receipts import PaymentReceipts, approved_day
from kiosk.payments.recovery import PaymentRecovery
from kiosk.payments.result import PaymentResult, PaymentTimings, Verdict

log = logging.getLogger(__name__)
M = MoneyState

# Money states in which cash is in the drawer (an approval the gateway has or will have).
IN_DRAWER = frozenset({M.APPROVED, M.POST_PENDING, M.POSTED})


@dataclass(frozen=True)
class Tender:
    """What the resident handed over for a total; change is never negative."""

    total_cents: int
    tendered_cents: int

    @property
    def enough(self) -> bool:
        return self.total_cents > 0 and self.tendered_cents >= self.total_cents

    @property
    def change_cents(self) -> int:
        return max(0, self.tendered_cents - self.total_cents)


def in_drawer(entry: PaymentEntry) -> bool:
    """Cash taken and not given back: approved, posted or waiting to be, or a posting in review
    (only an approval gets a receipt number)."""
    if entry.method != "cash":
        return False
    return entry.money_state in IN_DRAWER or (
        entry.money_state is M.MANUAL_REVIEW and entry.receipt_no is not None)


def expected_cash_cents(entries: Iterable[PaymentEntry], day: date) -> int:
    """The cash the drawer should hold from the day's payments (the shift's expected cash)."""
    return sum(e.amount_cents for e in entries if in_drawer(e) and approved_day(e) == day)


class CashPayment:
    """One cash payment at a time, under the same lock as card payments and recovery."""

    def __init__(self, journal: AsyncJournal, gateway: GatewayClient, posting: PostingOutbox,
                 paper: PaymentReceipts, recovery: PaymentRecovery, *,
                 timings: PaymentTimings) -> None:
        self.journal = journal
        self.gateway = gateway
        self.posting = posting
        self.paper = paper
        self.recovery = recovery
        self.timings = timings

    async def preflight(self) -> str | None:
        """None when cash may be taken; the receipt must print, the gateway must hold the invoices."""
        if not (await self.paper.printer_health()).ok:
            return "printer-unavailable"
        try:
            await self.gateway.health()
        except Exception:
            return "gateway-unavailable"
        return None

    async def pay(self, cart: Cart, *, tendered_cents: int, operator: str,
                  operator_session: str | None = None, lang: str = "lv") -> PaymentResult:
        """Take `tendered_cents` in cash for the cart; the receipt prints and the drawer opens.
        operator_session: the desk's, which lets the gateway reserve invoices a person search
        showed (without it, only invoices this kiosk found by notice and check value)."""
        async with self.recovery.lock:
            return await self._pay_locked(cart, tendered_cents, operator, operator_session, lang)

    async def _pay_locked(self, cart: Cart, tendered_cents: int, operator: str,
                          operator_session: str | None, lang: str) -> PaymentResult:
        tender = Tender(cart.total_cents, tendered_cents)
        if not cart.lines or cart.total_cents <= 0:
            return PaymentResult(Verdict.REFUSED, "cart-empty")
        if not tender.enough:
            return PaymentResult(Verdict.REFUSED, "cash-short")
        if not self.recovery.recovered:  # never a new payment beside an unfinished old one
            await self.recovery.recover_locked()
        problem = await self.preflight()
        if problem:
            return PaymentResult(Verdict.REFUSED, problem)

        lines = [line.summary() for line in cart.lines]
        data = {"lang": lang, "lines": lines, "payer_names": cart.payer_names,
                "tendered_cents": tender.tendered_cents, "change_cents": tender.change_cents,
                "operator": operator}
        entry = await self.journal.begin_payment(amount_cents=cart.total_cents, method="cash",
                                                 data=data)
        txn = entry.client_txn_id
        try:
            intent = await self.gateway.create_intent(
                txn, [(ln["invoice_id"], ln["amount_cents"]) for ln in lines],
                idempotency_key=f"{txn}:intent", ttl_s=self.timings.reservation_ttl_s,
                operator_session=operator_session)
        except Exception as exc:
            code = str(getattr(exc, "code", "gateway-unavailable"))
            if code == "gateway-unreachable":
                code = "gateway-unavailable"
            await self.posting.void(entry, note=f"intent refused: {code}")
            return PaymentResult(Verdict.REFUSED, code, client_txn_id=txn)
        # The posting proof (made on the desk's session) is journaled with the intent: it lets the
        # outbox post this cash after the desk locked (kiosk.payments.posting).
        proof = getattr(intent, "posting_proof", None)
        fields: dict[str, Any] = {"intent_id": getattr(intent, "intent_id", None)}
        if proof:
            fields["data_update"] = {"posting_proof": proof}
        await self.journal.transition(txn, M.RESERVED, **fields)
        # The librarian holds the cash: that is the approval, journaled before the posting.
        await self.journal.transition(txn, M.APPROVED, note=f"cash taken by {operator}")
        await self.posting.mark_approved(txn)
        posted = await self.posting.post(await self.journal.get(txn))
        entry = await self.journal.get(txn)
        printed = await self.paper.print_receipt(entry, lang=lang, duplicate=False,
                                                open_drawer=True)
        code = "paid" if posted else "paid-awaiting"
        if not printed:
            code = "print-failed"
        return PaymentResult(Verdict.PAID, code, client_txn_id=txn, receipt_no=entry.receipt_no,
                             amount_cents=entry.amount_cents, printed=printed,
                             awaiting_confirmation=not posted)

    async def expected_cash(self, day: date) -> int:
        return expected_cash_cents(await self.journal.payments(), day)
