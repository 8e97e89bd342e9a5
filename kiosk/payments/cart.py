"""The resident's cart: invoices found during this visit and how much of each to pay.

Lines are invoices as the gateway showed them (already masked); the default amount is what is due
now (the current instalment plus anything overdue), the full remaining balance is the option.
Several payers in one cart are fine: lookup is by invoice, not by person (docs/architecture.md,
"Personal data and identifiers").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from common.schema import InvoiceView


class AmountChoice(StrEnum):
    DUE_NOW = "due_now"
    FULL = "full"


class CartError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


MAX_LINES = 20  # the gateway takes at most 20 items per payment intent


@dataclass(frozen=True)
class CartLine:
    invoice: InvoiceView
    choice: AmountChoice = AmountChoice.DUE_NOW

    @property
    def amount_cents(self) -> int:
        if self.choice is AmountChoice.FULL or self.invoice.due_now_cents <= 0:
            return self.invoice.balance_cents
        return self.invoice.due_now_cents

    @property
    def has_choice(self) -> bool:
        """True when paying everything differs from paying what is due now."""
        return 0 < self.invoice.due_now_cents < self.invoice.balance_cents

    def summary(self) -> dict[str, Any]:
        """What the journal, the gateway and the receipt need of this line (no personal data)."""
        inv = self.invoice
        return {
            "invoice_id": inv.invoice_id,
            "notice_number": inv.notice_number,
            "service": inv.service,
            "creditor_id": inv.creditor.id,
            "creditor_name": inv.creditor.name,
            "period_start": inv.period_start.isoformat(),
            "period_end": inv.period_end.isoformat(),
            "object_kind": inv.object_kind,
            "object_ref": inv.object_ref,
            "amount_cents": self.amount_cents,
        }


@dataclass
class Cart:
    lines: list[CartLine] = field(default_factory=list)

    def add(self, invoice: InvoiceView) -> bool:
        """Add an invoice; False if it is already in the cart (a repeated scan adds nothing)."""
        if invoice.status == "paid" or invoice.balance_cents <= 0:
            raise CartError("invoice-already-paid")
        if any(line.invoice.invoice_id == invoice.invoice_id for line in self.lines):
            return False
        if len(self.lines) >= MAX_LINES:
            raise CartError("cart-full")
        self.lines.append(CartLine(invoice))
        return True

    def remove(self, invoice_id: str) -> None:
        self.lines = [ln for ln in self.lines if ln.invoice.invoice_id != invoice_id]

    def choose(self, invoice_id: str, choice: AmountChoice) -> None:
        self.lines = [replace(ln, choice=AmountChoice(choice)) if ln.invoice.invoice_id == invoice_id
                      else ln for ln in self.lines]

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def payer_names(self) -> list[str]:
        return sorted({line.invoice.payer_masked for line in self.lines})

    def clear(self) -> None:
        self.lines.clear()

    def __len__(self) -> int:
        return len(self.lines)
