"""Cash is posted on a session valid when the gateway receives it, or on the gateway's own posting
proof: an ended session never authorises cash again, whatever `approved_at` the kiosk sends.

Before, a session that had ended (sign-out, expiry, a PIN reset) still covered any cash posting
whose `approved_at` the kiosk backdated into it. Now the intent made on a valid session answers a
`posting_proof` bound to the kiosk, the payment, its amount and the operator, valid for a bounded
time (`OperatorPolicy.posting_proof_ttl`); the outbox posts cash after the desk locked with it.
Against the real gateway on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from gw_helpers import Gateway
from test_gateway_api import is_problem, key
from test_operators import _applications_key, new_operator, session_of  # noqa: F401 (fixture)

from common.schema import POSTING_PROOF_HEADER
from gateway.db import session_factory
from gateway.models import Invoice, Operator, PaymentOperator, PaymentRow
from gateway.services.operators import OperatorPolicy, reset_pin

HOUR = 3600


def cash_intent(gw: Gateway, c: httpx.Client, op: dict[str, str] | None, total: int) -> tuple[str, str, dict]:
    """A fresh invoice reserved for cash: (client_txn_id, invoice_id, the intent's answer)."""
    inv_id, notice, check = gw.make_invoice(total=total)
    txn = f"cash-{uuid.uuid4().hex[:8]}"
    r = c.post("/payment-intents", headers={**key(), **(op or {})}, json={
        "client_txn_id": txn, "items": [{"notice_number": notice, "check_value": check, "amount_cents": total}]})
    assert r.status_code == 201, r.text
    return txn, inv_id, r.json()


def cash(txn: str, amount: int, approved_at: str) -> dict:
    return {"client_txn_id": txn, "method": "cash", "amount_cents": amount, "approved_at": approved_at}


def paid(gw: Gateway, inv_id: str) -> int:
    with session_factory(gw.engine)() as s:
        inv = s.get(Invoice, inv_id)
        assert inv is not None
        return inv.paid_cents


def taken_by(gw: Gateway, txn: str) -> str:
    with session_factory(gw.engine)() as s:
        pay = s.query(PaymentRow).filter(PaymentRow.client_txn_id == txn).one()
        who = s.get(PaymentOperator, pay.id)
        assert who is not None
        op = s.get(Operator, who.operator_id)
        assert op is not None
        return op.name


@pytest.mark.parametrize("ended_by", ["sign-out", "expiry", "pin-reset"])
def test_an_ended_session_does_not_authorise_cash_backdated_into_it(gw: Gateway, ended_by: str) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    advanced = 0.0
    with gw.http(token) as c:
        op = session_of(c, name, pin)
        txn, inv_id, _intent = cash_intent(gw, c, op, 1500)
        inside = gw.clock.now().isoformat()  # a moment the session was open
        if ended_by == "sign-out":
            assert c.delete("/operator-sessions/current", headers=op).status_code == 204
        elif ended_by == "expiry":
            advanced = OperatorPolicy().session_ttl.total_seconds() + 60
            gw.clock.advance(advanced)
        else:
            with session_factory(gw.engine).begin() as s:
                reset_pin(s, name, gw.clock.now())
        try:
            r = c.post("/payments", headers={**key(), **op}, json=cash(txn, 1500, inside))
            is_problem(r, 401, "operator-session-invalid")
        finally:
            gw.clock.advance(-advanced)
    assert paid(gw, inv_id) == 0


def test_the_intents_posting_proof_posts_the_cash_after_the_desk_locked(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c:
        op = session_of(c, name, pin)
        txn, inv_id, intent = cash_intent(gw, c, op, 2400)
        proof = intent["posting_proof"]
        assert proof and proof != op["X-Operator-Session"]
        assert c.delete("/operator-sessions/current", headers=op).status_code == 204
        # The outbox posts it later, with the proof and no session (the desk locked meanwhile).
        gw.clock.advance(3 * HOUR)
        try:
            r = c.post("/payments", headers={**key(), POSTING_PROOF_HEADER: proof},
                       json=cash(txn, 2400, gw.clock.now().isoformat()))
        finally:
            gw.clock.advance(-3 * HOUR)
        assert r.status_code == 201, r.text
        assert r.json()["allocated_cents"] == 2400
    assert paid(gw, inv_id) == 2400
    assert taken_by(gw, txn) == name


def test_a_posting_proof_binds_its_kiosk_payment_and_amount_and_expires(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    _k2, other_token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c, gw.http(other_token) as other:
        op = session_of(c, name, pin)
        txn, inv_id, intent = cash_intent(gw, c, op, 1800)
        txn2, inv2, _ = cash_intent(gw, c, None, 1800)
        proof = {POSTING_PROOF_HEADER: intent["posting_proof"]}
        assert c.delete("/operator-sessions/current", headers=op).status_code == 204
        now = gw.clock.now().isoformat()
        is_problem(c.post("/payments", headers={**key(), **proof}, json=cash(txn, 1900, now)),
                   401, "operator-session-invalid")
        is_problem(c.post("/payments", headers={**key(), **proof}, json=cash(txn2, 1800, now)),
                   401, "operator-session-invalid")
        is_problem(other.post("/payments", headers={**key(), **proof}, json=cash(txn, 1800, now)),
                   401, "operator-session-invalid")
        is_problem(c.post("/payments", headers={**key(), POSTING_PROOF_HEADER: "x" * 43},
                          json=cash(txn, 1800, now)), 401, "operator-session-invalid")
        # Past its validity the proof is refused, however early the kiosk says the cash was taken.
        advanced = OperatorPolicy().posting_proof_ttl.total_seconds() + 60
        gw.clock.advance(advanced)
        try:
            is_problem(c.post("/payments", headers={**key(), **proof}, json=cash(txn, 1800, now)),
                       401, "operator-session-invalid")
            # A librarian signed in now posts it on their own session.
            op_now = session_of(c, name, pin)
            r = c.post("/payments", headers={**key(), **op_now}, json=cash(txn, 1800, now))
            assert r.status_code == 201, r.text
        finally:
            gw.clock.advance(-advanced)
    assert paid(gw, inv_id) == 1800 and paid(gw, inv2) == 0


def test_no_posting_proof_without_a_valid_session(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    with gw.http(token) as c:
        _txn, _inv, intent = cash_intent(gw, c, None, 500)
    assert intent.get("posting_proof") is None


def test_the_proof_is_answered_again_with_the_intent_under_its_key(gw: Gateway) -> None:
    """The kiosk journals the intent's answer; a retry under the same key (a lost answer) must give
    the same proof, even after the session ended."""
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    inv_id, notice, check = gw.make_invoice(total=800)
    body = {"client_txn_id": f"cash-{uuid.uuid4().hex[:8]}",
            "items": [{"notice_number": notice, "check_value": check, "amount_cents": 800}]}
    with gw.http(token) as c:
        op = session_of(c, name, pin)
        k = key()
        first = c.post("/payment-intents", headers={**k, **op}, json=body)
        assert first.status_code == 201, first.text
        again = c.post("/payment-intents", headers={**k, **op}, json=body)
        assert again.json()["posting_proof"] == first.json()["posting_proof"]
    assert timedelta(0) < OperatorPolicy().posting_proof_ttl <= timedelta(days=2)
    assert paid(gw, inv_id) == 0
