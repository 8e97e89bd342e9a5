"""The gateway API's request/response models: the one module the kiosk's client shares.

Money is int euro cents; times are RFC 3339 UTC (timezone-aware; serialised with `Z`). Request
models forbid unknown fields, so a typo is a 422 naming the field and the Idempotency-Key
fingerprint covers every field the server reads.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

API_PREFIX = "/api/v1"
PROBLEM_MEDIA_TYPE = "application/problem+json"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
DEFAULT_INTENT_TTL_S = 600


class ErrorCode(StrEnum):
    """Stable problem codes (the `code` member of every problem+json body)."""

    UNAUTHENTICATED = "unauthenticated"
    NOT_FOUND = "not-found"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    VALIDATION_ERROR = "validation-error"
    MALFORMED_BODY = "malformed-body"
    IDEMPOTENCY_KEY_MISSING = "idempotency-key-missing"
    IDEMPOTENCY_KEY_REUSED = "idempotency-key-reused"
    IDEMPOTENCY_IN_FLIGHT = "idempotency-in-flight"
    INVOICE_NOT_FOUND = "invoice-not-found"
    INVOICE_ALREADY_PAID = "invoice-already-paid"
    INVOICE_RESERVED = "invoice-reserved"
    AMOUNT_MISMATCH = "amount-mismatch"
    INTENT_NOT_FOUND = "intent-not-found"
    CLIENT_TXN_CONFLICT = "client-txn-conflict"
    NOTICE_MALFORMED = "notice-malformed"
    CHECK_MALFORMED = "check-malformed"
    SCAN_UNREADABLE = "scan-unreadable"
    RATE_LIMITED = "rate-limited"
    BACKEND_UNAVAILABLE = "backend-unavailable"
    GATEWAY_UNREACHABLE = "gateway-unreachable"  # client side only: no HTTP answer at all
    UNEXPECTED = "unexpected"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    # Responses ignore unknown fields, so an older kiosk keeps working with a newer gateway.
    model_config = ConfigDict(extra="ignore")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_utc)]
ClientTxnId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
ServiceType = Literal["property-tax", "water", "waste", "rent"]
InvoiceStatus = Literal["unpaid", "partly-paid", "paid"]
IntentStatus = Literal["active", "released", "consumed", "expired"]
Cents = Annotated[int, Field(gt=0, le=99_999_999_999)]


# --- errors -------------------------------------------------------------------------------


class FieldError(_Out):
    pointer: str = Field(description="JSON Pointer (RFC 6901) into the request body")
    code: str


class Problem(_Out):
    """RFC 9457 problem details with the stable `code` and `retryable` extensions."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    code: str
    retryable: bool = False
    errors: list[FieldError] = []


# --- health -------------------------------------------------------------------------------


class Health(_Out):
    status: Literal["ok"] = "ok"
    version: str
    time: UtcDatetime


# --- invoices -----------------------------------------------------------------------------


class InvoiceSearchRequest(_Model):
    """Either notice_number + check_value (as typed), or the text of a scanned code."""

    notice_number: str | None = Field(default=None, max_length=40)
    check_value: str | None = Field(default=None, max_length=20)
    scanned: str | None = Field(default=None, max_length=600)

    @model_validator(mode="after")
    def _one_way(self) -> InvoiceSearchRequest:
        # A missing notice or check value is answered by the server as notice-/check-malformed.
        if self.scanned is not None and (self.notice_number is not None or self.check_value is not None):
            raise PydanticCustomError("search-ambiguous", "give notice_number and check_value, or scanned")
        return self


class CreditorView(_Out):
    id: str
    name: str
    reg_no: str
    iban: str


class InstalmentView(_Out):
    seq: int
    due_date: date
    amount_cents: int
    paid_cents: int


