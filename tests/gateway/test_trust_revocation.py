"""A request opened before its kiosk token was revoked or rotated (or before its operator signed
out) writes nothing when its body comes later: the token and the session are checked again in the
transaction that writes (docs/architecture.md, "API rules"). On SQLite and PostgreSQL.

Each request is sent with `Expect: 100-continue`: the server answers "100 Continue" only when the
app asks for the body, which the guard does after it has authenticated the token — so the test
revokes after that event, not after a guessed moment.
"""

from __future__ import annotations

import json
import socket
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from gw_helpers import Gateway
from ops_helpers import key, run_cli
from sqlalchemy import func, select
from test_service_events import desk

from gateway.db import session_factory
from gateway.models import OperatorEventRow, PaymentRow


class OpenRequest:
    """A chunked POST whose head was sent and authenticated, its body not sent yet."""

    def __init__(self, gw: Gateway, path: str, headers: dict[str, str]) -> None:
        url = urlsplit(gw.base_url)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=30)
        head = [f"POST {path} HTTP/1.1", "Host: gw", "Content-Type: application/json",
                "Transfer-Encoding: chunked", "Expect: 100-continue",
                *(f"{k}: {v}" for k, v in headers.items())]
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:  # the event: the app asked for the body
            chunk = self.sock.recv(65536)
            assert chunk, "the server closed the connection before asking for the body"
            self.buf += chunk
        first, _, self.buf = self.buf.partition(b"\r\n\r\n")
        assert first.startswith(b"HTTP/1.1 100"), first

    def finish(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Send the body, in two chunks; (status, JSON answer)."""
        data = json.dumps(body).encode()
        half = len(data) // 2
        for part in (data[:half], data[half:]):
            self.sock.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
        self.sock.sendall(b"0\r\n\r\n")
        data = self.buf
        try:
            while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + _length(data):
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            self.sock.close()
        head, _, rest = data.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), json.loads(rest or b"null")


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def _intent(gw: Gateway, token: str) -> dict[str, Any]:
    """A reserved invoice and the card payment a kiosk would post for it."""
    _inv, notice, check = gw.make_invoice(total=1000)
    txn = f"rv-{uuid.uuid4().hex[:12]}"
    with gw.http(token) as c:
        found = c.post("/invoice-searches", json={"notice_number": notice, "check_value": check})
        inv_id = found.json()["invoices"][0]["invoice_id"]
        r = c.post("/payment-intents", headers=key(), json={
            "client_txn_id": txn, "items": [{"invoice_id": inv_id, "amount_cents": 1000}]})
        assert r.status_code == 201, r.text
    return {"client_txn_id": txn, "method": "card", "amount_cents": 1000,
            "approved_at": datetime.now(UTC).isoformat(),
            "terminal": {"terminal_id": "SIM-POI-1", "transaction_id": f"SIM{txn[-8:]}", "approval_code": "1"}}


def _payments(gw: Gateway, txns: list[str]) -> int:
    with session_factory(gw.engine)() as s:
        return int(s.execute(select(func.count()).select_from(PaymentRow)
                             .where(PaymentRow.client_txn_id.in_(txns))).scalar_one())


@pytest.mark.parametrize("command", ["revoke", "rotate-token"])
def test_payments_opened_before_the_token_was_turned_off_are_not_recorded(
        gw: Gateway, capsys: pytest.CaptureFixture[str], command: str) -> None:
    kiosk_id, token = gw.add_kiosk()
    bodies = [_intent(gw, token) for _ in range(3)]
    auth = {"Authorization": f"Bearer {token}"}
    opened = [OpenRequest(gw, "/api/v1/payments", {**auth, **key()}) for _ in bodies]
    code, _out, err = run_cli(capsys, "gateway", "kiosk", command, "--db", gw.db_url, kiosk_id)
    assert code == 0, err
    for request, body in zip(opened, bodies, strict=True):
        status, answer = request.finish(body)
        assert status == 401, answer
        assert answer["code"] == "unauthenticated"
    assert _payments(gw, [b["client_txn_id"] for b in bodies]) == 0


def test_a_request_opened_before_the_operator_signed_out_is_not_recorded(gw: Gateway) -> None:
    token, _name, operator = desk(gw)
    auth = {"Authorization": f"Bearer {token}"}
    request = OpenRequest(gw, "/api/v1/operator-events", {**auth, **operator, **key()})
    with gw.http(token) as c:
        assert c.delete("/operator-sessions/current", headers=operator).status_code == 204
    event_id = f"ev-{uuid.uuid4().hex}"
    status, answer = request.finish({"client_event_id": event_id, "kind": "take-over",
                                     "occurred_at": datetime.now(UTC).isoformat(), "detail": "payment"})
    assert (status, answer["code"]) == (401, "operator-session-invalid"), answer
    with session_factory(gw.engine)() as s:
        assert s.execute(select(OperatorEventRow).where(OperatorEventRow.client_event_id == event_id)).first() is None


def test_a_request_still_sent_with_a_valid_token_is_recorded(gw: Gateway) -> None:
    _kiosk_id, token = gw.add_kiosk()
    body = _intent(gw, token)
    request = OpenRequest(gw, "/api/v1/payments", {"Authorization": f"Bearer {token}", **key()})
    status, answer = request.finish(body)
    assert status == 201, answer
    assert _payments(gw, [body["client_txn_id"]]) == 1
