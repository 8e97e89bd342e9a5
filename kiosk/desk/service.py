"""`DeskService`: what the desk screens call, one per backend (it outlives visits and sign-ins).

It puts the desk's parts together — the operator session (`kiosk.desk.session`), one sign-in's
work (`kiosk.desk.work`), the review queue (`kiosk.desk.review`) — with the long-lived payment and
application services: find a person after the ID check, pay their invoices in cash
(`kiosk.payments.cash`) or by card, reprint a receipt of today by its number, take over a resident's
unfinished visit, and the shift's expected cash. Every one of these is journaled or logged in the
journal's audit trail with the operator's name (docs/architecture.md, "The librarian's desk").
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Coroutine
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from common.clock import RIGA
from common.money import format_eur
from kiosk.applications.service import OperatorSend
from kiosk.desk.review import ReviewItem, ReviewQueue
from kiosk.desk.session import TRACK, DeskSession, OperatorSession
from kiosk.desk.work import DeskWork
from kiosk.journal import AsyncJournal, MoneyState, PaymentEntry
from kiosk.payments.cart import Cart
from kiosk.payments.receipts import approved_day
from kiosk.payments.result import PaymentResult, Verdict

if TYPE_CHECKING:
    from kiosk.backend import Backend
    from kiosk.visit import Visit

log = logging.getLogger(__name__)
T = TypeVar("T")
M = MoneyState

OPERATORS_FILE = "desk-operators.json"
# Where a resident's unfinished work lives in their visit (kiosk.payments.visit, kiosk.applications.visit).
_PAYMENT_KEY, _APPLICATION_KEY = "payment", "application"


class DeskError(Exception):
    """A desk action without a signed-in operator (a screen bug: the guard locks first)."""


class DeskService:
    def __init__(self, backend: Backend) -> None:
        cfg = backend.config
        self.backend = backend
        self.payments = backend.payments
        self.gateway = backend.gateway
        self.clock = backend.clock
        self.journal = AsyncJournal(backend.journal)
        self.session = DeskSession(self.gateway, self.journal, self.clock,
                                   lock_after_s=cfg.desk.inactivity_lock_s,
                                   pin_fresh_s=cfg.desk.pin_fresh_s,
                                   remembered_file=cfg.data_dir() / OPERATORS_FILE)
        self.review = ReviewQueue(self.journal, backend.payments, backend.terminal,
                                  backend.applications, backend.printer, self.gateway, self.clock)
        self.work: DeskWork | None = None
        # Cash is posted on an operator's behalf: the outbox asks for the session when it sends.
        self.payments.posting.operator_session = self.session.posting_token
        # A form taken over from a resident is sent on the librarian's session, who checks the ID.
        backend.applications.operator_send = self._application_send
        self.session.observe(self._on_session)
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- signing in and out --------------------------------------------------------------------
    def _on_session(self, what: str) -> None:
        self.work = DeskWork() if what == "signed-in" else None

    @property
    def operator(self) -> str:
        return self.session.operator

    def _work(self) -> DeskWork:
        if self.work is None or not self.session.signed_in:
            raise DeskError("the desk is locked")
        return self.work

    def _token(self) -> str:
        token = self.session.token()
        if token is None:
            raise DeskError("no operator session")
        return token

    async def sign_in(self) -> str:
        code = await self.session.sign_in()
        if code == "signed-in":
            # Cash taken while no session was open (or before a restart) is posted now.
            self.spawn(self._flush())
        return code

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
        """A task of the desk's own: a visit ending (which locks the desk) never cancels it.
        None, the coroutine closed unrun, when no asyncio loop runs (`kiosk gallery`)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            return None
        task = loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def shielded(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run money work in a desk task and wait for it: cancelling the waiter (a screen's
        visit task) never cancels the payment itself."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(task)

    def sample_session(self, operator: str) -> None:
        """The gallery's signed-in desk: a session only this screen knows (no token the gateway
        would accept), so `kiosk gallery` can draw the desk screens without a gateway."""
        self.session.current = OperatorSession(operator, "gallery", None, self.clock.now())
        self.work = DeskWork()

    def _application_send(self) -> OperatorSend | None:
        work, token = self.work, self.session.token()
        if work is None or token is None or work.taken_over != "application":
            return None
        return self.review.operator_send(token)

    async def _flush(self) -> None:
        try:
            await self.payments.flush_outbox()
        except Exception:
            log.exception("posting after sign-in failed; the outbox retries it")

    async def lock(self, reason: str) -> None:
        await self.session.lock(reason)

    async def _ended(self, code: str) -> str:
        if code == "session-ended":
            await self.session.lock("session ended at the gateway")
        return code

    # -- find by person --------------------------------------------------------------------------
    async def find_person(self) -> str:
        work = self._work()
        if not self.session.pin_fresh():
            return "pin-stale"
        self.session.pin_used()
        code = await work.lookup.search(self.gateway, self._token())
        await self.journal.log_event(TRACK, "PERSON_SEARCH", note=(
            f"{self.operator}: {work.lookup.document}, {work.lookup.reason}: {code}"))
        return await self._ended(code)

    def choose_found(self) -> str:
        """The ticked invoices become the desk's cart (what the till and the terminal pay)."""
        work = self._work()
        cart = work.lookup.cart()
        if not cart.lines:
            return "nothing-selected"
        work.cart = cart
        work.taken_over = ""
        work.till.clear()
        return "ok"

    # -- paying --------------------------------------------------------------------------------
    async def pay_cash(self, *, lang: str = "lv") -> str:
        """Take the tendered cash for the desk's cart: journaled, posted, receipt and drawer."""
        work = self._work()
        if not self.session.pin_fresh():
            return "pin-stale"
        self.session.pin_used()
        result = await self.shielded(self.payments.cash.pay(
            work.cart, tendered_cents=work.till.tendered_cents, operator=self.operator,
            operator_session=self._token(), lang=lang))
        return self._paid(work, result, lang, cash=True)

    async def pay_card(self, *, lang: str = "lv") -> str:
        """The desk's cart on the card terminal, exactly like the resident's payment."""
        work = self._work()
        result = await self.shielded(self.payments.pay(work.cart, lang=lang,
                                                       operator_session=self._token()))
        return self._paid(work, result, lang, cash=False)

    def _paid(self, work: DeskWork, result: PaymentResult, lang: str, *, cash: bool) -> str:
        work.receipt_no = result.receipt_no or ""
        if result.verdict is Verdict.PAID:
            paid = {line.invoice.invoice_id for line in work.cart.lines}
            lookup = work.lookup
            lookup.found = [p for p in lookup.found if p.invoice_id not in paid]
            lookup.selected = [i for i in lookup.selected if i not in paid]
            change = work.till.tender(work.cart.total_cents).change_cents
            work.cart.clear()  # a taken-over cart is the resident's own: it empties too
            work.till.clear()
            if result.code == "paid":
                work.show("cash-paid" if cash else "card-paid", change=format_eur(change))
            else:
                work.show(result.code, change=format_eur(change))
        elif result.verdict is Verdict.NOT_PAID:
            work.show("not-paid", reason=result.text(lang))
        elif result.verdict is Verdict.UNKNOWN:
            work.show("unknown")
        else:
            work.show(result.code)
        return work.result_code

    # -- the review queue --------------------------------------------------------------------
    async def resolve(self, item: ReviewItem, action: str, *, reason: str = "",
                      lang: str = "lv") -> str:
        """Resolve a review case on the signed-in operator's behalf (kiosk.desk.review)."""
        self._work()
        return await self.shielded(self.review.act(item, action, operator=self.operator,
                                                   session=self._token(), reason=reason,
                                                   lang=lang))

    # -- receipts --------------------------------------------------------------------------------
    def today(self) -> date:
        return self.clock.now().astimezone(RIGA).date()

    async def find_receipt(self, number: str) -> PaymentEntry | None:
        """One of today's receipts by its number (the whole number or its running number)."""
        self._work()
        return await self.payments.paper.receipt_of_day(number, self.today())

    def refundable(self, entry: PaymentEntry) -> bool:
        """A card payment of today the gateway has: the terminal can give it back."""
        return (entry.method == "card" and bool(entry.terminal) and entry.money_state is M.POSTED
                and approved_day(entry) == self.today())

    async def reprint(self, entry: PaymentEntry, *, lang: str = "lv") -> str:
        """A second copy (DUBLIKĀTS) of a receipt; logged with the operator."""
        self._work()
        await self.journal.log_event(TRACK, "REPRINT", client_txn_id=entry.client_txn_id,
                                     note=f"{self.operator}: {entry.receipt_no}")
        return "reprinted" if await self.payments.reprint(entry.client_txn_id, lang=lang) \
            else "print-failed"

    async def refund(self, entry: PaymentEntry, reason: str) -> str:
        """Give a card payment of today back through the terminal (kiosk.desk.review)."""
        self._work()
        await self.journal.log_event(TRACK, "REFUND", client_txn_id=entry.client_txn_id,
                                     note=f"{self.operator}: {reason}")
        return await self.shielded(self.review.refund(
            entry.client_txn_id, operator=self.operator, session=self._token(), reason=reason))

    async def expected_cash(self, day: date | None = None) -> int:
        """The cash the drawer should hold from the day's payments (for the shift's count)."""
        return await self.payments.cash.expected_cash(day or self.today())

    # -- taking over a resident's visit ----------------------------------------------------------
    @staticmethod
    def takeable(visit: Visit) -> str:
        """What of the resident's visit the desk can take over: "application" (a form being
        filled in), "cart" (invoices found, not paid) or ""."""
        wizard = getattr(visit.data.get(_APPLICATION_KEY), "wizard", None)
        if wizard is not None and wizard.phase in ("steps", "review", "dead_end"):
            return "application"
        cart = getattr(visit.data.get(_PAYMENT_KEY), "cart", None)
        return "cart" if cart is not None and cart.lines else ""

    async def take_over(self, visit: Visit) -> str:
        """The resident's cart or half-filled form becomes the librarian's; logged (the kind of
        work and how far it got, never the answers)."""
        work = self._work()
        kind = self.takeable(visit)
        if kind == "application":
            wizard = visit.data[_APPLICATION_KEY].wizard
            what = f"application {wizard.form.service_code} at {wizard.phase} {wizard.step_id}"
        elif kind == "cart":
            cart: Cart = visit.data[_PAYMENT_KEY].cart
            what = f"cart of {len(cart.lines)} invoice(s), {format_eur(cart.total_cents)}"
            work.cart = cart  # the same object: paid here, it is empty for the resident too
            work.till.clear()
        else:
            return "nothing-to-take-over"
        work.taken_over = kind
        event_id = str(uuid.uuid4())
        # The kiosk's journal first, then the gateway's audit (which may be unreachable).
        await self.journal.log_event(TRACK, "TAKEOVER", note=f"{self.operator}: {what} "
                                                              f"(event {event_id})")
        try:
            await self.gateway.report_operator_event(
                self._token(), event_id, "take-over", self.clock.now(),
                idempotency_key=f"{event_id}:event", detail=what[:200])
        except Exception as exc:
            log.warning("take-over not reported to the gateway: %s", getattr(exc, "code", exc))
        work.show("taken-over")
        return "taken-over"


def desk_of(backend: Backend) -> DeskService:
    """The backend's desk, made on first use (the desk screens and tests share it)."""
    desk: DeskService | None = getattr(backend, "_desk", None)
    if desk is None:
        desk = DeskService(backend)
        setattr(backend, "_desk", desk)  # noqa: B010 (a dataclass field would need kiosk.backend)
    return desk