class InvoiceView(_Out):
    """An invoice as the resident's paper shows it: no personal code, no street address."""

    invoice_id: str
    notice_number: str
    service: ServiceType
    creditor: CreditorView
    period_start: date
    period_end: date
    due_date: date = Field(description="due date of the instalment due now")
    total_cents: int
    paid_cents: int
    balance_cents: int = Field(description="everything still unpaid")
    due_now_cents: int = Field(description="overdue + current instalment, what to pay today")
    status: InvoiceStatus
    payer_masked: str = Field(description="e.g. 'J*** B*****S'")
    object_kind: Literal["cadastral", "object"]
    object_ref: str = Field(description="cadastral number (11 digits) or object reference")
    instalments: list[InstalmentView]


class InvoiceSearchResponse(_Out):
    invoices: list[InvoiceView]


# --- payment intents (reservations) -------------------------------------------------------


class IntentItemIn(_Model):
    """One invoice to reserve: by the invoice_id a search returned, or notice + check value."""

    invoice_id: str | None = Field(default=None, max_length=40)
    notice_number: str | None = Field(default=None, max_length=40)
    check_value: str | None = Field(default=None, max_length=20)
    amount_cents: Cents

    @model_validator(mode="after")
    def _identified(self) -> IntentItemIn:
        if self.invoice_id is None and (self.notice_number is None or self.check_value is None):
            raise PydanticCustomError("invoice-unidentified", "give invoice_id, or notice_number and check_value")
        return self


class PaymentIntentRequest(_Model):
    client_txn_id: ClientTxnId
    items: list[IntentItemIn] = Field(min_length=1, max_length=20)
    ttl_s: int = Field(default=DEFAULT_INTENT_TTL_S, ge=1, le=3600)


class IntentItemOut(_Out):
    invoice_id: str
    notice_number: str
    service: ServiceType
    creditor_id: str
    amount_cents: int


class PaymentIntent(_Out):
    intent_id: str
    client_txn_id: str
    status: IntentStatus
    created_at: UtcDatetime
    expires_at: UtcDatetime
    total_cents: int
    items: list[IntentItemOut]


class IntentReleaseRequest(_Model):
    client_txn_id: ClientTxnId


# --- payments -----------------------------------------------------------------------------


class TerminalRef(_Model):
    """What the card terminal said (never a PAN: last 4 digits at most)."""

    terminal_id: str | None = Field(default=None, max_length=64)
    transaction_id: str | None = Field(default=None, max_length=128)
    approval_code: str | None = Field(default=None, max_length=32)
    card_last4: str | None = Field(default=None, pattern=r"^\d{4}$")
    card_brand: str | None = Field(default=None, max_length=32)
    acquirer_batch: str | None = Field(default=None, max_length=64)
    service_id: str | None = Field(default=None, max_length=32)


class AllocationIn(_Model):
    invoice_id: str = Field(max_length=40)
    amount_cents: Cents


class PaymentRequest(_Model):
    """An approved payment. Once money moved the gateway never refuses it for a business reason."""

    client_txn_id: ClientTxnId
    method: Literal["card", "cash"]
    amount_cents: Cents
    approved_at: UtcDatetime
    allocations: list[AllocationIn] | None = Field(
        default=None, max_length=20, description="default: the items of the client_txn_id's intent"
    )
    terminal: TerminalRef | None = None
    receipt_no: str | None = Field(default=None, max_length=64)


class AllocationOut(_Out):
    invoice_id: str
    notice_number: str
    service: ServiceType
    creditor_id: str
    amount_cents: int


class Payment(_Out):
    payment_id: str
    client_txn_id: str
    intent_id: str | None
    method: Literal["card", "cash"]
    amount_cents: int
    allocated_cents: int
    credit_cents: int = Field(description="overpayment kept as credit for staff to resolve")
    needs_review: bool
    flags: list[str] = Field(description="why staff must look, e.g. intent-expired, late-conflict")
    allocations: list[AllocationOut]
    approved_at: UtcDatetime
    posted_at: UtcDatetime
    receipt_no: str | None = None


class PaymentLookupRequest(_Model):
    client_txn_id: ClientTxnId


class PaymentLookupResponse(_Out):
    client_txn_id: str
    found: bool
    payment: Payment | None = None
    intent: PaymentIntent | None = None
