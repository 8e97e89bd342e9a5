"""The card terminal as the core sees it: a driver protocol and the frozen outcome it returns.

Drivers speak one terminal dialect each (simulator, nexo). Whatever the dialect, the core only sees
a `TerminalOutcome`: what happened to the money, the references needed to refund it, and the
receipt lines to print unchanged. Card data stops at the last 4 digits, brand, AID and approval
code; nothing else from a terminal response is kept.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from common.i18n import N_, gettext


class OutcomeStatus(StrEnum):
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"
    PARTIAL = "PARTIAL"
    BUSY = "BUSY"
    UNKNOWN = "UNKNOWN"  # the answer was lost: resolve with TransactionStatus, never assume failure
    NOT_FOUND = "NOT_FOUND"  # (status) the request never reached the terminal
    IN_PROGRESS = "IN_PROGRESS"  # (status) the terminal is still working on it


class Reason(StrEnum):
    """Why a payment did not go through, in terms a resident can act on (never refusal texts)."""

    CARD_DECLINED = "card_declined"
    BANK_UNREACHABLE = "bank_unreachable"
    CANCELLED = "cancelled"
    TERMINAL_BUSY = "terminal_busy"
    TERMINAL_UNAVAILABLE = "terminal_unavailable"
    TERMINAL_ERROR = "terminal_error"
    PARTIAL_REVERSED = "partial_reversed"
    NOT_CHARGED = "not_charged"
    OUTCOME_UNKNOWN = "outcome_unknown"


_REASON_TEXT: dict[Reason, str] = {
    Reason.CARD_DECLINED: N_("The card was declined. Please try another card."),
    Reason.BANK_UNREACHABLE: N_("The bank could not be reached. Please try again later."),
    Reason.CANCELLED: N_("The payment was cancelled. Your card was not charged."),
    Reason.TERMINAL_BUSY: N_("The card terminal is busy. Please try again in a moment."),
    Reason.TERMINAL_UNAVAILABLE: N_("The card terminal is not available. Please ask the librarian."),
    Reason.TERMINAL_ERROR: N_("The card terminal reported an error. Please ask the librarian."),
    Reason.PARTIAL_REVERSED: N_(
        "The card allowed only part of the amount. That part was returned; nothing was paid."),
    Reason.NOT_CHARGED: N_("The payment did not reach the card terminal. Your card was not charged."),
    Reason.OUTCOME_UNKNOWN: N_(
        "We could not confirm the payment. Do not pay again; keep this slip and ask the librarian."),
}


def reason_text(reason: Reason | str, lang: str) -> str:
    """The plain-language sentence shown to a resident for a reason code."""
    return gettext(_REASON_TEXT[Reason(reason)], lang)


@dataclass(frozen=True)
class TerminalOutcome:
    """One terminal answer, reduced to what the kiosk may keep (JSON-able for the journal)."""

    status: OutcomeStatus
    amount_cents: int = 0  # approved (authorised) amount; 0 unless money moved
    requested_cents: int = 0
    service_id: str = ""  # ServiceID of the payment (or refund) this outcome is about
    sale_txn_id: str = ""  # our SaleTransactionID.TransactionID, echoed by the terminal
    transaction_id: str = ""  # POITransactionID.TransactionID: the refund handle
    transaction_time: str = ""  # POITransactionID.TimeStamp (needed with the id for a Reversal)
    approval_code: str = ""
    last4: str = ""
    brand: str = ""
    aid: str = ""
    receipt_lines: tuple[str, ...] = ()  # CustomerReceipt, decoded, in order: print unchanged
    reason: Reason | None = None
    error_condition: str = ""  # nexo ErrorCondition enum value (never a free-text refusal)

    @property
    def paid(self) -> bool:
        return self.status is OutcomeStatus.APPROVED

    @property
    def final(self) -> bool:
        """True when the money's fate is known (no status query needed)."""
        return self.status in (OutcomeStatus.APPROVED, OutcomeStatus.DECLINED,
                               OutcomeStatus.CANCELLED, OutcomeStatus.PARTIAL,
                               OutcomeStatus.BUSY, OutcomeStatus.NOT_FOUND)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status.value
        d["reason"] = self.reason.value if self.reason else None
        d["receipt_lines"] = list(self.receipt_lines)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TerminalOutcome:
        known = {f for f in cls.__dataclass_fields__}
        kw = {k: v for k, v in d.items() if k in known}
        kw["status"] = OutcomeStatus(kw["status"])
        kw["reason"] = Reason(kw["reason"]) if kw.get("reason") else None
        kw["receipt_lines"] = tuple(kw.get("receipt_lines") or ())
        return cls(**kw)


@dataclass(frozen=True)
class DiagnosisResult:
    reachable: bool
    terminal_ok: bool = False
    host_reachable: bool | None = None  # the acquirer, as the terminal sees it
    error_condition: str = ""
    detail: str = ""  # technician-facing (CLI), never shown to residents


@dataclass(frozen=True)
class ReconciliationResult:
    ok: bool
    reconciliation_id: str = ""
    # per brand/currency: {"brand": str, "currency": str, "count": int, "amount_cents": int}
    totals: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    error_condition: str = ""


class TerminalError(Exception):
    """A terminal problem that is not an outcome (configuration, protocol misuse)."""


@runtime_checkable
class TerminalDriver(Protocol):
    """One card terminal. Every request carries a new ServiceID that the caller journaled first.

    `pay` and `refund` never raise for a lost answer: they return UNKNOWN, and the caller
    resolves it with `status` (or `kiosk.payments.terminal_service.resolve`). While `pay` waits, `abort`
    and `status` may be
    called concurrently (they use their own connection).
    """

    async def pay(self, service_id: str, amount_cents: int, *, sale_txn_id: str,
                  timeout_s: float | None = None, language: str = "") -> TerminalOutcome:
        """`language` (ISO 639-1): the resident's, asked of the terminal for its display and
        receipt lines where the protocol allows; "" leaves the terminal's own choice."""
        ...

    async def abort(self, service_id_to_abort: str, new_service_id: str) -> None: ...

    async def status(self, service_id_of_payment: str, new_service_id: str, *,
                     requested_cents: int = 0, category: str = "Payment",
                     transaction_id: str = "") -> TerminalOutcome:
        """TransactionStatus of an earlier Payment (default) or, with category="Reversal", of an
        earlier Reversal: then APPROVED means that Reversal gave the money back, NOT_FOUND that it
        never reached the terminal, DECLINED that it ended without moving money."""
        ...

    async def refund(self, new_service_id: str, *, transaction_id: str, transaction_time: str,
                     amount_cents: int | None = None) -> TerminalOutcome: ...

    async def reconcile(self, new_service_id: str) -> ReconciliationResult: ...

    async def diagnose(self, new_service_id: str) -> DiagnosisResult: ...

    async def aclose(self) -> None: ...
