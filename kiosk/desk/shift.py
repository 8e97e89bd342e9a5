"""The desk's cash shift: open it with the counted float, close it by counting notes and coins per
denomination against what the gateway expects (float + the shift's cash payments - handovers),
a difference only with a reason, then the Z report and the cash-handover slip (two copies with
signature lines) (docs/architecture.md, "Counters, shifts and statistics").

Each request (open, close, handover) is journaled in the outbox under its Idempotency-Key before it
is sent; a failed send keeps the item, and trying again sends the same request under the same key,
so the gateway never records a close or a handover twice. A shift still open on a later day than
it was opened is flagged at the next sign-in (`over_midnight`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from common.clock import Clock
from common.desk_counters import DENOMINATIONS
from common.i18n import N_, gettext
from common.schema import HandoverOut, ShiftOut
from kiosk.journal import AsyncJournal, Journal
from printer.documents import CashHandover, Header, ShiftReport

log = logging.getLogger(__name__)

KIND_OPEN, KIND_CLOSE, KIND_HANDOVER = "shift-open", "shift-close", "cash-handover"
Answer = TypeVar("Answer", ShiftOut, HandoverOut)
TRACK = "shift"
MAX_COUNT_DIGITS = 5


# The shift screens' sentences by code (catalog counters.po); other codes are the desk's.
MESSAGES: dict[str, str] = {
    "over-midnight": N_("The shift was left open over midnight. Count the cash and close it now."),
    "reason-required": N_("The counted cash differs from the expected: choose the reason."),
    "shift-not-found": N_("No shift is open at this kiosk."),
    "shift-already-open": N_("A shift is already open at this kiosk."),
    "print-failed": N_("The printer did not print. Check the paper; the figures are saved."),
    "nothing-to-hand-over": N_("There is no cash to hand over."),
    "nothing-to-undo": N_("Nothing to undo: only your last tap of the last 10 minutes."),
    "handover-needs": N_("Type the collector's name and the bag number."),
    "z-printed": N_("The shift is closed and the Z report printed. Now hand the cash over."),
    "handover-printed": N_("The handover slip is printed twice: both sign both copies."),
}
# Why the counted cash differs (English msgids; the Latvian text goes to the gateway's records).
DIFFERENCE_REASONS: tuple[str, ...] = (
    N_("Wrong change given"), N_("Miscounted at a payment"), N_("Float counted wrongly"), N_("Other reason"),
)


def reason_text(msgid: str) -> str:
    """The reason as the municipality's records keep it: in Latvian."""
    return gettext(msgid, "lv")


class ShiftApi(Protocol):
    """The gateway calls (kiosk.gateway_client.GatewayClient): the bodies are the journaled JSON,
    the answers the API's models."""

    async def open_shift(self, body: dict[str, Any], *, idempotency_key: str,
                         operator_session: str | None = None) -> ShiftOut: ...

    async def current_shift(self, *, operator_session: str | None = None) -> ShiftOut | None: ...

    async def close_shift(self, shift_id: str, body: dict[str, Any], *, idempotency_key: str,
                          operator_session: str | None = None) -> ShiftOut: ...

    async def record_cash_handover(self, body: dict[str, Any], *, idempotency_key: str,
                                   operator_session: str | None = None) -> HandoverOut: ...


class Printer(Protocol):
    async def print_document(self, doc: Any, *, job_id: str, lang: str = "lv", kind: str = "document",
                             open_drawer: bool = False) -> Any: ...


@dataclass
class CashCount:
    """Notes and coins counted, one denomination at a time on a keypad."""

    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(DENOMINATIONS, 0))
    selected: int = DENOMINATIONS[0]

    def select(self, value_cents: int) -> None:
        if value_cents in self.counts:
            self.selected = value_cents

    def type_digit(self, digit: str) -> None:
        text = str(self.counts[self.selected] or "") + digit
        if digit.isascii() and digit.isdigit() and len(text.lstrip("0")) <= MAX_COUNT_DIGITS:
            self.counts[self.selected] = int(text)

    def erase(self) -> None:
        self.counts[self.selected] //= 10

    def clear(self) -> None:
        self.counts[self.selected] = 0

    def reset(self) -> None:
        self.counts = dict.fromkeys(DENOMINATIONS, 0)
        self.selected = DENOMINATIONS[0]

    @property
    def total_cents(self) -> int:
        return sum(v * n for v, n in self.counts.items())

    def as_request(self) -> list[dict[str, int]]:
        return [{"value_cents": v, "count": n} for v, n in self.counts.items() if n]

    def pairs(self) -> tuple[tuple[int, int], ...]:
        return tuple((v, n) for v, n in self.counts.items() if n)


