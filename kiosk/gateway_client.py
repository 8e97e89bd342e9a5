"""The kiosk's HTTP client for the municipality's gateway (docs/architecture.md, "API rules").

Every state-changing call takes the caller's `idempotency_key`: the caller journals it before the
call, and every retry (network errors, 502-504, 409 in-flight; see `kiosk.http_policy`) reuses it,
so a posting is never doubled. Errors are `GatewayError`s of three kinds — `GatewayRetryable`,
`GatewayInvalid`, `GatewayRefused` — each with a stable `code`; `error_message(code, lang)` turns a
code into the plain sentence a resident sees.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from common.i18n import N_, gettext
from common.invoice_codes import CodeError, normalise_check, normalise_notice, parse_scanned
from common.schema import (
    AllocationIn,
    ErrorCode,
    FieldError,
    Health,
    IntentItemIn,
    IntentReleaseRequest,
    InvoiceSearchRequest,
    InvoiceSearchResponse,
    Payment,
    PaymentIntent,
    PaymentIntentRequest,
    PaymentLookupRequest,
    PaymentLookupResponse,
    PaymentRequest,
    TerminalRef,
)
from kiosk.http_policy import GatewayError as GatewayError
from kiosk.http_policy import GatewayHttp, gateway_error
from kiosk.http_policy import GatewayInvalid as GatewayInvalid
from kiosk.http_policy import GatewayRefused as GatewayRefused
from kiosk.http_policy import GatewayRetryable as GatewayRetryable

M = TypeVar("M", bound=BaseModel)


def _local_code_error(exc: CodeError, pointer: str) -> GatewayError:
    return gateway_error(exc.code, 422, False, [FieldError(pointer=pointer, code=exc.code)])


class GatewayClient(GatewayHttp):
    """Async client for invoices and payments; one instance per app (shares a connection pool).

    Timeouts, retries and Retry-After are `kiosk.http_policy.GatewayHttp`'s; defaults: 10 s, three
    retries, 0.5 s back-off doubling.
    """

    async def _request(
        self,
        method: str,
        path: str,
        out: type[M],
        body: BaseModel | None = None,
        idempotency_key: str | None = None,
    ) -> M:
        payload = body.model_dump(mode="json", exclude_none=True) if body is not None else None
        return await self.send(method, path, out.model_validate, json=payload, idempotency_key=idempotency_key)

    # --- calls ---------------------------------------------------------------------------

    async def health(self) -> Health:
        return await self._request("GET", "/health", Health)

    async def search_invoices(self, notice_number: str, check_value: str) -> InvoiceSearchResponse:
        """Checked locally first, so a typo costs no round trip and no failed-check count."""
        try:
            notice = normalise_notice(notice_number)
        except CodeError as exc:
            raise _local_code_error(exc, "/notice_number") from None
        try:
            check = normalise_check(check_value)
        except CodeError as exc:
            raise _local_code_error(exc, "/check_value") from None
        body = InvoiceSearchRequest(notice_number=notice, check_value=check)
        return await self._request("POST", "/invoice-searches", InvoiceSearchResponse, body)

    async def search_scanned(self, text: str) -> InvoiceSearchResponse:
        try:
            parse_scanned(text)
        except CodeError as exc:
            raise _local_code_error(exc, "/scanned") from None
        body = InvoiceSearchRequest(scanned=text)
        return await self._request("POST", "/invoice-searches", InvoiceSearchResponse, body)

    async def create_intent(
        self,
        client_txn_id: str,
        items: list[IntentItemIn] | list[tuple[str, int]],
        *,
        idempotency_key: str,
        ttl_s: int | None = None,
    ) -> PaymentIntent:
        """Reserve invoices: items as IntentItemIn or (invoice_id, amount_cents) pairs."""
        parsed = [
            it if isinstance(it, IntentItemIn) else IntentItemIn(invoice_id=it[0], amount_cents=it[1]) for it in items
        ]
        fields: dict[str, Any] = {"client_txn_id": client_txn_id, "items": parsed}
        if ttl_s is not None:
            fields["ttl_s"] = ttl_s
        body = PaymentIntentRequest(**fields)
        return await self._request("POST", "/payment-intents", PaymentIntent, body, idempotency_key)

    async def release_intent(self, client_txn_id: str, *, idempotency_key: str) -> PaymentIntent:
        body = IntentReleaseRequest(client_txn_id=client_txn_id)
        return await self._request("POST", "/payment-intent-releases", PaymentIntent, body, idempotency_key)

    async def post_payment(
        self,
        client_txn_id: str,
        *,
        method: str,
        amount_cents: int,
        approved_at: datetime,
        idempotency_key: str,
        allocations: list[AllocationIn] | list[tuple[str, int]] | None = None,
        terminal: TerminalRef | dict[str, Any] | None = None,
        receipt_no: str | None = None,
    ) -> Payment:
        allocs = None
        if allocations is not None:
            allocs = [
                a if isinstance(a, AllocationIn) else AllocationIn(invoice_id=a[0], amount_cents=a[1])
                for a in allocations
            ]
        term = TerminalRef.model_validate(terminal) if isinstance(terminal, dict) else terminal
        body = PaymentRequest(
            client_txn_id=client_txn_id,
            method=method,  # type: ignore[arg-type]
            amount_cents=amount_cents,
            approved_at=approved_at,
            allocations=allocs,
            terminal=term,
            receipt_no=receipt_no,
        )
        return await self._request("POST", "/payments", Payment, body, idempotency_key)

    async def lookup_payment(self, client_txn_id: str) -> PaymentLookupResponse:
        body = PaymentLookupRequest(client_txn_id=client_txn_id)
        return await self._request("POST", "/payment-lookups", PaymentLookupResponse, body)


# --- plain-language messages --------------------------------------------------------------

_MESSAGES: dict[str, str] = {
    ErrorCode.INVOICE_NOT_FOUND: N_(
        "We could not find an invoice with this notice number and check value. "
        "Please check both numbers on your invoice."
    ),
    ErrorCode.INVOICE_ALREADY_PAID: N_("This invoice has already been paid. Nothing more is due."),
    ErrorCode.INVOICE_RESERVED: N_(
        "This invoice is being paid at the moment elsewhere. Please try again in a few minutes."
    ),
    ErrorCode.RATE_LIMITED: N_(
        "Too many unsuccessful attempts. Please wait ten minutes or ask the librarian for help."
    ),
    ErrorCode.GATEWAY_UNREACHABLE: N_(
        "The municipality's system cannot be reached right now. Please try again later or ask the librarian."
    ),
    ErrorCode.BACKEND_UNAVAILABLE: N_(
        "The municipality's system is temporarily unavailable. Please try again in a few minutes."
    ),
    ErrorCode.AMOUNT_MISMATCH: N_("The amount is more than is due on this invoice."),
    ErrorCode.NOTICE_MALFORMED: N_("The notice number has 10 digits. Please check it on your invoice."),
    ErrorCode.CHECK_MALFORMED: N_("The check value has 4 digits. Please check it on your invoice."),
    ErrorCode.SCAN_UNREADABLE: N_(
        "This code could not be read as an invoice. Please scan the code on your invoice or type the numbers."
    ),
    ErrorCode.INTENT_NOT_FOUND: N_("This payment has expired. Please start again."),
    ErrorCode.UNAUTHENTICATED: N_(
        "This kiosk is not connected to the municipality's system. Please ask the librarian."
    ),
    ErrorCode.UNEXPECTED: N_("Something went wrong. Please try again or ask the librarian."),
}


def error_message(code: str, lang: str) -> str:
    """The resident-facing sentence for an error code, in lang ('lv', 'en', 'ru')."""
    return gettext(_MESSAGES.get(code, _MESSAGES[ErrorCode.UNEXPECTED]), lang)


MESSAGE_CODES: tuple[str, ...] = tuple(str(c) for c in _MESSAGES)
