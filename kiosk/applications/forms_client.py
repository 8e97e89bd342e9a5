"""HTTP calls for services, form definitions and applications (docs/architecture.md, "Applications").

The same conventions as `GatewayClient`, from the same base (`kiosk.http_policy.GatewayHttp`):
bearer token, `Idempotency-Key` as a Structured Field string, problem+json turned into a typed
`GatewayError`, answers parsed into the API's models (`common.schema.applications`); network
errors, 502-504 and 409 in-flight are retried with the same key (the caller journaled it first),
honouring `Retry-After`; anything else is raised at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from common.schema import ApplicationReceipt, Catalogue, FormDocument, ServiceEntry
from kiosk.http_policy import GatewayHttp


class FormsApiClient(GatewayHttp):
    def __init__(self, base_url: str, token: str, *,
                 transport: httpx.AsyncBaseTransport | None = None, timeout_s: float = 10.0,
                 retries: int = 2, backoff_s: float = 0.5,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        # Two retries by default (the payment client has three): a submission that still fails
        # stays in the journal's outbox and is sent again from there.
        super().__init__(base_url, token, transport=transport, timeout_s=timeout_s, retries=retries,
                         backoff_s=backoff_s, sleep=sleep)

    async def list_services(self) -> list[ServiceEntry]:
        catalogue = await self.send("GET", "/services", Catalogue.model_validate)
        return catalogue.services

    async def get_form(self, service_code: str) -> FormDocument:
        """The KF1 definition and the JSON Schema 2020-12 its answers must meet."""
        return await self.send("GET", f"/services/{service_code}/form", FormDocument.model_validate)

    async def submit_application(self, body: dict[str, Any], *, idempotency_key: str) -> ApplicationReceipt:
        """Register the journaled application `body`: its registration number and status."""
        return await self.send("POST", "/applications", ApplicationReceipt.model_validate, json=body,
                               idempotency_key=idempotency_key)
