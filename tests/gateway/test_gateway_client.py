"""kiosk.gateway_client against the real server: error mapping, retries with the same key."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from gw_helpers import Gateway

from common.invoice_codes import code128_content
from gateway.demo_data import DEMO_INVOICES
from kiosk.gateway_client import (
    MESSAGE_CODES,
    GatewayClient,
    GatewayError,
    GatewayInvalid,
    GatewayRefused,
    GatewayRetryable,
    error_message,
)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, s: float) -> None:
        self.calls.append(s)


def test_search_and_error_mapping(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    inv = DEMO_INVOICES[0]

    async def go() -> None:
        async with GatewayClient(gw.base_url, token) as c:
            assert (await c.health()).status == "ok"
            found = await c.search_invoices(inv.notice_number, inv.check_value)
            assert found.invoices[0].notice_number == inv.notice_number
            scanned = await c.search_scanned(code128_content(inv.notice_number, inv.check_value) + "\r\n")
            assert scanned.invoices[0] == found.invoices[0]
            with pytest.raises(GatewayError) as exc:
                await c.search_invoices("1999999999", "0000")
            assert (exc.value.code, exc.value.status, exc.value.retryable) == ("invoice-not-found", 404, False)
            with pytest.raises(GatewayError) as exc:
                await c.search_invoices("12 34", "0000")
            assert exc.value.code == "notice-malformed" and exc.value.field_errors[0].pointer == "/notice_number"
            with pytest.raises(GatewayError) as exc:
                await c.search_scanned("garbage\r\n")
            assert exc.value.code == "scan-unreadable"
        async with GatewayClient(gw.base_url, "wrong") as c:
            with pytest.raises(GatewayError) as exc:
                await c.search_invoices(inv.notice_number, inv.check_value)
            assert exc.value.code == "unauthenticated" and exc.value.status == 401

    run(go())


def test_full_payment_through_client(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    inv_id, notice, check = gw.make_invoice(total=2000, found_by=(token,))

    async def go() -> None:
        async with GatewayClient(gw.base_url, token) as c:
            intent = await c.create_intent("ct-1", [(inv_id, 2000)], idempotency_key="k-intent")
            assert intent.status == "active" and intent.total_cents == 2000
            with pytest.raises(GatewayError) as exc:
                await c.create_intent("ct-2", [(inv_id, 2000)], idempotency_key="k-intent-2")
            assert exc.value.code == "invoice-reserved" and exc.value.status == 409
            pay = await c.post_payment("ct-1", method="card", amount_cents=2000,
                                       approved_at=datetime.now(UTC), idempotency_key="k-pay",
                                       terminal={"terminal_id": "SIM-1", "card_last4": "0119"})
            assert pay.allocated_cents == 2000 and pay.credit_cents == 0
            look = await c.lookup_payment("ct-1")
            assert look.found and look.payment == pay and look.intent and look.intent.status == "consumed"
            with pytest.raises(GatewayError) as exc:
                await c.release_intent("never-made", idempotency_key="k-rel")
            assert exc.value.code == "intent-not-found"
            with pytest.raises(GatewayError) as exc:
                await c.create_intent("ct-3", [(inv_id, 10)], idempotency_key="k3")
            assert exc.value.code == "invoice-already-paid"
            view = (await c.search_invoices(notice, check)).invoices[0]
            assert view.status == "paid"

    run(go())


def test_unreachable_gateway_retries_then_gateway_unreachable() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    sleeps = Sleeps()

    async def go() -> None:
        async with GatewayClient(f"http://127.0.0.1:{port}", "t", retries=2, backoff_s=0.1, sleep=sleeps) as c:
            with pytest.raises(GatewayError) as exc:
                await c.post_payment("x", method="card", amount_cents=1, approved_at=datetime.now(UTC),
                                     idempotency_key="k")
            assert exc.value.code == "gateway-unreachable" and exc.value.retryable

    run(go())
    assert sleeps.calls == [0.1, 0.2]


class DropFirstProxy:
    """An HTTP/1.1 relay that forwards the first request, lets the server answer, then hangs up.

    So the server did the work but the kiosk saw a dropped connection: the worst case for a retry.
    """

    def __init__(self, upstream_port: int, drops: int = 1) -> None:
        self.upstream_port = upstream_port
        self.drops = drops
        self.keys: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_message(sock: socket.socket, buf: bytes) -> tuple[bytes, bytes] | None:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            rest += chunk
        return head + b"\r\n\r\n" + rest[:length], rest[length:]

    def _handle(self, conn: socket.socket) -> None:
        up = socket.create_connection(("127.0.0.1", self.upstream_port))
        buf = b""
        try:
            while True:
                got = self._read_message(conn, buf)
                if got is None:
                    return
                request, buf = got
                for line in request.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
                    if line.lower().startswith(b"idempotency-key:"):
                        self.keys.append(line.split(b":", 1)[1].strip().decode())
                up.sendall(request)
                resp = self._read_message(up, b"")
                if resp is None:
                    return
                with self._lock:
                    drop = self.drops > 0
                    self.drops -= 1 if drop else 0
                if drop:
                    return  # the server answered; the kiosk never hears it
                conn.sendall(resp[0])
        finally:
            conn.close()
            up.close()

    def close(self) -> None:
        self.sock.close()


def test_dropped_answer_is_retried_with_the_same_key_and_replayed(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    inv_id, notice, check = gw.make_invoice(total=3300, found_by=(token,))
    proxy = DropFirstProxy(gw.server.port)
    sleeps = Sleeps()
    key = str(uuid.uuid4())

    async def go() -> Any:
        async with GatewayClient(f"http://127.0.0.1:{proxy.port}", token, sleep=sleeps) as c:
            return await c.post_payment("drop-1", method="card", amount_cents=3300,
                                        approved_at=datetime.now(UTC), idempotency_key=key,
                                        allocations=[(inv_id, 3300)])

    try:
        pay = run(go())
    finally:
        proxy.close()
    assert proxy.keys == [f'"{key}"', f'"{key}"']  # the retry reused the journaled key
    assert len(sleeps.calls) == 1
    assert pay.allocated_cents == 3300
    with gw.http(token) as c:
        view = c.post("/invoice-searches", json={"notice_number": notice, "check_value": check}).json()["invoices"][0]
        assert view["paid_cents"] == 3300  # posted once, not twice
        replay = c.post("/payments", headers={"Idempotency-Key": f'"{key}"'}, json={
            "client_txn_id": "drop-1", "method": "card", "amount_cents": 3300,
            "approved_at": pay.approved_at.isoformat(), "allocations": [{"invoice_id": inv_id, "amount_cents": 3300}]})
        assert replay.headers["idempotent-replayed"] == "true" and replay.json()["payment_id"] == pay.payment_id


def test_every_message_code_is_translated() -> None:
    for code in [*MESSAGE_CODES, "some-future-code"]:
        texts = {lang: error_message(code, lang) for lang in ("lv", "en", "ru")}
        assert len(set(texts.values())) == 3, texts
    assert error_message("invoice-not-found", "lv").startswith("Nevarējām atrast rēķinu")


# --- the shared HTTP policy (kiosk.http_policy), against a scripted transport -------------------

def _problem(status: int, code: str, retryable: bool, **extra: Any) -> dict[str, Any]:
    return {"type": f"https://kac.cesis.lv/problems/{code}", "title": code, "status": status, "code": code,
            "retryable": retryable, **extra}


class Script:
    """An httpx.MockTransport answering from a list, recording each request's Idempotency-Key."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.keys: list[str | None] = []
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.keys.append(request.headers.get("Idempotency-Key"))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