class ShiftError(Exception):
    """The gateway could not be reached or refused; `code` says which (the screen shows it)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


class ShiftDesk:
    """The kiosk's shift as the desk sees it; one per backend."""

    def __init__(self, journal: Journal, api: ShiftApi, printer: Printer, clock: Clock, *, header: Header,
                 operator: Callable[[], str], session: Callable[[], str | None],
                 flush_payments: Callable[[], Awaitable[Any]] | None = None, demo: bool = False) -> None:
        self.journal = AsyncJournal(journal)
        self.api = api
        self.printer = printer
        self.clock = clock
        self.header = header
        self.operator = operator
        self.session = session
        self.flush_payments = flush_payments
        self.demo = demo
        self.shift: ShiftOut | None = None  # the gateway's open shift (or the one just closed)
        self.over_midnight = False
        self.count = CashCount()
        self.expected_cents: int | None = None
        self.handover: HandoverOut | None = None
        self._keys: dict[str, tuple[int, str, dict[str, Any]]] = {}
        self._range: tuple[str, str] = ("", "")  # the shift's first and last receipt numbers
        self._observers: list[Callable[[], None]] = []

    def observe(self, fn: Callable[[], None]) -> None:
        """fn() after each check of the open shift (the desk's home shows the over-midnight flag)."""
        self._observers.append(fn)

    # -- talking to the gateway through the journal ------------------------------------------
    async def _call(self, kind: str, body: dict[str, Any], send: Callable[[str], Awaitable[Answer]]) -> Answer:
        """Journal the request, then send it; the same request after a failure keeps its key."""
        from kiosk.gateway_client import GatewayError

        held = self._keys.get(kind)
        if held is not None and held[2] != body:
            await self.journal.outbox_give_up(held[0], "replaced by a corrected request")
            held = None
        if held is None:
            key = str(uuid.uuid4())
            item_id = await self.journal.outbox_put(kind, key, {"request": body, "operator": self.operator()})
            held = self._keys[kind] = (item_id, key, body)
        item_id, key, _ = held
        try:
            answer = await send(key)
        except GatewayError as exc:
            await self.journal.outbox_failed_attempt(item_id, exc.code)
            if not (exc.retryable or exc.status == 0 or exc.status >= 500):
                await self.journal.outbox_give_up(item_id, exc.code)
                self._keys.pop(kind, None)
            raise ShiftError(exc.code) from None
        await self.journal.outbox_done(item_id)
        self._keys.pop(kind, None)
        return answer

    def _token(self) -> str | None:
        return self.session()

    # -- the open shift ----------------------------------------------------------------------
    async def check(self) -> str:
        """Ask the gateway for the open shift: "open", "none", or "over-midnight" (left open over
        midnight: flagged at sign-in)."""
        from kiosk.gateway_client import GatewayError

        try:
            self.shift = await self.api.current_shift(operator_session=self._token())
        except GatewayError as exc:
            raise ShiftError(exc.code) from None
        self.over_midnight = bool(self.shift and self.shift.over_midnight)
        for fn in list(self._observers):
            try:
                fn()
            except Exception:
                log.exception("shift observer failed")
        if self.shift is None:
            return "none"
        if self.over_midnight:
            await self.journal.log_event(TRACK, "OVER_MIDNIGHT", note=f"{self.shift.shift_id} "
                                         f"opened {_wire_time(self.shift.opened_at)} by {self.shift.opened_by}")
            return "over-midnight"
        return "open"

    @property
    def is_open(self) -> bool:
        return self.shift is not None and self.shift.status == "open"

    async def open(self, float_cents: int) -> ShiftOut:
        body = {"client_shift_id": f"sh-{uuid.uuid4().hex}", "float_cents": float_cents}
        held = self._keys.get(KIND_OPEN)
        if held is not None and held[2]["float_cents"] == float_cents:
            body = held[2]
        token = self._token()
        opened = await self._call(KIND_OPEN, body, lambda key: self.api.open_shift(
            body, idempotency_key=key, operator_session=token))
        self.shift = opened
        self.over_midnight = False
        await self.journal.log_event(TRACK, "OPENED", note=f"{opened.shift_id} by {self.operator()}, "
                                     f"float {float_cents}")
        self.count.reset()
        return opened

    # -- closing -----------------------------------------------------------------------------
    async def expected(self) -> int:
        """What the gateway expects in the drawer now; cash postings still in the outbox go first."""
        if self.flush_payments is not None:
            try:
                await self.flush_payments()
            except Exception:
                log.exception("posting before the count failed; the gateway's figure may be short")
        await self.check()
        if self.shift is None:
            raise ShiftError("shift-not-found")
        self.expected_cents = self.shift.expected_cash_cents
        return self.expected_cents

    @property
    def difference_cents(self) -> int | None:
        if self.expected_cents is None:
            return None
        return self.count.total_cents - self.expected_cents

    async def close(self, reason: str = "", *, lang: str = "lv") -> ShiftOut:
        """Close with the counted cash; prints the Z report. A difference needs a reason."""
        if self.shift is None:
            raise ShiftError("shift-not-found")
        if self.difference_cents and not reason.strip():
            raise ShiftError("reason-required")
        shift_id = self.shift.shift_id
        body = {"counted": self.count.as_request(), "difference_reason": reason.strip()}
        token = self._token()
        closed = await self._call(KIND_CLOSE, body, lambda key: self.api.close_shift(
            shift_id, body, idempotency_key=key, operator_session=token))
        self.shift = closed
        await self.prepare_papers()
        await self.journal.log_event(TRACK, "CLOSED", note=(
            f"{shift_id} by {self.operator()}: expected {closed.expected_cash_cents}, counted "
            f"{closed.counted_cash_cents}, difference {closed.difference_cents}"))
        await self._print(self.z_report(closed), f"z-{shift_id}", "z-report", lang)
        return closed

    async def _receipt_range(self, since: datetime) -> tuple[str, str]:
        entries = [e for e in await self.journal.payments(updated_since=since)
                   if e.receipt_no and e.created_at >= since]
        numbers = [e.receipt_no for e in sorted(entries, key=lambda e: e.created_at) if e.receipt_no]
        return (numbers[0], numbers[-1]) if numbers else ("", "")

    def z_report(self, closed: ShiftOut) -> ShiftReport:
        card, cash = closed.card_payments, closed.cash_payments
        return ShiftReport(
            self.header, shift_no=closed.shift_id, opened_at=closed.opened_at,
            closed_at=closed.closed_at or self.clock.now(), operator=closed.closed_by or "",
            card_count=card.count, card_total_cents=card.cents, cash_count=cash.count,
            cash_total_cents=cash.cents, refund_count=closed.refunds.count,
            refund_total_cents=closed.refunds.cents,
            expected_cash_cents=closed.expected_cash_cents,
            counted_cash_cents=closed.counted_cash_cents or 0, first_receipt=self._range[0],
            last_receipt=self._range[1], demo=self.demo, float_cents=closed.float_cents,
            handovers_cents=closed.handovers_cents,
            difference_reason=closed.difference_reason or "",
            denominations=tuple((c.value_cents, c.count) for c in closed.counted))

    async def _print(self, doc: Any, job_id: str, kind: str, lang: str) -> None:
        from printer.devices import PrintError

        try:
            await self.printer.print_document(doc, job_id=job_id, lang=lang, kind=kind)
        except PrintError as exc:
            log.warning("%s %s not printed: %s", kind, job_id, exc.reason)
            raise ShiftError("print-failed") from None

    async def prepare_papers(self) -> None:
        """The receipt numbers of the shift, for the Z report and the handover slip."""
        opened = self.shift.opened_at if self.shift else None
        self._range = await self._receipt_range(opened) if opened else ("", "")

    # -- handing the cash over -----------------------------------------------------------------
    async def hand_over(self, *, collector: str, bag_no: str, seal_no: str = "", lang: str = "lv",
                        amount_cents: int | None = None) -> HandoverOut:
        """Record the cash given to the collector and print the slip in two copies."""
        if self.shift is None:
            raise ShiftError("shift-not-found")
        amount = self.count.total_cents if amount_cents is None else amount_cents
        if amount <= 0:
            raise ShiftError("nothing-to-hand-over")
        now = self.clock.now()
        body = {"client_handover_id": f"ho-{uuid.uuid4().hex}", "shift_id": self.shift.shift_id,
                "amount_cents": amount, "bag_no": bag_no, "seal_no": seal_no, "receipt_from": self._range[0],
                "receipt_to": self._range[1], "collector_name": collector,
                "handed_at": now.isoformat().replace("+00:00", "Z")}
        held = self._keys.get(KIND_HANDOVER)
        if held is not None and {k: v for k, v in held[2].items() if k not in ("client_handover_id", "handed_at")} \
                == {k: v for k, v in body.items() if k not in ("client_handover_id", "handed_at")}:
            body = held[2]
        token = self._token()
        handover = await self._call(KIND_HANDOVER, body, lambda key: self.api.record_cash_handover(
            body, idempotency_key=key, operator_session=token))
        self.handover = handover
        await self.journal.log_event(TRACK, "HANDED_OVER", note=(
            f"{handover.handover_id} by {self.operator()} to {collector}: {amount}, bag {bag_no}"))
        await self._print(self.handover_slip(handover), f"ho-{handover.handover_id}", "handover", lang)
        return handover

    def handover_slip(self, h: HandoverOut) -> CashHandover:
        shift = self.shift
        return CashHandover(
            self.header, handover_no=h.handover_id, handed_at=h.handed_at,
            cashier=h.handed_by, collector=h.collector_name,
            period_from=shift.opened_at if shift else self.clock.now(),
            period_to=(shift.closed_at if shift else None) or self.clock.now(),
            expected_cents=(shift.expected_cash_cents if shift else 0) or h.amount_cents,
            counted_cents=h.amount_cents, denominations=self.count.pairs(),
            first_receipt=h.receipt_from, last_receipt=h.receipt_to,
            bag_no=h.bag_no, seal_no=h.seal_no,
            note=(shift.difference_reason if shift else None) or "", demo=self.demo)

    def forget(self) -> None:
        """After the papers are out: the next operator starts from the gateway's state."""
        self.shift = None
        self.expected_cents = None
        self.handover = None
        self.count.reset()


