"""RFC 9457 problem+json for every error the gateway answers, with stable `code` and `retryable`.

`detail` never carries personal data or identifiers: it is a fixed sentence per code.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from common.schema import IDEMPOTENCY_HEADER, PROBLEM_MEDIA_TYPE, ErrorCode, Problem

PROBLEM_BASE = "https://kac.cesis.lv/problems/"
log = logging.getLogger(__name__)

# code -> (status, title, retryable)
CATALOG: dict[str, tuple[int, str, bool]] = {
    ErrorCode.UNAUTHENTICATED: (401, "Kiosk token missing or not valid", False),
    ErrorCode.NOT_FOUND: (404, "No such resource", False),
    ErrorCode.METHOD_NOT_ALLOWED: (405, "Method not allowed", False),
    ErrorCode.VALIDATION_ERROR: (422, "The request has invalid fields", False),
    ErrorCode.MALFORMED_BODY: (400, "The request body is not JSON", False),
    ErrorCode.IDEMPOTENCY_KEY_MISSING: (400, "Idempotency-Key header is required", False),
    ErrorCode.IDEMPOTENCY_KEY_REUSED: (422, "Idempotency-Key was used with a different body", False),
    ErrorCode.IDEMPOTENCY_IN_FLIGHT: (409, "A request with this Idempotency-Key is in progress", True),
    ErrorCode.INVOICE_NOT_FOUND: (404, "No invoice matches this notice number and check value", False),
    ErrorCode.INVOICE_ALREADY_PAID: (409, "The invoice is already paid", False),
    ErrorCode.INVOICE_RESERVED: (409, "The invoice is being paid elsewhere", True),
    ErrorCode.AMOUNT_MISMATCH: (422, "The amount exceeds what is due", False),
    ErrorCode.INTENT_NOT_FOUND: (404, "No payment intent for this transaction", False),
    ErrorCode.CLIENT_TXN_CONFLICT: (409, "This client_txn_id already has different items", False),
    ErrorCode.NOTICE_MALFORMED: (422, "A notice number has 10 digits", False),
    ErrorCode.CHECK_MALFORMED: (422, "A check value has 4 digits", False),
    ErrorCode.SCAN_UNREADABLE: (422, "The scanned code is not an invoice code", False),
    ErrorCode.RATE_LIMITED: (429, "Too many failed checks from this kiosk", True),
    ErrorCode.BACKEND_UNAVAILABLE: (503, "The service is temporarily unavailable", True),
    ErrorCode.UNEXPECTED: (500, "Unexpected server error", True),
    ErrorCode.BODY_TOO_LARGE: (413, "The request body is too large", False),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: (415, "The request body must be application/json", False),
    # Nothing was written: the same request sent again (same Idempotency-Key) is safe.
    ErrorCode.BODY_TIMEOUT: (408, "The request body did not arrive in time", True),
    ErrorCode.HEADERS_TOO_LARGE: (431, "The request headers are too large", False),
    # The librarian's desk (docs/architecture.md, "Operators").
    ErrorCode.OPERATOR_SIGN_IN_FAILED: (401, "Operator name or PIN not valid", False),
    ErrorCode.OPERATOR_LOCKED: (423, "Too many wrong PINs: the operator is locked for a while", False),
    ErrorCode.OPERATOR_WRONG_LOCATION: (403, "The operator signs in only at their own location", False),
    ErrorCode.OPERATOR_SESSION_REQUIRED: (403, "This needs a signed-in operator (X-Operator-Session)", False),
    ErrorCode.OPERATOR_SESSION_INVALID: (401, "The operator session has ended or is not valid", False),
    ErrorCode.OPERATOR_FORBIDDEN: (403, "The operator may not do this at this location", False),
    ErrorCode.OPERATOR_RATE_LIMITED: (429, "Too many person searches by this operator", True),
    ErrorCode.PAYMENT_NOT_FOUND: (404, "No such payment at this kiosk", False),
    ErrorCode.REVERSAL_REFUSED: (409, "Only a card payment of the same day can be reversed", False),
}


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem+json."""

    def __init__(
        self,
        code: str,
        *,
        status: int | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        default_status, title, retryable = CATALOG.get(code, CATALOG[ErrorCode.UNEXPECTED])
        self.code = str(code)
        self.status = status or default_status
        self.title = title
        self.retryable = retryable
        self.errors = errors or []
        self.headers = headers or {}
        super().__init__(self.code)

    def body(self, instance: str = "") -> dict[str, Any]:
        return problem_body(self.code, self.status, errors=self.errors, instance=instance)


# A body with thousands of bad fields gets the first few, not an answer larger than the request
# (docs/architecture.md, "API rules").
MAX_ERRORS = 20
MAX_POINTER = 200


def problem_body(
    code: str, status: int | None = None, *, errors: list[dict[str, str]] | None = None, instance: str = ""
) -> dict[str, Any]:
    default_status, title, retryable = CATALOG.get(code, CATALOG[ErrorCode.UNEXPECTED])
    errors = errors or []
    body = {
        "type": PROBLEM_BASE + str(code),
        "title": title,
        "status": status or default_status,
        "detail": title + ".",
        "instance": instance or f"urn:uuid:{uuid.uuid4()}",
        "code": str(code),
        "retryable": retryable,
        "errors": errors[:MAX_ERRORS],
    }
    if len(errors) > MAX_ERRORS:
        body["errors_truncated"] = True
    return body


def problem_response(exc: ProblemError) -> JSONResponse:
    headers = dict(exc.headers)
    if exc.status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(exc.body(), status_code=exc.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def pointer(loc: tuple[Any, ...] | list[Any]) -> str:
    """FastAPI's error location ('body', 'items', 0, 'amount_cents') -> JSON Pointer."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    text = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return text[:MAX_POINTER]  # a key may be as long as the body; the answer stays short


def validation_errors(errors: Any) -> list[dict[str, str]]:
    out = []
    for err in errors[: MAX_ERRORS + 1]:  # one more than shown, so the answer says it was cut
        loc = [p for p in err.get("loc", ()) if p not in ("function-after",)]
        code = str(err.get("type", "invalid"))
        ctx = err.get("ctx") or {}
        inner = ctx.get("error")
        inner_code = getattr(inner, "code", None) if isinstance(inner, Exception) else None
        if inner_code:
            code = inner_code
        out.append({"pointer": pointer(loc), "code": code})
    return out


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a route: each status answered with a problem+json `Problem`."""
    return {s: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}} for s in statuses}