HEALTH = httpx.Response(200, json={"status": "ok", "version": "1", "time": "2026-11-27T09:00:00Z"})


def _client(script: Script, sleeps: Sleeps, **kw: Any) -> GatewayClient:
    return GatewayClient("http://gw", "t", transport=script.transport, sleep=sleeps, **kw)


@pytest.mark.parametrize("header, waited", [("2", 2.0), ("60", 5.0), ("0", 0.5), ("soon", 0.5)])
def test_retry_after_is_honoured_and_capped(header: str, waited: float) -> None:
    script = Script(httpx.Response(503, json=_problem(503, "backend-unavailable", True),
                                   headers={"Retry-After": header}), HEALTH)
    sleeps = Sleeps()

    async def go() -> None:
        async with _client(script, sleeps) as c:
            assert (await c.health()).status == "ok"

    run(go())
    # Longer than the 0.5 s back-off: the gateway's wait; past the 5 s cap: the cap; else the back-off.
    assert sleeps.calls == [waited]


def test_retry_after_as_an_http_date() -> None:
    from datetime import timedelta
    from email.utils import format_datetime

    when = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    script = Script(httpx.Response(503, headers={"Retry-After": when}), HEALTH)
    sleeps = Sleeps()

    async def go() -> None:
        async with _client(script, sleeps) as c:
            await c.health()

    run(go())
    assert len(sleeps.calls) == 1 and 1.0 <= sleeps.calls[0] <= 3.0


