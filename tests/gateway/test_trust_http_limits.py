"""A real `kiosk gateway` process bounds what one connection can make it wait for or hold: a body
that does not arrive within KAC_GATEWAY_BODY_TIMEOUT_S is 408 and writes nothing, and a request head
over 16 KiB is refused while it is still being read (docs/architecture.md, "API rules").

The process runs with a 2-second body timeout; no assertion measures time: each test waits for
the server's answer (or its closing the connection) and checks what it was.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from test_workers import _free_port, _stop, _wait_health

from gateway.admin import add_kiosk, seed_demo
from gateway.db import make_engine, migrate, session_factory
from gateway.models import PaymentRow

HOST = "127.0.0.1"
MAX_HEADER_BYTES = 16 * 1024  # the documented limit of a request head (docs/install.md)


@dataclass
class Process:
    port: int
    token: str
    db_url: str


@pytest.fixture(scope="module")
def process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    tmp = tmp_path_factory.mktemp("gw-limits")
    db_url = f"sqlite:///{tmp / 'gw.sqlite3'}"
    engine = make_engine(db_url)
    migrate(engine)
    seed_demo(engine)
    with session_factory(engine).begin() as s:
        _kid, token = add_kiosk(s, "zoseni", "limits-1")
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "KAC_APPLICATIONS_KEY_FILE": str(tmp / "k"), "KAC_GATEWAY_BODY_TIMEOUT_S": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "gateway", "--db", db_url, "--host", HOST,
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        _wait_health(f"http://{HOST}:{port}", proc)
        yield Process(port, token, db_url)
    finally:
        _stop(proc)


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one answer: (status, headers, body); (0, {}, b"") when the server just closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return 0, {}, b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split(" ", 2)[1]), headers, body


def _payments(db_url: str, txn: str) -> int:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as s:
            return len(s.query(PaymentRow).filter(PaymentRow.client_txn_id == txn).all())
    finally:
        engine.dispose()


def _payment(txn: str) -> bytes:
    return json.dumps({"client_txn_id": txn, "method": "card", "amount_cents": 100,
                       "approved_at": datetime.now(UTC).isoformat(),
                       "terminal": {"terminal_id": "SIM-POI-1", "transaction_id": "SIM1", "approval_code": "1"}
                       }).encode()


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_that_stops_coming_is_408_and_writes_nothing(process: Process, chunked: bool) -> None:
    txn = f"slow-{uuid.uuid4().hex[:10]}"
    body = _payment(txn)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = (f"POST /api/v1/payments HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {process.token}\r\nIdempotency-Key: \"{uuid.uuid4()}\"\r\n{framing}\r\n\r\n")
    part = body[: len(body) // 2]
    with socket.create_connection((HOST, process.port), timeout=60) as sock:
        sock.sendall(head.encode() + (b"%x\r\n" % len(part) + part + b"\r\n" if chunked else part))
        try:
            status, headers, answer = _answer(sock)  # the rest of the body never comes
        except TimeoutError:
            pytest.fail("the server is still waiting for the body")
    assert status == 408, answer
    assert json.loads(answer)["code"] == "body-timeout"
    assert headers.get("connection") == "close"
    assert _payments(process.db_url, txn) == 0


def test_a_body_sent_in_time_is_recorded(process: Process) -> None:
    txn = f"ok-{uuid.uuid4().hex[:10]}"
    body = _payment(txn)
    head = (f"POST /api/v1/payments HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {process.token}\r\nIdempotency-Key: \"{uuid.uuid4()}\"\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    with socket.create_connection((HOST, process.port), timeout=60) as sock:
        sock.sendall(head.encode() + body)
        status, _headers, answer = _answer(sock)
    assert status == 201, answer
    assert _payments(process.db_url, txn) == 1


def test_a_request_head_near_the_limit_still_works(process: Process) -> None:
    filler = "".join(f"X-Filler-{i}: {'a' * 90}\r\n" for i in range(MAX_HEADER_BYTES // 2 // 110))
    with socket.create_connection((HOST, process.port), timeout=60) as sock:
        sock.sendall(f"GET /api/v1/health HTTP/1.1\r\nHost: gw\r\n{filler}\r\n".encode())
        status, _headers, _answer_body = _answer(sock)
    assert status == 200


@pytest.mark.parametrize("size", [MAX_HEADER_BYTES + 2048, 200_000, 4_000_000])
def test_a_large_request_head_sent_at_once_is_refused(process: Process, size: int) -> None:
    head = f"GET /api/v1/health HTTP/1.1\r\nHost: gw\r\nX-Big: {'a' * size}\r\n\r\n".encode()
    with socket.create_connection((HOST, process.port), timeout=60) as sock:
        try:
            sock.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused while it was still being sent
        try:
            status, _headers, _body = _answer(sock)
        except ConnectionResetError:
            status = 0
    assert status in (0, 400, 431), status


def test_a_request_head_sent_slowly_is_refused_before_it_grows(process: Process) -> None:
    """A head that never ends, sent a header at a time: the server gives up on it (400, or the
    connection closed) instead of waiting for its end and keeping all of it meanwhile."""
    with socket.create_connection((HOST, process.port), timeout=60) as sock:
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: gw\r\n")
        for i in range(256):  # 256 x 4 KiB = 1 MiB, never the blank line that ends the head
            try:
                sock.sendall(f"X-Slow-{i}: {'b' * 4080}\r\n".encode())
            except (BrokenPipeError, ConnectionResetError):
                break  # the server closed the connection already
            if select.select([sock], [], [], 0)[0]:
                break  # the server answered already
        try:
            status, _headers, _body = _answer(sock)
        except ConnectionResetError:
            status = 0
        except TimeoutError:
            pytest.fail("the server is still reading a head of over 1 MiB")
    assert status in (0, 400, 431), status
