"""HTTP calls for services, form definitions and applications (same conventions as GatewayClient).

Bearer token, `Idempotency-Key` as a Structured Field string, problem+json turned into
`GatewayError(code, status, retryable, field_errors)`; network errors, 502-504 and 409 in-flight
are retried with the same key (the caller journaled it first), anything else is raised at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from common.schema import API_PREFIX, IDEMPOTENCY_HEADER, ErrorCode
from kiosk.gateway_client import GatewayError, _to_error

_RETRY_STATUSES = {502, 503, 504}


class FormsApiClient:
    def __init__(self, base_url: str, token: str, *,
                 transport: httpx.AsyncBaseTransport | None = None, timeout_s: float = 10.0,
                 retries: int = 2, backoff_s: float = 0.5,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            transport=transport, timeout=timeout_s)
        self.retries = retries
        self.backoff_s = backoff_s
        self._sleep = sleep

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
                    idempotency_key: str | None = None) -> dict[str, Any]:
        headers = {}
        if idempotency_key is not None:
            headers[IDEMPOTENCY_HEADER] = '"' + idempotency_key.replace('"', "") + '"'
        last: GatewayError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                await self._sleep(self.backoff_s * (2 ** (attempt - 1)))
            try:
                resp = await self._http.request(method, API_PREFIX + path, json=body,
                                                headers=headers)
            except httpx.TransportError:
                last = GatewayError(ErrorCode.GATEWAY_UNREACHABLE, 0, True)
                continue
            if resp.status_code < 400:
                try:
                    data = resp.json()
                except ValueError:
                    raise GatewayError(ErrorCode.UNEXPECTED, resp.status_code, False) from None
                if not isinstance(data, dict):
                    raise GatewayError(ErrorCode.UNEXPECTED, resp.status_code, False)
                return data
            err = _to_error(resp)
            if resp.status_code in _RETRY_STATUSES or (
                    resp.status_code == 409 and err.code == ErrorCode.IDEMPOTENCY_IN_FLIGHT):
                last = err
                continue
            raise err
        assert last is not None
        raise last

    async def list_services(self) -> list[dict[str, Any]]:
        return list((await self._call("GET", "/services"))["services"])

    async def get_form(self, service_code: str) -> dict[str, Any]:
        """{"definition": KF1 JSON, "json_schema": JSON Schema 2020-12}."""
        return await self._call("GET", f"/services/{service_code}/form")

    async def submit_application(self, body: dict[str, Any], *,
                                 idempotency_key: str) -> dict[str, Any]:
        """The ApplicationReceipt: application_id, registration_no, status, received_at, ..."""
        return await self._call("POST", "/applications", body, idempotency_key)

    async def confirm_application(self, registration_no: str, operator_id: str, *,
                                  idempotency_key: str) -> dict[str, Any]:
        return await self._call("POST", "/application-confirmations",
                                {"registration_no": registration_no, "operator_id": operator_id},
                                idempotency_key)