def shift_of(backend: Any) -> ShiftDesk:
    """The backend's shift desk, made on first use with the desk's operator session; each
    sign-in asks the gateway whether a shift was left open over midnight."""
    desk_shift: ShiftDesk | None = getattr(backend, "_shift", None)
    if desk_shift is None:
        from kiosk.desk.service import desk_of

        desk = desk_of(backend)
        desk_shift = ShiftDesk(
            backend.journal, backend.gateway, backend.printer, backend.clock, header=backend.receipts.header,
            operator=lambda: desk.session.operator, session=desk.session.token,
            flush_payments=backend.payments.flush_outbox, demo=backend.config.demo)
        setattr(backend, "_shift", desk_shift)  # noqa: B010 (a dataclass field would need kiosk.backend)

        def on_session(what: str) -> None:
            if what == "signed-in":
                desk.spawn(_check_quietly(desk_shift))

        desk.session.observe(on_session)
    return desk_shift


async def _check_quietly(desk_shift: ShiftDesk) -> None:
    try:
        await desk_shift.check()
    except ShiftError as exc:
        log.info("shift check at sign-in failed: %s", exc.code)


def _wire_time(at: datetime) -> str:
    """A time as the gateway wrote it (RFC 3339, UTC with `Z`), for the journal's notes."""
    return at.isoformat().replace("+00:00", "Z")
