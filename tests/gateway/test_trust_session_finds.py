"""An operator session reserves and pays only the invoices its person searches (or the kiosk's
finds by check value) returned.

Before, any operator session let the kiosk reserve any invoice id, and a card posting with
explicit allocations paid any invoice id (201, flagged `no-intent`). Now an intent refuses such an
id exactly like an unknown invoice; a posting, which is never refused once money moved, keeps its
accepted intent's invoices and turns an invoice it adds that was never found into credit for
staff, exactly like an unknown invoice. Against the real gateway on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid

import httpx
from gw_helpers import Gateway
from test_gateway_api import is_problem, key
from test_operators import (  # noqa: F401 (fixture)
    _applications_key,
    new_operator,
    person_with_invoices,
    session_of,
)

from common.personal_code import parse as parse_code
from gateway.db import session_factory
from gateway.models import Invoice

HOUR = 3600


def by_id(c: httpx.Client, op: dict[str, str] | None, inv_id: str, amount: int) -> httpx.Response:
    return c.post("/payment-intents", headers={**key(), **(op or {})}, json={
        "client_txn_id": f"tx-{uuid.uuid4().hex[:8]}", "items": [{"invoice_id": inv_id, "amount_cents": amount}]})


def card(c: httpx.Client, txn: str, amount: int, allocations: list[tuple[str, int]] | None,
         op: dict[str, str] | None = None) -> httpx.Response:
    body: dict = {"client_txn_id": txn, "method": "card", "amount_cents": amount,
                  "approved_at": "2026-01-01T10:00:00Z"}
    if allocations is not None:
        body["allocations"] = [{"invoice_id": i, "amount_cents": a} for i, a in allocations]
    return c.post("/payments", headers={**key(), **(op or {})}, json=body)


def paid(gw: Gateway, inv_id: str) -> int:
    with session_factory(gw.engine)() as s:
        inv = s.get(Invoice, inv_id)
        assert inv is not None
        return inv.paid_cents


def searched(c: httpx.Client, op: dict[str, str], code: str) -> list[str]:
    r = c.post("/person-searches", headers=op, json={
        "personal_code": parse_code(code).canonical, "id_document": "passport", "reason": "maksā"})
    assert r.status_code == 200, r.text
    return [i["invoice_id"] for i in r.json()["invoices"]]


def same_answer(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items() if k != "instance"} == {k: v for k, v in b.items() if k != "instance"}


def test_an_operator_session_cannot_reserve_an_invoice_it_never_found(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    inv_id, _notice, _check = gw.make_invoice(total=4200)
    with gw.http(token) as c:
        op = session_of(c, name, pin)
        known = is_problem(by_id(c, op, inv_id, 4200), 404, "invoice-not-found")
        unknown = is_problem(by_id(c, op, "inv-7999999999", 4200), 404, "invoice-not-found")
    assert same_answer(known, unknown)
    assert paid(gw, inv_id) == 0


def test_a_person_search_opens_its_invoices_to_that_session_only(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    other_name, other_pin = new_operator(gw)
    code, invs = person_with_invoices(gw, (1200, 0), (800, 0))
    with gw.http(token) as c:
        op = session_of(c, name, pin)
        ids = searched(c, op, code)
        assert sorted(ids) == sorted(i for i, _n, _c in invs)
        r = by_id(c, op, ids[0], 1200 if ids[0] == invs[0][0] else 800)
        assert r.status_code == 201, r.text
        # Another librarian's session at the same kiosk did not search: it gets the unknown answer.
        other = session_of(c, other_name, other_pin)
        is_problem(by_id(c, other, ids[1], 800 if ids[1] == invs[1][0] else 1200), 404, "invoice-not-found")
        # A later session of the same librarian neither: the search belonged to the one that ran it.
        assert c.delete("/operator-sessions/current", headers=op).status_code == 204
        again = session_of(c, name, pin)
        is_problem(by_id(c, again, ids[1], 800 if ids[1] == invs[1][0] else 1200), 404, "invoice-not-found")


def test_a_card_posting_does_not_pay_an_invoice_never_found(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    inv_id, _notice, _check = gw.make_invoice(total=3100)
    with gw.http(token) as c:
        op = session_of(c, name, pin)
        for headers in (None, op):  # neither the kiosk token nor an operator's session opens it
            r = card(c, f"card-{uuid.uuid4().hex[:8]}", 3100, [(inv_id, 3100)], headers)
            assert r.status_code == 201, r.text  # money moved: never refused, credit for staff
            body = r.json()
            assert body["allocated_cents"] == 0 and body["credit_cents"] == 3100 and body["needs_review"]
            assert {"no-intent", "unknown-invoice"} <= set(body["flags"])
        stray = card(c, f"card-{uuid.uuid4().hex[:8]}", 3100, [("inv-7999999998", 3100)]).json()
    assert {k: stray[k] for k in ("allocated_cents", "credit_cents", "needs_review")} == \
           {k: body[k] for k in ("allocated_cents", "credit_cents", "needs_review")}
    assert sorted(stray["flags"]) == sorted(body["flags"])
    assert paid(gw, inv_id) == 0


def test_a_posting_keeps_its_intents_invoices_and_credits_an_invoice_it_adds(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    inv_a, notice_a, check_a = gw.make_invoice(total=1000)
    inv_b, _notice_b, _check_b = gw.make_invoice(total=600)
    txn = f"card-{uuid.uuid4().hex[:8]}"
    with gw.http(token) as c:
        r = c.post("/payment-intents", headers=key(), json={"client_txn_id": txn, "items": [
            {"notice_number": notice_a, "check_value": check_a, "amount_cents": 1000}]})
        assert r.status_code == 201, r.text
        # The posting arrives after the find window: the accepted intent's invoice is still paid.
        gw.clock.advance(3 * HOUR)
        try:
            body = card(c, txn, 1600, [(inv_a, 1000), (inv_b, 600)]).json()
        finally:
            gw.clock.advance(-3 * HOUR)
    assert [a["invoice_id"] for a in body["allocations"]] == [inv_a]
    assert body["credit_cents"] == 600 and "unknown-invoice" in body["flags"]
    assert paid(gw, inv_a) == 1000 and paid(gw, inv_b) == 0


def test_a_posting_may_pay_what_the_kiosk_or_the_session_found(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    inv_found, _n, _c = gw.make_invoice(total=500, found_by=(token,))
    code, [(inv_searched, _n2, _c2)] = person_with_invoices(gw, (700, 0))
    with gw.http(token) as c:
        op = session_of(c, name, pin)
        assert searched(c, op, code) == [inv_searched]
        one = card(c, f"card-{uuid.uuid4().hex[:8]}", 500, [(inv_found, 500)]).json()
        two = card(c, f"card-{uuid.uuid4().hex[:8]}", 700, [(inv_searched, 700)], op).json()
    assert one["allocated_cents"] == 500 and two["allocated_cents"] == 700
    assert paid(gw, inv_found) == 500 and paid(gw, inv_searched) == 700