def test_retries_are_bounded_and_reuse_the_key() -> None:
    script = Script(httpx.Response(503, json=_problem(503, "backend-unavailable", True),
                                   headers={"Retry-After": "1"}))
    sleeps = Sleeps()

    async def go() -> None:
        async with _client(script, sleeps, retries=2) as c:
            with pytest.raises(GatewayRetryable) as exc:
                await c.release_intent("ct-1", idempotency_key="k-1")
            assert (exc.value.code, exc.value.status, exc.value.retry_after_s) == ("backend-unavailable", 503, 1.0)

    run(go())
    assert script.keys == ['"k-1"'] * 3  # the first try and exactly two retries
    assert sleeps.calls == [1.0, 1.0]


def test_in_flight_is_retried_then_answered() -> None:
    script = Script(httpx.Response(409, json=_problem(409, "idempotency-in-flight", True)),
                    httpx.Response(200, json={"client_txn_id": "c", "found": False}))
    sleeps = Sleeps()

    async def go() -> None:
        async with _client(script, sleeps) as c:
            assert not (await c.lookup_payment("c")).found

    run(go())
    assert sleeps.calls == [0.5]


@pytest.mark.parametrize("answer, kind, code", [
    (httpx.Response(404, json=_problem(404, "invoice-not-found", False)), GatewayRefused, "invoice-not-found"),
    (httpx.Response(401, json=_problem(401, "unauthenticated", False)), GatewayRefused, "unauthenticated"),
    (httpx.Response(409, json=_problem(409, "invoice-already-paid", False)), GatewayRefused, "invoice-already-paid"),
    (httpx.Response(200, text="<html>proxy login</html>"), GatewayRefused, "unexpected"),
    (httpx.Response(422, json=_problem(422, "validation-error", False,
                                       errors=[{"pointer": "/items/0/amount_cents", "code": "too_small"}])),
     GatewayInvalid, "validation-error"),
    (httpx.Response(400, json=_problem(400, "malformed-body", False)), GatewayInvalid, "malformed-body"),
    # Retryable by the gateway's word, but not resent here: the resident decides to wait.
    (httpx.Response(429, json=_problem(429, "rate-limited", True), headers={"Retry-After": "600"}),
     GatewayRetryable, "rate-limited"),
    (httpx.Response(409, json=_problem(409, "invoice-reserved", True)), GatewayRetryable, "invoice-reserved"),
    (httpx.ConnectError("refused"), GatewayRetryable, "gateway-unreachable"),
    (httpx.Response(502, text="bad gateway"), GatewayRetryable, "unexpected"),
])
def test_every_failure_has_one_kind(answer: httpx.Response | Exception, kind: type[GatewayError], code: str) -> None:
    script = Script(answer)
    sleeps = Sleeps()

    async def go() -> GatewayError:
        async with _client(script, sleeps, retries=1) as c:
            with pytest.raises(GatewayError) as exc:
                await c.search_scanned(code128_content("2026000457", "1234"))
            return exc.value

    err = run(go())
    assert type(err) is kind and err.code == code
    assert err.retryable == (kind is GatewayRetryable)
    if kind is GatewayInvalid and err.status == 422:
        assert err.field_errors[0].pointer == "/items/0/amount_cents"
    retried = code in ("gateway-unreachable",) or (isinstance(answer, httpx.Response) and answer.status_code == 502)
    assert len(script.keys) == (2 if retried else 1)


def test_local_checks_are_invalid_without_a_request() -> None:
    script = Script(HEALTH)

    async def go() -> None:
        async with _client(script, Sleeps()) as c:
            with pytest.raises(GatewayInvalid) as exc:
                await c.search_invoices("12 34", "0000")
            assert exc.value.code == "notice-malformed" and exc.value.field_errors[0].pointer == "/notice_number"

    run(go())
    assert script.keys == []


def test_retries_must_not_be_negative() -> None:
    with pytest.raises(ValueError):
        GatewayClient("http://gw", "t", retries=-1)
