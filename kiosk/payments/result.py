"""What a card payment comes to, as screens show it: the phase it is in, the verdict, the sentence
the resident reads. Shared by the payment (kiosk.payments.card) and recovery (kiosk.payments.recovery)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from common.i18n import N_, gettext
from kiosk.gateway_client import error_message
from kiosk.terminal.base import Reason, TerminalOutcome, reason_text


class PaymentPhase(StrEnum):
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
class PaymentResult:
    verdict: Verdict
    code: str  # message / reason code
    client_txn_id: str | None = None
    receipt_no: str | None = None
    amount_cents: int | None = None  # what was paid: the outcome screen says it aloud too
    reference_code: str | None = None
    printed: bool = False
    awaiting_confirmation: bool = False
    outcome: TerminalOutcome | None = None

    def text(self, lang: str) -> str:
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
