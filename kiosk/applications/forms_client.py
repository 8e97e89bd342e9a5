"""HTTP calls for services, form definitions and applications (docs/architecture.md, "Applications").

The same conventions as `GatewayClient`, from the same base (`kiosk.http_policy.GatewayHttp`):
bearer token, `Idempotency-Key` as a Structured Field string, problem+json turned into a typed
`GatewayError`; network errors, 502-504 and 409 in-flight are retried with the same key (the caller
journaled it first), honouring `Retry-After`; anything else is raised at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from kiosk.http_policy import GatewayHttp


def _object(data: Any) -> dict[str, Any]:
    """Every forms endpoint answers a JSON object; anything else is an unreadable answer."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


class FormsApiClient(GatewayHttp):
    def __init__(self, base_url: str, token: str, *,
                 transport: httpx.AsyncBaseTransport | None = None, timeout_s: float = 10.0,
                 retries: int = 2, backoff_s: float = 0.5,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        # Two retries by default (the payment client has three): a submission that still fails
        # stays in the journal's outbox and is sent again from there.
        super().__init__(base_url, token, transport=transport, timeout_s=timeout_s, retries=retries,
                         backoff_s=backoff_s, sleep=sleep)

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
                    idempotency_key: str | None = None) -> dict[str, Any]:
        return await self.send(method, path, _object, json=body, idempotency_key=idempotency_key)

    async def list_services(self) -> list[dict[str, Any]]:
        return list((await self._call("GET", "/services"))["services"])

    async def get_form(self, service_code: str) -> dict[str, Any]:
        """{"definition": KF1 JSON, "json_schema": JSON Schema 2020-12}."""
        return await self._call("GET", f"/services/{service_code}/form")

    async def submit_application(self, body: dict[str, Any], *,
                                 idempotency_key: str) -> dict[str, Any]:
        """The ApplicationReceipt: application_id, registration_no, status, received_at, ..."""
        return await self._call("POST", "/applications", body, idempotency_key)

