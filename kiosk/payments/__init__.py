"""Payments: what paying municipal invoices at the kiosk is, from the cart to the receipt
(docs/architecture.md, "Money and receipt states").

One module per noun of a payment:
- `cart` (the invoices chosen, how much of each), `invoice_status` (overdue instalments),
  `visit` (one visit's find → cart → pay path, what the resident's screens call);
- `card` (the card payment and `PaymentService`, the facade the screens and the desk call),
  `cash` (cash at the librarian's desk), `result` (phases, verdicts, the resident's messages);
- `posting` (the posting outbox), `recovery` (start-up recovery, scanned "outcome unknown"
  slips), `receipts` (receipts, DUBLIKĀTS, today's receipt by number, slips);
- the card terminal as the payment uses it: `terminal_service` (every terminal call journaled),
  `terminal_recovery`, `terminal_factory` (the driver the config names), `terminal_lock` (one
  process owns the terminal). The protocol drivers themselves are `kiosk.terminal`;
- `samples` (the gallery's sample receipt).

The names below are what other layers may use. Modules of the core import the module that
defines a name, never this package, so the package cannot import itself in a circle.
"""

from __future__ import annotations

from kiosk.journal import PaymentEntry
from kiosk.payments.card import PaymentService
from kiosk.payments.cart import AmountChoice, Cart, CartError, CartLine
from kiosk.payments.invoice_status import Overdue, overdue
from kiosk.payments.result import PaymentPhase, PaymentResult, PaymentTimings, Verdict
from kiosk.payments.samples import spool_sample_receipt
from kiosk.payments.terminal_service import TerminalService
from kiosk.payments.visit import (
    FindResult,
    PaymentVisit,
    find_scanned,
    find_typed,
    message,
    paid_note,
    pay_cart,
    payers_to_check,
    payment_visit,
    reference_in,
)
from kiosk.terminal.base import OutcomeStatus, Reason, TerminalOutcome

__all__ = [
    "AmountChoice",
    "Cart",
    "CartError",
    "CartLine",
    "FindResult",
    "OutcomeStatus",
    "Overdue",
    "PaymentEntry",
    "PaymentPhase",
    "PaymentResult",
    "PaymentService",
    "PaymentTimings",
    "PaymentVisit",
    "Reason",
    "TerminalOutcome",
    "TerminalService",
    "Verdict",
    "find_scanned",
    "find_typed",
    "message",
    "overdue",
    "paid_note",
    "pay_cart",
    "payers_to_check",
    "payment_visit",
    "reference_in",
    "spool_sample_receipt",
]
