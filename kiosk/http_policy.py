"""How the kiosk talks HTTP to the gateway: timeouts, bounded retries, Retry-After, typed errors.

Both clients (`kiosk.gateway_client.GatewayClient`, `kiosk.applications.forms_client.FormsApiClient`) build
on `GatewayHttp`, so they retry the same answers the same way (docs/architecture.md, "API rules"):
network errors, 502-504 and 409 idempotency-in-flight are sent again with the same
`Idempotency-Key` (the caller journaled it first, so a retry never doubles a posting), waiting an
exponential back-off or the gateway's `Retry-After` when that is longer (capped, so a resident is
never left waiting on a number from the network). Anything else is raised at once.

Every failure is a `GatewayError` (stable `code`, HTTP `status`, `retryable`, `field_errors`), of
one of three kinds a caller can catch by type:

- `GatewayRetryable`: may work later (no answer, 5xx, in flight, reserved elsewhere, rate-limited);
- `GatewayInvalid`: the request's data is wrong (400/422, or refused by the kiosk's own checks);
  `field_errors` point at the fields;
- `GatewayRefused`: the gateway answered and will not do it (not authenticated, not found,
  already paid, a conflict) or answered something the kiosk cannot read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self, TypeVar

import httpx
from pydantic import ValidationError

from common.schema import API_PREFIX, IDEMPOTENCY_HEADER, ErrorCode, FieldError, Problem

T = TypeVar("T")

# Statuses worth the same request again: the server may not have done it, or is still doing it.
RETRY_STATUSES = frozenset({502, 503, 504})
# A request the gateway could not read: its data (or the kiosk's encoding of it) is wrong.
INVALID_STATUSES = frozenset({400, 422})


class GatewayError(Exception):
    """A refusal or failure, by stable `code` (see common.schema.ErrorCode).

    Raised as one of the subclasses below; `gateway_error()` picks the subclass from the answer.
    """

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


class GatewayRetryable(GatewayError):
    """It may work if tried again later: `retryable` is always true."""


class GatewayInvalid(GatewayError):
    """The request's data is wrong; `field_errors` say where. Sending it again will not help."""


class GatewayRefused(GatewayError):
    """The gateway answered and will not do it as asked (or answered something unreadable)."""


def gateway_error(
    code: str,
    status: int = 0,
    retryable: bool = False,
    field_errors: list[FieldError] | None = None,
    retry_after_s: float | None = None,
) -> GatewayError:
    """The error of the right kind: retryable first (the gateway says so), then by status."""
    kind: type[GatewayError]
    if retryable:
        kind = GatewayRetryable
    elif status in INVALID_STATUSES:
        kind = GatewayInvalid
    else:
        kind = GatewayRefused
    return kind(code, status, retryable, field_errors, retry_after_s)


def retry_after_s(resp: httpx.Response, now: datetime | None = None) -> float | None:
    """`Retry-After` in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None if absent."""
    raw = resp.headers.get("Retry-After", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return float(raw)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def problem_error(resp: httpx.Response) -> GatewayError:
    """A 4xx/5xx answer as a GatewayError, from its problem+json body when it has one."""
    after = retry_after_s(resp)
    try:
        problem = Problem.model_validate(resp.json())
    except (ValueError, ValidationError):
        return gateway_error(ErrorCode.UNEXPECTED, resp.status_code, resp.status_code >= 500,
                             retry_after_s=after)
    return gateway_error(problem.code, resp.status_code, problem.retryable, problem.errors, after)


def _worth_retrying(resp: httpx.Response, err: GatewayError) -> bool:
    in_flight = resp.status_code == 409 and err.code == ErrorCode.IDEMPOTENCY_IN_FLIGHT
    return resp.status_code in RETRY_STATUSES or in_flight


def idempotency_value(key: str) -> str:
    """The key as a Structured Field string (RFC 8941), which the gateway requires."""
    return '"' + key.replace('"', "") + '"'


class GatewayHttp:
    """One pooled `httpx.AsyncClient` with the kiosk's token, and the retry policy around it.

    `retries` is how many times a request is sent again after the first try (so at most
    `retries + 1` sends); the n-th retry waits `backoff_s * 2**(n-1)`, or the gateway's
    `Retry-After` up to `max_retry_after_s` when that is longer. `sleep` is injectable for tests.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 10.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        max_retry_after_s: float = 5.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be 0 or more")
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            transport=transport,
            timeout=timeout_s,
        )
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_retry_after_s = max_retry_after_s
        self._sleep = sleep

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def delay_s(self, retry: int, last: GatewayError | None) -> float:
        """The wait before retry number `retry` (1, 2, ...)."""
        wait = self.backoff_s * 2.0 ** (retry - 1)
        if last is not None and last.retry_after_s is not None:
            wait = max(wait, min(last.retry_after_s, self.max_retry_after_s))
        return wait

    async def send(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        json: Any = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> T:
        """Send (and resend, per the policy) one request to `path` under the API prefix; `parse`
        turns the JSON answer into T. `headers` go with every send (e.g. `X-Operator-Session`).

        A success whose body `parse` refuses (ValueError, pydantic's ValidationError) is a
        `GatewayRefused` "unexpected": the same request would get the same answer.
        """
        headers = dict(headers or {})
        if idempotency_key is not None:
            headers[IDEMPOTENCY_HEADER] = idempotency_value(idempotency_key)
        last: GatewayError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                await self._sleep(self.delay_s(attempt, last))
            try:
                resp = await self._http.request(method, API_PREFIX + path, json=json, headers=headers)
            except httpx.TransportError:
                # Connect refused, timeout, connection dropped mid-answer: the request may or may
                # not have been done; the same key makes the retry safe.
                last = gateway_error(ErrorCode.GATEWAY_UNREACHABLE, 0, True)
                continue
            if resp.status_code < 400:
                try:
                    return parse(resp.json() if resp.content else None)  # 204: no body
                except (ValueError, ValidationError):
                    raise gateway_error(ErrorCode.UNEXPECTED, resp.status_code, False) from None
            err = problem_error(resp)
            if not _worth_retrying(resp, err):
                raise err
            last = err
        assert last is not None
        raise last
