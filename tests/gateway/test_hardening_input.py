"""Bad input is a 4xx problem, never a 500; bodies are bounded and
the token is checked before the body is read; types are strict.

Everything runs against the real uvicorn gateway on loopback, on SQLite and PostgreSQL; raw bytes
go over a plain socket where an HTTP client would refuse to send them.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from gw_helpers import Gateway
from test_gateway_api import is_problem, key

# A valid general application: the baseline each bad-input case changes one thing of.
ANSWERS = {"subject": "Bedre ceļā", "text": "Lūdzu, salabojiet.", "full_name": "Anna Bērziņa",
           "reply_channel": "library"}


def app_body(**changes: Any) -> dict[str, Any]:
    body = {"client_application_id": f"H-{uuid.uuid4().hex[:10]}", "service_code": "general-application",
            "form_version": 1, "submitted_at": datetime.now(UTC).isoformat(), "answers": dict(ANSWERS)}
    body.update(changes)
    return body


def post_raw(c: httpx.Client, path: str, raw: bytes) -> httpx.Response:
    return c.post(path, content=raw, headers={**key(), "Content-Type": "application/json"})


def not_retryable(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    body = is_problem(resp, status, code)
    assert body["retryable"] is False
    return body


# --- finding 3: bad dates, strings and nesting are 422; unparseable bodies are 400 -------------


@pytest.mark.parametrize("submitted_at", [
    "2026-11-27T10:00:00",          # naive
    "2026-11-27",                   # date only
    "0001-01-01T00:00:00+01:00",    # near year 1 (UTC would be year 0)
    "9999-12-31T23:59:59-01:00",    # near year 9999 (UTC would be year 10000)
    "1899-06-01T00:00:00Z",         # outside any sane window
])
def test_bad_submitted_at_is_422(gw: Gateway, submitted_at: str) -> None:
    _kid, token = gw.add_kiosk()
    with gw.http(token) as c:
        r = c.post("/applications", headers=key(), json=app_body(submitted_at=submitted_at))
    body = not_retryable(r, 422, "validation-error")
    assert [e["pointer"] for e in body["errors"]] == ["/submitted_at"]


def test_submitted_in_the_future_is_422(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    with gw.http(token) as c:
        r = c.post("/applications", headers=key(), json=app_body(submitted_at="2099-01-01T00:00:00Z"))
    body = not_retryable(r, 422, "validation-error")
    assert [e["pointer"] for e in body["errors"]] == ["/submitted_at"]


@pytest.mark.parametrize("approved_at", ["9999-12-31T23:59:59Z", "0001-01-01T00:30:00+01:00",
                                         "2026-11-27T10:00:00", "2026-11-27"])
def test_bad_approved_at_is_422(gw: Gateway, approved_at: str) -> None:
    _kid, token = gw.add_kiosk()
    body = {"client_txn_id": f"h-{uuid.uuid4().hex[:8]}", "method": "card", "amount_cents": 100,
            "approved_at": approved_at}
    with gw.http(token) as c:
        r = c.post("/payments", headers=key(), json=body)
    problem = not_retryable(r, 422, "validation-error")
    assert [e["pointer"] for e in problem["errors"]] == ["/approved_at"]


def test_lone_surrogate_in_an_answer_is_422(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    raw = json.dumps(app_body()).replace('"Bedre ce\\u013c\\u0101"', '"Bedre \\ud83d"').encode()
    assert b"\\ud83d" in raw
    with gw.http(token) as c:
        r = post_raw(c, "/applications", raw)
        body = not_retryable(r, 422, "validation-error")
        assert body["errors"] == [{"pointer": "/answers/subject", "code": "invalid-unicode"}]
        # Anywhere in any request: a terminal field of a payment too.
        pay = json.dumps({"client_txn_id": "h-sur", "method": "card", "amount_cents": 100,
                          "approved_at": datetime.now(UTC).isoformat(),
                          "terminal": {"terminal_id": "T\\udc00"}}).replace("\\\\", "\\").encode()
        r = post_raw(c, "/payments", pay)
        body = not_retryable(r, 422, "validation-error")
        assert body["errors"] == [{"pointer": "/terminal/terminal_id", "code": "invalid-unicode"}]


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_answers_nested_900_deep_is_422(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    raw = json.dumps(app_body(answers="@@")).replace('"@@"', _nested(900)).encode()
    with gw.http(token) as c:
        r = post_raw(c, "/applications", raw)
    body = not_retryable(r, 422, "validation-error")
    assert len(body["errors"]) == 1 and body["errors"][0]["code"] == "too-deep"
    assert body["errors"][0]["pointer"].startswith("/answers/a/a/")


@pytest.mark.parametrize("raw", [
    b'{"client_application_id": "\xff\xfe", "answers": {}}',              # invalid UTF-8
    b'{"subject": "\xed\xa0\xbd"}',                                          # UTF-8-encoded surrogate
    ("[" * 1000 + "]" * 1000).encode(),                                       # 1000 deep
    _nested(1000).encode(),
    b'{"form_version": ' + b"9" * 5000 + b"}",                               # 5000 digits
    b'{"form_version": NaN}',                                                # not JSON
    b'{"form_version": 1e99999}',                                            # a float overflow
    b'{"a": 1',                                                              # truncated
])
def test_unparseable_bodies_are_400_malformed(gw: Gateway, raw: bytes) -> None:
    _kid, token = gw.add_kiosk()
    with gw.http(token) as c:
        for path in ("/applications", "/payments", "/invoice-searches"):
            not_retryable(post_raw(c, path, raw), 400, "malformed-body")


# --- finding 4: bounded bodies, the token first ------------------------------------------------


def _raw_http(gw: Gateway, head: str, body: bytes = b"", *, timeout: float = 5.0) -> tuple[int, str, float]:
    """Send `head` (+ `body`) on a plain socket; (status, whole answer, seconds to the answer)."""
    url = urlsplit(gw.base_url)
    sock = socket.create_connection((url.hostname, url.port), timeout=timeout)
    start = time.monotonic()
    try:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + _length(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        pytest.fail(f"no answer within {timeout} s: the server waited for the body")
    finally:
        sock.close()
    elapsed = time.monotonic() - start
    text = data.decode("utf-8", "replace")
    return int(text.split(" ", 2)[1]), text, elapsed


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def test_an_oversized_body_is_refused_before_it_is_read(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    # 52 MB announced, none of it sent: the answer must come without waiting for it.
    status, text, elapsed = _raw_http(gw, (
        "POST /api/v1/applications HTTP/1.1\nHost: gw\nContent-Type: application/json\n"
        f"Authorization: Bearer {token}\nIdempotency-Key: \"big\"\nContent-Length: 52000000\n"))
    assert status == 413, text
    assert "application/problem+json" in text and '"code":"body-too-large"' in text
    assert elapsed < 2.0


def test_a_chunked_body_over_the_limit_is_413(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(8)) + b"0\r\n\r\n"
    status, text, _ = _raw_http(gw, (
        "POST /api/v1/invoice-searches HTTP/1.1\nHost: gw\nContent-Type: application/json\n"
        f"Authorization: Bearer {token}\nTransfer-Encoding: chunked\n"), body)
    assert status == 413, text
    assert '"code":"body-too-large"' in text


def test_the_token_is_checked_before_the_body_is_read(gw: Gateway) -> None:
    # A body announced but never sent: a 401 can only come before reading it.
    for auth in ("", "Authorization: Bearer not-a-token\n"):
        status, text, elapsed = _raw_http(gw, (
            "POST /api/v1/payments HTTP/1.1\nHost: gw\nContent-Type: application/json\n"
            f"{auth}Content-Length: 4000\n"))
        assert status == 401, text
        assert '"code":"unauthenticated"' in text and elapsed < 2.0
    # And a broken body without a valid token is a 401, not a parse error.
    with gw.http("not-a-token") as c:
        is_problem(post_raw(c, "/payments", b"\xff{"), 401, "unauthenticated")


def test_a_body_under_the_limit_still_works(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    with gw.http(token) as c:
        r = c.post("/applications", headers=key(), json=app_body(answers={**ANSWERS, "text": "ā" * 3000}))
    assert r.status_code == 201, r.text


# --- finding 6: strict types, capped error lists -----------------------------------------------


@pytest.mark.parametrize("amount", ["100", True, 10.0, 1.5, None, [100]])
def test_amounts_must_be_json_integers(gw: Gateway, amount: Any) -> None:
    _kid, token = gw.add_kiosk()
    inv_id, _n, _c = gw.make_invoice(total=5000)
    intent = {"client_txn_id": f"h-{uuid.uuid4().hex[:8]}",
              "items": [{"invoice_id": inv_id, "amount_cents": amount}]}
    payment = {"client_txn_id": f"h-{uuid.uuid4().hex[:8]}", "method": "card", "amount_cents": amount,
               "approved_at": datetime.now(UTC).isoformat()}
    with gw.http(token) as c:
        r = c.post("/payment-intents", headers=key(), json=intent)
        assert [e["pointer"] for e in not_retryable(r, 422, "validation-error")["errors"]] == \
            ["/items/0/amount_cents"]
        r = c.post("/payments", headers=key(), json=payment)
        assert [e["pointer"] for e in not_retryable(r, 422, "validation-error")["errors"]] == ["/amount_cents"]


@pytest.mark.parametrize(("field", "value"), [("form_version", "1"), ("form_version", True),
                                              ("form_version", 1.0)])
def test_application_integers_are_strict(gw: Gateway, field: str, value: Any) -> None:
    _kid, token = gw.add_kiosk()
    with gw.http(token) as c:
        r = c.post("/applications", headers=key(), json=app_body(**{field: value}))
    assert [e["pointer"] for e in not_retryable(r, 422, "validation-error")["errors"]] == [f"/{field}"]


def test_ttl_must_be_an_integer(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    body = {"client_txn_id": "h-ttl", "items": [{"invoice_id": "inv-1", "amount_cents": 1}], "ttl_s": 60.0}
    with gw.http(token) as c:
        r = c.post("/payment-intents", headers=key(), json=body)
    assert [e["pointer"] for e in not_retryable(r, 422, "validation-error")["errors"]] == ["/ttl_s"]


def test_a_20000_key_body_gets_a_short_answer(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    body = {f"{i:x}": 0 for i in range(20_000)}  # about 220 kB: under the body limit
    with gw.http(token) as c:
        r = c.post("/payment-lookups", json=body)
    problem = not_retryable(r, 422, "validation-error")
    assert len(r.content) < 8_000
    assert 1 <= len(problem["errors"]) <= 20
    assert problem.get("errors_truncated") is True
