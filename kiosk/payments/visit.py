"""One visit's payment path in plain Python: the cart, the digits typed, finding invoices, paying.

Lives in `Visit.data` under PAYMENT_KEY, so the end of the visit (`Visit.end`: Home, Done, the idle
reset) forgets the cart and the typed digits with everything else of the visit. Screens call
`find_typed` / `find_scanned` / `pay_cart` and show the returned code's message or result; no Kivy
here, so the rules (what a repeated scan does, which errors look alike, when the cart is emptied)
are tested without a window (docs/architecture.md, "Screens").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from common.clock import RIGA
from common.i18n import N_, gettext
from common.invoice_codes import CHECK_LEN, NOTICE_LEN
from common.schema import InvoiceView
from kiosk.gateway_client import GatewayError, error_message
from kiosk.payments.card import MESSAGES as PAYMENT_MESSAGES
from kiosk.payments.card import PaymentResult, Verdict
from kiosk.payments.card import message as payment_message
from kiosk.payments.cart import Cart, CartError

log = logging.getLogger(__name__)

PAYMENT_KEY = "payment"
# The scan payload of an "outcome unknown" slip (printer.documents.OutcomeUnknownSlip).
REFERENCE_PREFIX = "KACREF:"
_REFERENCE = re.compile(r"^U[0-9A-Z]{7}$")

# Messages of this path that the gateway client does not already have.
MESSAGES: dict[str, str] = {
    "already-in-cart": N_("This invoice is already in the list."),
    "added": N_("Invoice added to the list."),
    "cart-full": N_("The list is full. Please pay these invoices first, then add more."),
    "not-ready": N_("The kiosk is getting ready. Payments open in a moment."),
    "reference-unknown": N_("This slip is not from this kiosk. Please ask the librarian."),
    "no-backend": N_("Payments are not available at this kiosk. Please ask the librarian."),
}


def message(code: str, lang: str) -> str:
    """The resident's sentence for a code of this path or of the gateway client."""
    if code in MESSAGES:
        return gettext(MESSAGES[code], lang)
    if code in PAYMENT_MESSAGES:  # printer-unavailable, gateway-unavailable, ...
        return payment_message(code, lang)
    return error_message(code, lang)


@dataclass(frozen=True)
class FindResult:
    """What a search did: `code` names the message to show; `added` is the invoice put in the
    cart (None when nothing was added)."""

    code: str
    added: InvoiceView | None = None
    # The invoice found already paid: its last payment says when and where.
    paid: InvoiceView | None = None

    @property
    def ok(self) -> bool:
        return self.code in ("added", "already-in-cart")


@dataclass
class PaymentVisit:
    cart: Cart = field(default_factory=Cart)
    notice: str = ""  # digits typed on the keypad, kept across errors (never lose typed input)
    check: str = ""

    def type_digit(self, target: str, digit: str) -> None:
        if not digit.isdigit():
            return
        if target == "notice" and len(self.notice) < NOTICE_LEN:
            self.notice += digit
        elif target == "check" and len(self.check) < CHECK_LEN:
            self.check += digit

    def erase(self, target: str) -> None:
        if target == "notice":
            self.notice = self.notice[:-1]
        else:
            self.check = self.check[:-1]

    def clear_typed(self) -> None:
        self.notice = ""
        self.check = ""

    def add(self, invoices: list[InvoiceView]) -> FindResult:
        """Put what a search returned into the cart (a repeated scan adds nothing)."""
        if not invoices:
            return FindResult("invoice-not-found")
        last = FindResult("already-in-cart")
        for inv in invoices:
            try:
                if self.cart.add(inv):
                    last = FindResult("added", inv)
            except CartError as exc:
                return FindResult(exc.code, paid=inv if exc.code == "invoice-already-paid" else None)
        return last


def payers_to_check(cart: Cart) -> list[str]:
    """The payers (masked, as the paper shows them) when the list holds invoices of more than one,
    else []: the confirm screen asks the resident to check them, so a list left over from someone
    else is noticed before it is paid (docs/architecture.md, "Screens"). Compared by the
    masked name, the only payer field the gateway gives: two payers whose masks coincide count as
    one."""
    names = cart.payer_names
    return names if len(names) > 1 else []


def payment_visit(visit: Any) -> PaymentVisit:
    """This visit's payment state (made on first use; gone when the visit is wiped)."""
    pv: PaymentVisit | None = visit.data.get(PAYMENT_KEY)
    if pv is None:
        pv = visit.data[PAYMENT_KEY] = PaymentVisit()
    return pv


class Payments(Protocol):
    async def pay(self, cart: Cart, *, lang: str) -> PaymentResult: ...


async def pay_cart(payments: Payments, cart: Cart, *, lang: str) -> PaymentResult | None:
    """Pay the cart by card. A paid cart is emptied, so a "try again" can never pay these invoices
    twice. None when the payment service failed unexpectedly (the outcome screen says so)."""
    try:
        result = await payments.pay(cart, lang=lang)
    except Exception:
        log.exception("payment failed unexpectedly")
        return None
    if result.verdict is Verdict.PAID:
        cart.clear()
    return result


def _code_of(exc: Exception) -> str:
    code = getattr(exc, "code", "")
    return str(code) if code else "unexpected"


async def find_typed(gateway: Any, pv: PaymentVisit) -> FindResult:
    """Search by the typed notice number and check value; on success the digits are cleared
    (ready for another invoice), on an error they stay for the resident to correct."""
    if len(pv.notice) != NOTICE_LEN:
        return FindResult("notice-malformed")
    if len(pv.check) != CHECK_LEN:
        return FindResult("check-malformed")
    try:
        found = await gateway.search_invoices(pv.notice, pv.check)
    except GatewayError as exc:
        return FindResult(_code_of(exc))
    except Exception:  # a transport bug must read as "cannot reach", never as a traceback
        return FindResult("gateway-unreachable")
    result = pv.add(found.invoices)
    if result.ok:
        pv.clear_typed()
    return result


async def find_scanned(gateway: Any, pv: PaymentVisit, text: str) -> FindResult:
    try:
        found = await gateway.search_scanned(text)
    except GatewayError as exc:
        return FindResult(_code_of(exc))
    except Exception:
        return FindResult("gateway-unreachable")
    return pv.add(found.invoices)


def paid_note(invoice: InvoiceView | None, lang: str) -> str:
    """When and where an invoice found already paid was paid, with the receipt's number, so the
    resident learns more than "already paid"; "" when that is not known (paid by bank
    transfer)."""
    last = invoice.last_payment if invoice is not None else None
    if last is None:
        return ""
    when = last.paid_at.astimezone(RIGA).strftime("%d.%m.%Y %H:%M")
    if last.receipt_no:
        return gettext("Paid on {date} at {place}. Receipt number: {number}", lang,
                       date=when, place=last.place, number=last.receipt_no)
    return gettext("Paid on {date} at {place}.", lang, date=when, place=last.place)


def reference_in(text: str) -> str | None:
    """The reference code when `text` is an "outcome unknown" slip's scan, else None."""
    text = text.strip().upper()
    if text.startswith(REFERENCE_PREFIX):
        code = text[len(REFERENCE_PREFIX):].strip()
        return code if _REFERENCE.match(code) else ""
    return None
