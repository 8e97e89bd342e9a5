"""One sign-in's work at the desk: finding a person after the ID check, the invoices to pay, the till.

`DeskWork` is made at sign-in and dropped at lock, so a personal code, a full name or an amount
never outlives the session that showed it (docs/architecture.md, "The librarian's desk" and
"Personal data and identifiers"). The personal code is checked by `common.personal_code` before
any request, sent once, and forgotten as soon as the search answered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from common.i18n import N_, gettext
from common.personal_code import PersonalCodeError, parse
from common.schema import InvoiceView
from kiosk.payments.cart import Cart, CartError
from kiosk.payments.cash import Tender

if TYPE_CHECKING:
    from kiosk.gateway_client import GatewayClient

log = logging.getLogger(__name__)

# The kinds of ID document a librarian may check (the gateway's `id_document`), in button order.
ID_DOCUMENTS: dict[str, str] = {
    "id-card": N_("ID card"),
    "passport": N_("Passport"),
    "residence-permit": N_("Residence permit"),
    "driving-licence": N_("Driving licence"),
    "other": N_("Other document"),
}
# Why the person is looked up: audited at the gateway with every search.
REASONS: dict[str, str] = {
    "pays-at-desk": N_("Pays at the desk"),
    "asks-what-is-owed": N_("Asks what is owed"),
    "application": N_("Application or other matter"),
}
CODE_DIGITS = 11
# Quick amounts on the till: the total itself, then the notes a resident usually hands over.
QUICK_NOTES = (500, 1000, 2000, 5000, 10000)
TILL_MAX_DIGITS = 7  # 99 999,99 €


@dataclass(frozen=True)
class PersonInvoice:
    """An invoice of the person found: the invoice as the paper shows it and the full name."""

    invoice: InvoiceView
    payer_name: str

    @property
    def invoice_id(self) -> str:
        return self.invoice.invoice_id


def search_refusal(exc: Exception) -> str:
    status = int(getattr(exc, "status", 0) or 0)
    code = str(getattr(exc, "code", "") or "")
    if (getattr(exc, "retryable", False) and status != 429) or status == 0 or status >= 500:
        return "gateway-unavailable"
    if status == 429:
        return "search-limited"
    if status in (401, 403):
        return "session-ended"
    if code.startswith("personal_code."):
        return code
    if status in (400, 422):
        return "personal_code.checksum"
    return code or "unexpected"


@dataclass
class PersonLookup:
    document: str = ""  # the ID document checked; nothing is searched before it is chosen
    reason: str = "pays-at-desk"
    digits: str = ""  # the personal code as typed (ASCII digits)
    error: str = ""
    found: list[PersonInvoice] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)  # invoice ids, in the order tapped
    searched: bool = False

    # -- the ID check step -----------------------------------------------------------------------
    def choose_document(self, kind: str) -> None:
        if kind not in ID_DOCUMENTS:
            raise ValueError(kind)
        self.document = kind
        self.error = ""

    def choose_reason(self, reason: str) -> None:
        if reason not in REASONS:
            raise ValueError(reason)
        self.reason = reason

    # -- the personal code -----------------------------------------------------------------------
    def type_digit(self, digit: str) -> None:
        if digit.isascii() and digit.isdigit() and len(self.digits) < CODE_DIGITS:
            self.digits += digit
            self.error = ""

    def erase(self) -> None:
        self.digits = self.digits[:-1]
        self.error = ""

    def clear(self) -> None:
        self.digits = ""
        self.error = ""

    @property
    def display(self) -> str:
        """As typed, with the hyphen after the sixth digit (`DDMMYY-NNNNN`)."""
        d = self.digits
        return d if len(d) <= 6 else f"{d[:6]}-{d[6:]}"

    def check(self) -> str:
        """"" when the code is valid; else its `personal_code.*` error code."""
        if not self.document:
            return "choose-document"
        try:
            parse(self.digits)
        except PersonalCodeError as exc:
            return exc.code
        return ""

    async def search(self, gateway: GatewayClient, session: str) -> str:
        """Ask the gateway for the person's open invoices; a code for the desk's message.
        The typed code is forgotten once the gateway answered (or refused)."""
        self.error = self.check()
        if self.error:
            return self.error
        try:
            answer = await gateway.person_search(session, parse(self.digits).canonical,
                                                 self.document,  # type: ignore[arg-type]
                                                 gettext(REASONS[self.reason], "en"))
        except Exception as exc:
            self.error = search_refusal(exc)
            if self.error != "gateway-unavailable":  # kept only to try again at once
                self.digits = ""
            return self.error
        self.digits = ""
        self.searched = True
        name = answer.person.name if answer.person is not None else ""
        self.found = [PersonInvoice(inv, name or inv.payer_masked) for inv in answer.invoices
                      if inv.status != "paid" and inv.balance_cents > 0]
        self.selected = [p.invoice_id for p in self.found]  # all open ones, untick what not
        self.error = "" if self.found else "person-not-found"
        return "found" if self.found else "person-not-found"

    # -- choosing what to pay --------------------------------------------------------------------
    def toggle(self, invoice_id: str) -> None:
        if invoice_id in self.selected:
            self.selected.remove(invoice_id)
        elif any(p.invoice_id == invoice_id for p in self.found):
            self.selected.append(invoice_id)

    def cart(self) -> Cart:
        """The chosen invoices as a cart (what is due now of each; the receipt masks the name)."""
        cart = Cart()
        for p in self.found:
            if p.invoice_id in self.selected:
                try:
                    cart.add(p.invoice)
                except CartError:
                    log.info("invoice %s not payable", p.invoice_id)
        return cart


@dataclass
class Till:
    """The amount tendered, typed in cents like on a card terminal ("2000" is 20,00 €)."""

    digits: str = ""

    def type_digit(self, digit: str) -> None:
        # No leading zero: "0" first would read as nothing typed.
        if digit.isascii() and digit.isdigit() and len(self.digits) < TILL_MAX_DIGITS \
                and (self.digits or digit != "0"):
            self.digits += digit

    def erase(self) -> None:
        self.digits = self.digits[:-1]

    def clear(self) -> None:
        self.digits = ""

    def set_cents(self, cents: int) -> None:
        self.digits = str(cents) if cents > 0 else ""

    @property
    def tendered_cents(self) -> int:
        return int(self.digits or "0")

    def tender(self, total_cents: int) -> Tender:
        return Tender(total_cents, self.tendered_cents)


@dataclass
class DeskWork:
    """Everything one sign-in has open; `DeskService` drops it when the desk locks."""

    lookup: PersonLookup = field(default_factory=PersonLookup)
    till: Till = field(default_factory=Till)
    cart: Cart = field(default_factory=Cart)
    taken_over: str = ""  # "cart" | "application": what came from the resident's visit
    result_code: str = ""
    result_params: dict[str, str] = field(default_factory=dict)
    receipt_no: str = ""

    def show(self, code: str, **params: str) -> None:
        self.result_code = code
        self.result_params = dict(params)
