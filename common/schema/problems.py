"""Errors on the wire: RFC 9457 problem details with a stable `code` (docs/architecture.md, "API rules")."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from common.schema.base import ResponseModel


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


class FieldError(ResponseModel):
    pointer: str = Field(description="JSON Pointer (RFC 6901) into the request body")
    code: str


class Problem(ResponseModel):
    """RFC 9457 problem details with the stable `code` and `retryable` extensions."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    code: str
    retryable: bool = False
    errors: list[FieldError] = Field(default_factory=list)
    errors_truncated: bool = Field(default=False, description="more field errors than `errors` lists")
