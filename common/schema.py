"""The gateway API's request/response models: the one module the kiosk's client shares.

Money is int euro cents; times are RFC 3339 UTC (timezone-aware; serialised with `Z`). Request
models forbid unknown fields, so a typo is a 422 naming the field and the Idempotency-Key
fingerprint covers every field the server reads.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from common.personal_code import mask_codes

# Re-exported: the field types every API model shares.
from common.schema_types import TIME_WINDOW as TIME_WINDOW
from common.schema_types import Identifier as Identifier
from common.schema_types import MaskedText as MaskedText
from common.schema_types import UtcDatetime as UtcDatetime

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
    BODY_TOO_LARGE = "body-too-large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
    BODY_TIMEOUT = "body-timeout"
    HEADERS_TOO_LARGE = "headers-too-large"
    # The librarian's desk (docs/architecture.md, "Operators"): sign-in, sessions, person lookup.
    OPERATOR_SIGN_IN_FAILED = "operator-sign-in-failed"
    OPERATOR_LOCKED = "operator-locked"
    OPERATOR_WRONG_LOCATION = "operator-wrong-location"
    OPERATOR_SESSION_REQUIRED = "operator-session-required"
    OPERATOR_SESSION_INVALID = "operator-session-invalid"
    OPERATOR_FORBIDDEN = "operator-forbidden"
    OPERATOR_RATE_LIMITED = "operator-rate-limited"
    PAYMENT_NOT_FOUND = "payment-not-found"
    REVERSAL_REFUSED = "reversal-refused"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    # Responses ignore unknown fields, so an older kiosk keeps working with a newer gateway.
    model_config = ConfigDict(extra="ignore")


ClientTxnId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
ServiceType = Literal["property-tax", "water", "waste", "rent"]
InvoiceStatus = Literal["unpaid", "partly-paid", "paid"]
IntentStatus = Literal["active", "released", "consumed", "expired"]
# Strict: a JSON integer only; "100", true and 10.0 are refused (docs/architecture.md, "API rules").
Cents = Annotated[StrictInt, Field(gt=0, le=99_999_999_999)]


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
    errors_truncated: bool = Field(default=False, description="more field errors than `errors` lists")


# --- health -------------------------------------------------------------------------------


class Health(_Out):
    status: Literal["ok"] = "ok"
    version: str
    time: UtcDatetime


# --- invoices -----------------------------------------------------------------------------


class InvoiceSearchRequest(_Model):
    """Either notice_number + check_value (as typed), or the text of a scanned code."""

    # The OpenAPI document states the rule `_one_way` and the server keep (docs/architecture.md,
    # "API rules"): the typed pair, or the scan alone.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"oneOf": [
        {"required": ["notice_number", "check_value"],
         "properties": {"notice_number": {"type": "string"}, "check_value": {"type": "string"},
                        "scanned": {"type": "null"}}},
        {"required": ["scanned"],
         "properties": {"scanned": {"type": "string"}, "notice_number": {"type": "null"},
                        "check_value": {"type": "null"}}},
    ]})

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


class LastPaymentView(_Out):
    """A paid invoice's latest payment at a kiosk or desk: when, where, its receipt (issue 13)."""

    paid_at: datetime
    place: str = Field(description="the library's name, as residents know it")
    receipt_no: str | None = None


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
    last_payment: LastPaymentView | None = Field(default=None, description="only when paid")


class InvoiceSearchResponse(_Out):
    invoices: list[InvoiceView]


# --- payment intents (reservations) -------------------------------------------------------


class IntentItemIn(_Model):
    """One invoice to reserve: by the invoice_id a search returned, or notice + check value."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"required": ["invoice_id"], "properties": {"invoice_id": {"type": "string"}}},
        {"required": ["notice_number", "check_value"],
         "properties": {"notice_number": {"type": "string"}, "check_value": {"type": "string"}}},
    ]})

    invoice_id: Identifier | None = Field(default=None, max_length=40)
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
    ttl_s: StrictInt = Field(default=DEFAULT_INTENT_TTL_S, ge=1, le=3600)


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
    posting_proof: str | None = Field(
        default=None, description="made on an operator session: sent as X-Posting-Proof, it lets this "
        "payment's cash post after the session ended, for a bounded time")


class IntentReleaseRequest(_Model):
    client_txn_id: ClientTxnId


# --- payments -----------------------------------------------------------------------------


class TerminalRef(_Model):
    """What the card terminal said (never a PAN: last 4 digits at most)."""

    terminal_id: Identifier | None = Field(default=None, max_length=64)
    transaction_id: Identifier | None = Field(default=None, max_length=128)
    approval_code: Identifier | None = Field(default=None, max_length=32)
    card_last4: str | None = Field(default=None, pattern=r"^\d{4}$")
    card_brand: Identifier | None = Field(default=None, max_length=32)
    acquirer_batch: Identifier | None = Field(default=None, max_length=64)
    service_id: Identifier | None = Field(default=None, max_length=32)


class AllocationIn(_Model):
    invoice_id: Identifier = Field(max_length=40)
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
    receipt_no: Identifier | None = Field(default=None, max_length=64)


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


# --- kiosk status (heartbeat; docs/architecture.md, "Running unattended") -------------------

PrinterStateName = Literal["ok", "paper_near_end", "paper_out", "cover_open", "offline", "unknown"]
KioskProblem = Literal["never-seen", "not-seen", "paper-out", "paper-near-end", "cover-open",
                       "printer-offline", "terminal-unreachable", "review-waiting"]


class KioskStatusReport(_Model):
    """What a kiosk reports every minute. No personal data: counts, states and a short error
    summary (the logger's last ERROR line, never a payload)."""

    sent_at: UtcDatetime
    version: Annotated[Identifier, AfterValidator(mask_codes)] = Field(max_length=40)
    # Bounded by their columns (uptime BIGINT, the counts INTEGER): a larger number is a 422, not
    # a database error (docs/architecture.md, "API rules").
    uptime_s: StrictInt = Field(ge=0, le=2**53 - 1)
    printer_state: PrinterStateName
    terminal_reachable: StrictBool | None = Field(description="null: not checked (a payment was in flight)")
    outbox_len: StrictInt = Field(ge=0, le=2**31 - 1)
    review_len: StrictInt = Field(ge=0, le=2**31 - 1)
    last_error: MaskedText = Field(default="", max_length=200)


class KioskStatusAck(_Out):
    received_at: UtcDatetime
    problems: list[KioskProblem]


# --- terminal reconciliation at day end (docs/architecture.md, "Operations") ---------------


class TerminalTotal(_Model):
    """One line of the card terminal's Reconciliation totals (per brand and currency)."""

    brand: Identifier = Field(max_length=32)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    count: int = Field(strict=True, ge=0, le=1_000_000)
    amount_cents: int = Field(strict=True, ge=0, le=99_999_999_999)


class TerminalReconciliationReport(_Model):
    """What the terminal's Reconciliation said at day end, for the Riga day `business_date`."""

    terminal_id: Identifier = Field(min_length=1, max_length=64)
    reconciliation_id: Identifier = Field(min_length=1, max_length=64, description="the terminal's POIReconciliationID")
    business_date: date
    reconciled_at: UtcDatetime
    totals: list[TerminalTotal] = Field(max_length=50)


class TerminalReconciliationAck(_Out):
    business_date: date
    card_count: int = Field(description="EUR transactions in the report")
    card_cents: int
    received_at: UtcDatetime
