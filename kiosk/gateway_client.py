"""The kiosk's HTTP client for the municipality's gateway (DESIGN §4).

Every state-changing call takes the caller's `idempotency_key`: the caller journals it before the
call, and every retry here (network errors, 503, 409 in-flight) reuses it, so a posting is never
doubled. Errors are one type, `GatewayError(code, ...)`; `error_message(code, lang)` turns a code into
the plain sentence a resident sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from common.i18n import N_, gettext
from common.invoice_codes import CodeError, normalise_check, normalise_notice, parse_scanned
from common.schema import (
    API_PREFIX,
    IDEMPOTENCY_HEADER,
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
    Problem,
    TerminalRef,
)

M = TypeVar("M", bound=BaseModel)

# Statuses worth the same request again: the server may not have done it, or is still doing it.
_RETRY_STATUSES = {502, 503, 504}
_MAX_RETRY_AFTER_S = 5.0


class GatewayError(Exception):
    """A refusal or failure, by stable `code` (see common.schema.ErrorCode)."""

    def __init__(
        self,
        code: str,
        status: int = 0,
        retryable: bool = False,
        field_errors: list[FieldError] | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        self.code = code
        self.status = status
        self.retryable = retryable
        self.field_errors = field_errors or []
        self.retry_after_s = retry_after_s
        super().__init__(f"{code} (HTTP {status})" if status else code)


def _retry_after(resp: httpx.Response) -> float | None:
    raw = resp.headers.get("Retry-After")
    if raw and raw.strip().isdigit():
        return float(raw.strip())
    return None


def _to_error(resp: httpx.Response) -> GatewayError:
    try:
        problem = Problem.model_validate(resp.json())
    except (ValueError, ValidationError):
        retryable = resp.status_code >= 500
        return GatewayError(ErrorCode.UNEXPECTED, resp.status_code, retryable, retry_after_s=_retry_after(resp))
    return GatewayError(
        problem.code, resp.status_code, problem.retryable, problem.errors, retry_after_s=_retry_after(resp)
    )


def _local_code_error(exc: CodeError, pointer: str) -> GatewayError:
    return GatewayError(exc.code, 422, False, [FieldError(pointer=pointer, code=exc.code)])


class GatewayClient:
    """Async client; one instance per app, shares an httpx.AsyncClient (connection pool)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 10.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            transport=transport,
            timeout=timeout_s,
        )
        self.retries = retries
        self.backoff_s = backoff_s
        self._sleep = sleep

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> GatewayClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        out: type[M],
        body: BaseModel | None = None,
        idempotency_key: str | None = None,
    ) -> M:
        headers = {}
        if idempotency_key is not None:
            headers[IDEMPOTENCY_HEADER] = '"' + idempotency_key.replace('"', "") + '"'
        payload = body.model_dump(mode="json", exclude_none=True) if body is not None else None
        last: GatewayError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                wait = self.backoff_s * (2 ** (attempt - 1))
                if last is not None and last.retry_after_s is not None:
                    wait = max(wait, min(last.retry_after_s, _MAX_RETRY_AFTER_S))
                await self._sleep(wait)
            try:
                resp = await self._http.request(method, API_PREFIX + path, json=payload, headers=headers)
            except httpx.TransportError:
                # Connect refused, timeout, connection dropped mid-answer: the request may or may
                # not have been done; the same key makes the retry safe.
                last = GatewayError(ErrorCode.GATEWAY_UNREACHABLE, 0, True)
                continue
            if resp.status_code < 400:
                try:
                    return out.model_validate(resp.json())
                except (ValueError, ValidationError):
                    raise GatewayError(ErrorCode.UNEXPECTED, resp.status_code, False) from None
            err = _to_error(resp)
            in_flight = resp.status_code == 409 and err.code == ErrorCode.IDEMPOTENCY_IN_FLIGHT
            if resp.status_code in _RETRY_STATUSES or in_flight:
                last = err
                continue
            raise err
        assert last is not None
        raise last

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
        "We could not find an invoice with this notice number and check value. Please check both numbers on your invoice."
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
    ErrorCode.UNAUTHENTICATED: N_("This kiosk is not connected to the municipality's system. Please ask the librarian."),
    ErrorCode.UNEXPECTED: N_("Something went wrong. Please try again or ask the librarian."),
}


def error_message(code: str, lang: str) -> str:
    """The resident-facing sentence for an error code, in lang ('lv', 'en', 'ru')."""
    return gettext(_MESSAGES.get(code, _MESSAGES[ErrorCode.UNEXPECTED]), lang)


MESSAGE_CODES: tuple[str, ...] = tuple(str(c) for c in _MESSAGES)
