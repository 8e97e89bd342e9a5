"""The librarian's sentences, by stable code: the desk's flows return codes, the desk screens show
`message(code, lang)` (catalog `screens_desk.po`; docs/architecture.md, "The librarian's desk")."""

from __future__ import annotations

from common.i18n import N_, gettext
from common.personal_code import MESSAGES as PERSONAL_CODE_MESSAGES
from kiosk.gateway_client import error_message

MESSAGES: dict[str, str] = {
    # signing in
    "choose-operator": N_("Choose your name first."),
    "pin-short": N_("The PIN has at least 6 digits."),
    "pin-wrong": N_("Wrong PIN. Please try again."),
    "operator-locked": N_("Too many wrong PINs: this name is locked for a while. Ask the "
                          "coordinator."),
    "wrong-location": N_("This librarian does not work at this library."),
    "operator-unknown": N_("This name is not known to the municipality's system."),
    "gateway-unavailable": N_("The municipality's system cannot be reached. Please try again "
                              "later."),
    "session-ended": N_("The desk session has ended. Please sign in again."),
    "pin-stale": N_("Type your PIN again to continue."),
    # find by person
    "choose-document": N_("Check the ID document first and choose its kind."),
    "person-not-found": N_("This person has no open invoices."),
    "search-limited": N_("Too many searches in a short time. Please wait a few minutes."),
    "found": N_("Open invoices of the person whose ID you checked."),
    "nothing-selected": N_("Choose the invoices to pay."),
    # paying
    "cash-short": N_("The amount received is less than the total."),
    "cash-paid": N_("Paid in cash. Give back {change} change."),
    "card-paid": N_("Paid by card."),
    "paid-awaiting": N_("Paid. The municipality will confirm the posting shortly."),
    "print-failed": N_("Paid, but the receipt was not printed: reprint it from the review queue."),
    "printer-unavailable": N_("The receipt printer is not ready. Nothing was taken."),
    "not-paid": N_("Not paid: {reason}"),
    "unknown": N_("The card payment's outcome is not known: it is in the review queue."),
    "cart-empty": N_("Nothing to pay."),
    # review queue and reprints
    "review-empty": N_("Nothing waits for review."),
    "resolved": N_("Done. The journal records it with your name."),
    "resolve-failed": N_("That did not work. The case stays in the queue."),
    "refund-not-today": N_("Only today's card payments can be refunded through the terminal."),
    "refund-failed": N_("The terminal did not confirm the refund. The case stays in the queue."),
    "refunded": N_("Refunded to the card."),
    "identity-confirmed": N_("Identity confirmed; the application was sent."),
    "reprinted": N_("Printed again as DUBLIKĀTS."),
    "receipt-not-found": N_("There is no receipt with this number today."),
    # taking over a resident's visit
    "taken-over": N_("You have taken over the resident's visit."),
    "nothing-to-take-over": N_("The resident has not started anything to take over."),
}


def message(code: str, lang: str, **params: str) -> str:
    """The sentence for a desk code, a personal-code check, or a gateway error code."""
    if code in MESSAGES:
        return gettext(MESSAGES[code], lang, **params)
    if code in PERSONAL_CODE_MESSAGES:
        return gettext(PERSONAL_CODE_MESSAGES[code], lang)
    return error_message(code, lang)
