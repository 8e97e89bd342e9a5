"""kiosk.applications.forms_client under the shared HTTP policy: Retry-After, bounded retries, typed errors."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from common.schema import ApplicationReceipt
from kiosk.applications.forms_client import FormsApiClient
from kiosk.gateway_client import GatewayError, GatewayInvalid, GatewayRefused, GatewayRetryable


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, s: float) -> None:
        self.calls.append(s)


def _problem(status: int, code: str, retryable: bool, **extra: Any) -> dict[str, Any]:
    return {"title": code, "status": status, "code": code, "retryable": retryable, **extra}


class Script:
    """Answers from a list (the last one repeats); records each request's Idempotency-Key."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.keys: list[str | None] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.keys.append(request.headers.get("Idempotency-Key"))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


RECEIPT = httpx.Response(201, json={"application_id": "a1", "client_application_id": "app-1",
                                    "registration_no": "KAC-2026-000001", "status": "received",
                                    "service_code": "x", "department": "social",
                                    "received_at": "2026-03-02T10:00:00Z"})


def _submit(script: Script, sleeps: Sleeps, **kw: Any) -> ApplicationReceipt:
    async def go() -> ApplicationReceipt:
        api = FormsApiClient("http://gw", "t", transport=httpx.MockTransport(script.handle), sleep=sleeps, **kw)
        async with api:
            return await api.submit_application({"service_code": "x"}, idempotency_key="app-1")

    return asyncio.run(go())


def test_retry_after_is_honoured() -> None:
    script = Script(httpx.Response(503, json=_problem(503, "backend-unavailable", True),
                                   headers={"Retry-After": "3"}), RECEIPT)
    sleeps = Sleeps()
    assert _submit(script, sleeps).registration_no == "KAC-2026-000001"
    assert sleeps.calls == [3.0]  # the gateway's 3 s, not the 0.5 s back-off
    assert script.keys == ['"app-1"', '"app-1"']


def test_retry_after_is_capped() -> None:
    script = Script(httpx.Response(503, headers={"Retry-After": "3600"}), RECEIPT)
    sleeps = Sleeps()
    _submit(script, sleeps)
    assert sleeps.calls == [5.0]


def test_retries_are_bounded() -> None:
    script = Script(httpx.ReadError("connection reset"))
    sleeps = Sleeps()
    with pytest.raises(GatewayRetryable) as exc:
        _submit(script, sleeps)  # the default: two retries
    assert exc.value.code == "gateway-unreachable" and exc.value.retryable
    assert len(script.keys) == 3 and sleeps.calls == [0.5, 1.0]


def test_in_flight_is_retried_with_the_same_key() -> None:
    script = Script(httpx.Response(409, json=_problem(409, "idempotency-in-flight", True)), RECEIPT)
    sleeps = Sleeps()
    assert _submit(script, sleeps, retries=1).status == "received"
    assert script.keys == ['"app-1"', '"app-1"']


@pytest.mark.parametrize("answer, kind, code", [
    (httpx.Response(422, json=_problem(422, "validation-error", False,
                                       errors=[{"pointer": "/answers/q", "code": "required"}])),
     GatewayInvalid, "validation-error"),
    (httpx.Response(404, json=_problem(404, "not-found", False)), GatewayRefused, "not-found"),
    (httpx.Response(201, json=["not", "an", "object"]), GatewayRefused, "unexpected"),
    (httpx.Response(429, json=_problem(429, "rate-limited", True)), GatewayRetryable, "rate-limited"),
])
def test_errors_are_typed_and_not_retried(answer: httpx.Response, kind: type[GatewayError], code: str) -> None:
    script = Script(answer)
    sleeps = Sleeps()
    with pytest.raises(kind) as exc:
        _submit(script, sleeps)
    assert exc.value.code == code and isinstance(exc.value, GatewayError)
    assert len(script.keys) == 1 and sleeps.calls == []
    if kind is GatewayInvalid:
        assert exc.value.field_errors[0].pointer == "/answers/q"