def install(app: FastAPI) -> None:
    """Answer every error as problem+json: ours, validation, routing, database down, the rest."""
    @app.exception_handler(ProblemError)
    async def _problem(_req: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errs):
            return problem_response(ProblemError(ErrorCode.MALFORMED_BODY))
        if any(tuple(e.get("loc", ())) == ("header", IDEMPOTENCY_HEADER) for e in errs):
            # The header is required (and its form given) in the OpenAPI document; a missing or
            # malformed key keeps its own code.
            return problem_response(ProblemError(ErrorCode.IDEMPOTENCY_KEY_MISSING))
        return problem_response(ProblemError(ErrorCode.VALIDATION_ERROR, errors=validation_errors(errs)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED, 401: ErrorCode.UNAUTHENTICATED,
                # FastAPI's "There was an error parsing the body": the client's fault, never retryable.
                400: ErrorCode.MALFORMED_BODY, 413: ErrorCode.BODY_TOO_LARGE,
                415: ErrorCode.UNSUPPORTED_MEDIA_TYPE}.get(exc.status_code, ErrorCode.UNEXPECTED)
        # Keep the exception's headers: a 405 names the methods that are allowed (`Allow`).
        return problem_response(ProblemError(code, status=exc.status_code, headers=dict(exc.headers or {})))

    @app.exception_handler(DataError)
    async def _data(_req: Request, _exc: DataError) -> JSONResponse:
        # A value the column cannot hold (PostgreSQL's NUL, an integer out of range) that slipped
        # past validation: the request's fault, and retrying it cannot help.
        log.warning("data refused by the database: %s", type(_exc.orig).__name__)
        return problem_response(ProblemError(ErrorCode.VALIDATION_ERROR))

    @app.exception_handler(OperationalError)
    async def _db_down(_req: Request, _exc: OperationalError) -> JSONResponse:
        return problem_response(ProblemError(ErrorCode.BACKEND_UNAVAILABLE, headers={"Retry-After": "5"}))

    @app.exception_handler(Exception)
    async def _unexpected(_req: Request, _exc: Exception) -> JSONResponse:
        return problem_response(ProblemError(ErrorCode.UNEXPECTED))


def dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
