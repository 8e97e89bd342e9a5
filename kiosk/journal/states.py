"""The two tracks of a payment and the steps allowed between their states.

The allowed transitions are a table, so an impossible jump (say, posting a declined payment) is
refused instead of recorded (docs/architecture.md, "Money and receipt states").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class MoneyState(StrEnum):
    RESERVED = "RESERVED"
    SENT_TO_TERMINAL = "SENT_TO_TERMINAL"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"
    UNKNOWN = "UNKNOWN"
    VOID = "VOID"
    MANUAL_REVIEW = "MANUAL_REVIEW"
    POST_PENDING = "POST_PENDING"
    POSTED = "POSTED"
    REVERSAL_PENDING = "REVERSAL_PENDING"
    REVERSED = "REVERSED"


class ReceiptState(StrEnum):
    NONE = "NONE"
    PRINT_SENT = "PRINT_SENT"
    PRINTED = "PRINTED"
    PRINT_FAILED = "PRINT_FAILED"


M = MoneyState
# Cash payments skip the terminal: RESERVED -> APPROVED.
MONEY_TRANSITIONS: dict[MoneyState, frozenset[MoneyState]] = {
    M.RESERVED: frozenset({M.SENT_TO_TERMINAL, M.VOID, M.APPROVED}),
    M.SENT_TO_TERMINAL: frozenset(
        {M.APPROVED, M.DECLINED, M.CANCELLED, M.UNKNOWN, M.REVERSAL_PENDING, M.VOID}
    ),
    M.UNKNOWN: frozenset({M.APPROVED, M.VOID, M.MANUAL_REVIEW, M.DECLINED, M.CANCELLED,
                          M.REVERSAL_PENDING}),
    M.MANUAL_REVIEW: frozenset({M.APPROVED, M.VOID}),
    M.APPROVED: frozenset({M.POSTED, M.POST_PENDING, M.REVERSAL_PENDING}),
    # A posting the gateway refuses for good (or that never gets through) waits for a person.
    M.POST_PENDING: frozenset({M.POSTED, M.MANUAL_REVIEW}),
    M.POSTED: frozenset({M.REVERSAL_PENDING}),
    M.REVERSAL_PENDING: frozenset({M.REVERSED}),
    M.DECLINED: frozenset({M.VOID}),
    M.CANCELLED: frozenset({M.VOID}),
    M.VOID: frozenset(),
    M.REVERSED: frozenset(),
}

R = ReceiptState
RECEIPT_TRANSITIONS: dict[ReceiptState, frozenset[ReceiptState]] = {
    R.NONE: frozenset({R.PRINT_SENT}),
    R.PRINT_SENT: frozenset({R.PRINTED, R.PRINT_FAILED}),
    R.PRINT_FAILED: frozenset({R.PRINT_SENT}),
    # A printed receipt may be printed again (second copy, DUBLIKĀTS).
    R.PRINTED: frozenset({R.PRINT_SENT}),
}

# Money states after which nothing more happens to the money by itself.
MONEY_SETTLED = frozenset({M.POSTED, M.VOID, M.REVERSED})
# States where the reservation at the gateway was released or consumed for good.
MONEY_NEEDS_RECEIPT = frozenset({M.APPROVED, M.POST_PENDING, M.POSTED})


class JournalError(Exception):
    pass


class TransitionError(JournalError):
    """A step that the state graph does not allow (a bug, or a replay of an old step)."""


@dataclass(frozen=True)
class PaymentEntry:
    client_txn_id: str
    method: str
    amount_cents: int
    money_state: MoneyState
    receipt_state: ReceiptState
    intent_id: str | None
    service_id: str | None
    terminal: dict[str, Any] | None
    receipt_no: str | None
    reference_code: str
    data: dict[str, Any]
    note: str
    created_at: datetime
    updated_at: datetime
    print_count: int

    @property
    def owes_receipt(self) -> bool:
        """The card was charged, so the resident is owed a receipt. A posting the gateway refused
        for good waits in MANUAL_REVIEW with its receipt number (only an approval gets one)."""
        return self.money_state in MONEY_NEEDS_RECEIPT or (
            self.money_state is M.MANUAL_REVIEW and self.receipt_no is not None)

    @property
    def unfinished(self) -> bool:
        if self.money_state not in MONEY_SETTLED and self.money_state is not M.MANUAL_REVIEW:
            return True
        return self.owes_receipt and self.receipt_state is not R.PRINTED


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    key: str
    body: dict[str, Any]
    attempts: int
    created_at: datetime
    last_error: str
