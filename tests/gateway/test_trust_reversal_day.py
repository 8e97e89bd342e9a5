"""A card reversal is decided on the gateway's clock, not on the times the kiosk sends.

The "same Riga day" rule used to compare the payment's `approved_at` with the `reversed_at` of the
request, both the kiosk's: a payment of 20 days ago was reversed by sending its own approval time
as `reversed_at`. Now the gateway's own day (Europe/Riga, its clock) must be the day it received
the posting and the day the kiosk says the card was approved; `reversed_at` is recorded only.
Against the real gateway on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from gw_helpers import Gateway
from sqlalchemy import select
from test_gateway_api import is_problem, key
from test_operators import _applications_key, new_operator, session_of  # noqa: F401 (fixture)

from gateway.db import session_factory
from gateway.models import Invoice, PaymentReversal

DAY = 24 * 3600


def card_payment(gw: Gateway, c: httpx.Client, total: int, approved_at: str) -> tuple[str, str]:
    inv_id, notice, check = gw.make_invoice(total=total)
    txn = f"card-{uuid.uuid4().hex[:8]}"
    assert c.post("/payment-intents", headers=key(), json={"client_txn_id": txn, "items": [
        {"notice_number": notice, "check_value": check, "amount_cents": total}]}).status_code == 201
    r = c.post("/payments", headers=key(), json={"client_txn_id": txn, "method": "card", "amount_cents": total,
                                                  "approved_at": approved_at})
    assert r.status_code == 201, r.text
    return txn, inv_id


def reverse(c: httpx.Client, op: dict[str, str], txn: str, reversed_at: str) -> httpx.Response:
    return c.post("/payment-reversals", headers={**key(), **op}, json={
        "client_txn_id": txn, "reason": "nepareizs rēķins", "reversed_at": reversed_at})


def paid(gw: Gateway, inv_id: str) -> int:
    with session_factory(gw.engine)() as s:
        inv = s.get(Invoice, inv_id)
        assert inv is not None
        return inv.paid_cents


def test_a_card_payment_of_20_days_ago_is_not_reversed_whatever_time_the_kiosk_sends(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c:
        then = gw.clock.now().isoformat()
        txn, inv_id = card_payment(gw, c, 2100, then)
        gw.clock.advance(20 * DAY)
        try:
            op = session_of(c, name, pin)
            # The kiosk claims the reversal happened the day the card was approved.
            is_problem(reverse(c, op, txn, then), 409, "reversal-refused")
            is_problem(reverse(c, op, txn, gw.clock.now().isoformat()), 409, "reversal-refused")
        finally:
            gw.clock.advance(-20 * DAY)
    assert paid(gw, inv_id) == 2100


def test_a_posting_backdated_by_the_kiosk_is_not_reversed_today(gw: Gateway) -> None:
    """The gateway received the posting today, but the kiosk says the card was approved 20 days
    ago: the terminal cannot reverse that today, so neither does the gateway (the kiosk's time may
    only narrow the rule, never widen it)."""
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c:
        long_ago = (gw.clock.now() - timedelta(days=20)).isoformat()
        txn, inv_id = card_payment(gw, c, 1300, long_ago)
        op = session_of(c, name, pin)
        is_problem(reverse(c, op, txn, long_ago), 409, "reversal-refused")
    assert paid(gw, inv_id) == 1300


def test_a_same_day_reversal_is_recorded_with_the_kiosks_time_as_sent(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c:
        txn, inv_id = card_payment(gw, c, 900, gw.clock.now().isoformat())
        op = session_of(c, name, pin)
        # A kiosk clock a day ahead does not decide: the gateway's day does; the time is recorded.
        claimed = (gw.clock.now() + timedelta(days=1)).replace(microsecond=0)
        r = reverse(c, op, txn, claimed.isoformat())
        assert r.status_code == 201, r.text
    assert paid(gw, inv_id) == 0
    with session_factory(gw.engine)() as s:
        row = s.execute(select(PaymentReversal).where(PaymentReversal.id == r.json()["reversal_id"])).scalar_one()
        assert row.reversed_at == claimed


def test_a_payment_posted_yesterday_is_not_reversed_today(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c:
        txn, inv_id = card_payment(gw, c, 700, gw.clock.now().isoformat())
        gw.clock.advance(DAY)
        try:
            op = session_of(c, name, pin)
            is_problem(reverse(c, op, txn, gw.clock.now().isoformat()), 409, "reversal-refused")
        finally:
            gw.clock.advance(-DAY)
    assert paid(gw, inv_id) == 700
