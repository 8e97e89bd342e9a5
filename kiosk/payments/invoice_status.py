"""What an invoice's paper would say about its instalments today (plain Python, no Kivy).

The gateway sends each instalment with what of it is paid; an instalment whose due date has passed
and that is not fully paid is overdue, and the list marks it (docs/architecture.md,
"Screens": no rules in screens).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from common.schema import InvoiceView


@dataclass(frozen=True)
class Overdue:
    cents: int  # unpaid of the instalments already past their due date
    since: date | None  # the earliest of those due dates

    def __bool__(self) -> bool:
        return self.cents > 0


def overdue(invoice: InvoiceView, today: date) -> Overdue:
    late = [i for i in invoice.instalments if i.due_date < today and i.paid_cents < i.amount_cents]
    return Overdue(sum(i.amount_cents - i.paid_cents for i in late),
                   min((i.due_date for i in late), default=None))


def instalments_to_come(invoice: InvoiceView, today: date) -> int:
    """How many unpaid instalments are not due yet."""
    return sum(1 for i in invoice.instalments if i.due_date >= today and i.paid_cents < i.amount_cents)
