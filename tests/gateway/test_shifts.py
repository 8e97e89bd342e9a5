"""Shifts and cash handovers against the real uvicorn gateway on SQLite and PostgreSQL: the expected
cash is the gateway's own sum (float + the shift's cash payments - handovers), a difference needs a
reason, one open shift per kiosk, and a shift left open over midnight is flagged
(docs/architecture.md, "Counters, shifts and statistics")."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from gw_helpers import Gateway
from sqlalchemy import update
from test_gateway_api import is_problem, key
from test_service_events import desk, sign_in

from gateway.db import session_factory
from gateway.models import Shift


def pay(c: httpx.Client, headers: dict[str, str], method: str, cents: int, at: Any) -> dict[str, Any]:
    r = c.post("/payments", headers={**key(), **headers}, json={
        "client_txn_id": f"{method}-{uuid.uuid4().hex[:10]}", "method": method, "amount_cents": cents,
        "approved_at": at.isoformat()})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def open_shift(c: httpx.Client, op: dict[str, str], float_cents: int) -> dict[str, Any]:
    r = c.post("/shifts", json={"client_shift_id": f"sh-{uuid.uuid4().hex}", "float_cents": float_cents},
               headers={**key(), **op})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def counted(*pairs: tuple[int, int]) -> list[dict[str, int]]:
    return [{"value_cents": v, "count": n} for v, n in pairs]


def test_a_shift_from_float_to_close(gw: Gateway) -> None:
    token, name, op = desk(gw, "taurene")
    with gw.http(token) as c:
        is_problem(c.get("/shifts/current", headers=op), 404, "shift-not-found")
        is_problem(c.post("/shifts", json={"client_shift_id": "x", "float_cents": 1}, headers=key()), 403,
                   "operator-session-required")
        body = {"client_shift_id": f"sh-{uuid.uuid4().hex}", "float_cents": 5000}
        first = c.post("/shifts", json=body, headers={**key(), **op})
        assert first.status_code == 201, first.text
        shift = first.json()
        assert (shift["status"], shift["opened_by"], shift["expected_cash_cents"]) == ("open", name, 5000)
        assert c.post("/shifts", json=body, headers={**key(), **op}).json()["shift_id"] == shift["shift_id"]
        is_problem(c.post("/shifts", json={"client_shift_id": "another", "float_cents": 0}, headers={**key(), **op}),
                   409, "shift-already-open")

        now = gw.clock.now()
        pay(c, op, "cash", 1250, now)
        pay(c, op, "cash", 740, now)
        pay(c, op, "card", 3000, now)
        pay(c, op, "cash", 999, now - timedelta(hours=2))  # before the shift: not in its drawer
        refunded = pay(c, op, "card", 450, now)
        assert c.post("/payment-reversals", headers={**key(), **op}, json={
            "client_txn_id": refunded["client_txn_id"], "reason": "Divreiz", "reversed_at": now.isoformat()},
        ).status_code == 201
        cur = c.get("/shifts/current", headers=op).json()
        assert cur["cash_payments"] == {"count": 2, "cents": 1990}
        assert cur["card_payments"] == {"count": 2, "cents": 3450}
        assert cur["refunds"] == {"count": 1, "cents": 450}
        assert cur["expected_cash_cents"] == 5000 + 1990 and cur["over_midnight"] is False

        h = c.post("/cash-handovers", headers={**key(), **op}, json={
            "client_handover_id": f"ho-{uuid.uuid4().hex}", "amount_cents": 2000, "bag_no": "B-1",
            "seal_no": "S-9", "receipt_from": "k.1-1", "receipt_to": "k.1-9", "collector_name": "Jānis Bērziņš",
            "handed_at": now.isoformat()})
        assert h.status_code == 201, h.text
        assert (h.json()["shift_id"], h.json()["handed_by"]) == (shift["shift_id"], name)
        expected = 5000 + 1990 - 2000
        assert c.get("/shifts/current", headers=op).json()["expected_cash_cents"] == expected

        close = f"/shifts/{shift['shift_id']}/close"
        short = counted((2000, 2), (500, 1), (200, 2), (10, 4))  # 49,40 € against 49,90 €
        r = c.post(close, json={"counted": short}, headers={**key(), **op})
        assert is_problem(r, 422, "validation-error")["errors"] == [
            {"pointer": "/difference_reason", "code": "reason-required"}]
        is_problem(c.post(close, json={"counted": counted((300, 1))}, headers={**key(), **op}), 422,
                   "validation-error")
        is_problem(c.post(close, json={"counted": short, "difference_reason": "x"}, headers=key()), 403,
                   "operator-session-required")
        r = c.post(close, json={"counted": short, "difference_reason": "Izdots par daudz atlikuma"},
                   headers={**key(), **op})
        assert r.status_code == 200, r.text
        done = r.json()
        assert (done["status"], done["expected_cash_cents"], done["counted_cash_cents"], done["difference_cents"]) == (
            "closed", expected, 4940, -50)
        assert done["difference_reason"] == "Izdots par daudz atlikuma" and done["closed_by"] == name
        assert done["counted"] == counted((2000, 2), (500, 1), (200, 2), (10, 4))
        is_problem(c.post(close, json={"counted": short, "difference_reason": "y"}, headers={**key(), **op}), 409,
                   "shift-not-open")
        is_problem(c.get("/shifts/current", headers=op), 404, "shift-not-found")
        # The next shift starts from its own float.
        assert open_shift(c, op, 700)["expected_cash_cents"] == 700


def test_exact_count_needs_no_reason_and_another_kiosks_shift_is_not_found(gw: Gateway) -> None:
    token, _name, op = desk(gw, "ridzene")
    token2, _n2, op2 = desk(gw, "ridzene")
    with gw.http(token) as c, gw.http(token2) as c2:
        shift = open_shift(c, op, 1000)
        is_problem(c2.post(f"/shifts/{shift['shift_id']}/close", json={"counted": counted((1000, 1))},
                           headers={**key(), **op2}), 404, "shift-not-found")
        r = c.post(f"/shifts/{shift['shift_id']}/close", json={"counted": counted((1000, 1))}, headers={**key(), **op})
        assert r.status_code == 200 and r.json()["difference_cents"] == 0 and r.json()["difference_reason"] is None


def test_a_shift_left_open_over_midnight_is_flagged(gw: Gateway) -> None:
    token, _name, op = desk(gw, "cesis")
    with gw.http(token) as c:
        shift = open_shift(c, op, 0)
        assert c.get("/shifts/current", headers=op).json()["over_midnight"] is False
        with session_factory(gw.engine).begin() as s:
            s.execute(update(Shift).where(Shift.id == shift["shift_id"])
                      .values(opened_at=gw.clock.now() - timedelta(days=1)))
        _other, op_next = sign_in(gw, token, "cesis")  # the next sign-in asks
        assert c.get("/shifts/current", headers=op_next).json()["over_midnight"] is True


def test_handover_rules(gw: Gateway) -> None:
    token, _name, op = desk(gw, "zoseni")
    with gw.http(token) as c:
        base = {"client_handover_id": f"ho-{uuid.uuid4().hex}", "amount_cents": 1500, "bag_no": "B-7",
                "collector_name": "SIA Inkasācija", "handed_at": gw.clock.now().isoformat()}
        is_problem(c.post("/cash-handovers", json=base, headers=key()), 403, "operator-session-required")
        is_problem(c.post("/cash-handovers", json={**base, "shift_id": "SH-nope"}, headers={**key(), **op}), 404,
                   "shift-not-found")
        is_problem(c.post("/cash-handovers", json={**base, "amount_cents": 0}, headers={**key(), **op}), 422,
                   "validation-error")
        r = c.post("/cash-handovers", json=base, headers={**key(), **op})
        assert r.status_code == 201 and r.json()["shift_id"] is None  # no shift open: stands alone
        again = c.post("/cash-handovers", json=base, headers={**key(), **op})
        assert again.status_code == 200 and again.json()["handover_id"] == r.json()["handover_id"]
