"""The desk's gateway side: operators, their sessions, lookup by person, cash, identity, reversal.

Against the real uvicorn gateway on SQLite and PostgreSQL (`gw`); the kiosk's client against it and
against the embedded demo gateway; the `kiosk gateway operator` commands in a real process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import subprocess
import sys
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from gw_helpers import Gateway
from sqlalchemy import create_engine, select
from test_gateway_api import is_problem, key

from common.personal_code import check_digit
from common.personal_code import parse as parse_code
from gateway import hash_gate
from gateway.db import session_factory
from gateway.deps import configure_applications, configure_operators
from gateway.models import (
    ApplicationRow,
    Invoice,
    Operator,
    OperatorEventRow,
    Payer,
    PaymentOperator,
    PaymentRow,
    PersonSearch,
)
from gateway.services.imports import ImportKeys
from gateway.services.operators import OperatorPolicy, add_operator
from kiosk.gateway_client import GatewayClient, GatewayInvalid, GatewayRefused

HEATING = {"full_name": "Jānis Kalniņš", "personal_code": "120375-12340", "address": "Zosēni, \"Liepas\"",
           "household_size": 3, "income_status": "low_income", "monthly_income": 64050,
           "heating_type": "wood", "firewood_m3": 12.5}
BUILDING = {"full_name": "Pēteris Ozols", "personal_code": "120375-12340", "phone": "+37120000000",
            "cadastral_number": "42010020123", "work_type": "demolish",
            "description": "Nojaukt vecu šķūni.", "planned_start": "2027-12-01",
            "planned_end": "2027-12-20", "owner_confirm": True}


@pytest.fixture(autouse=True)
def _applications_key(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    # The answers key in a temporary folder, not the user's data folder.
    if "gw" not in request.fixturenames:
        return
    gw: Gateway = request.getfixturevalue("gw")
    if getattr(gw.app.state, "applications", None) is None:
        configure_applications(gw.app, key_file=tmp_path_factory.mktemp("appkey") / "k.key")


def now_iso(gw: Gateway | None = None) -> str:
    return (gw.clock.now() if gw else datetime.now(UTC)).isoformat()


def new_operator(gw: Gateway, location: str = "zoseni", role: str = "librarian") -> tuple[str, str]:
    """A fresh operator only this test uses: (name, PIN)."""
    name = f"Anna Bērziņa {uuid.uuid4().hex[:6]}"
    with session_factory(gw.engine).begin() as s:
        return name, add_operator(s, name, location, gw.clock.now(), role=role)


def sign_in(c: httpx.Client, name: str, pin: str) -> httpx.Response:
    return c.post("/operator-sessions", json={"operator": name, "pin": pin})


def session_of(c: httpx.Client, name: str, pin: str) -> dict[str, str]:
    r = sign_in(c, name, pin)
    assert r.status_code == 201, r.text
    return {"X-Operator-Session": r.json()["session"]}


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 10**6:06d}"


def events(gw: Gateway, name: str, kind: str) -> int:
    with session_factory(gw.engine)() as s:
        op_id = s.execute(select(Operator.id).where(Operator.name == name)).scalar_one()
        return len(s.execute(select(OperatorEventRow).where(
            OperatorEventRow.operator_id == op_id, OperatorEventRow.kind == kind)).scalars().all())


def person_with_invoices(gw: Gateway, *totals_paid: tuple[int, int]) -> tuple[str, list[tuple[str, str, str]]]:
    """A payer with a fresh valid personal code and invoices of (total, paid): (code, invoices)."""
    born = date(1950, 1, 1) + timedelta(days=secrets.randbelow(18000))
    first_ten = f"{born:%d%m%y}1{secrets.randbelow(1000):03d}"
    code = first_ten + str(check_digit(first_ten))
    parse_code(code)
    invoices = []
    with session_factory(gw.engine).begin() as s:
        # Kept as the import keeps a payer: under the keyed hash of the code, with the gateway's key.
        ref = ImportKeys.derive(gw.app.state.applications.pepper).payer_ref(code)
        payer = Payer(payer_ref=ref, name="Ģirts Ļaudaks-Žūriņš", deceased=False)
        s.add(payer)
        s.flush()
        payer_id = payer.id
    for total, paid in totals_paid:
        inv = gw.make_invoice(total=total, paid=paid)
        with session_factory(gw.engine).begin() as s:
            s.get(Invoice, inv[0]).payer_id = payer_id  # type: ignore[union-attr]
        invoices.append(inv)
    return code, invoices


def application(c: httpx.Client, *, identity: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> httpx.Response:
    body: dict[str, Any] = {"client_application_id": f"a-{uuid.uuid4().hex[:10]}",
                            "service_code": "building-intent", "form_version": 1,
                            "submitted_at": now_iso(), "answers": BUILDING}
    if identity is not None:
        body["identity"] = identity
    return c.post("/applications", json=body, headers={**key(), **(headers or {})})


# --- regressions: what a kiosk token alone could do before operators existed ---------------------


def test_cash_payment_with_the_kiosk_token_alone_is_refused(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    with gw.http(token) as c:
        r = c.post("/payments", headers=key(), json={
            "client_txn_id": f"cash-{uuid.uuid4().hex[:8]}", "method": "cash", "amount_cents": 500,
            "approved_at": now_iso()})
        is_problem(r, 403, "operator-session-required")


def test_identity_confirmation_with_the_kiosk_token_alone_is_refused(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    with gw.http(token) as c:
        r = application(c)
        assert r.status_code == 201 and r.json()["status"] == "awaiting_identity", r.text
        reg = r.json()["registration_no"]
        r = c.post("/application-confirmations", headers=key(),
                   json={"registration_no": reg, "operator_id": "bibl-anna"})
        is_problem(r, 403, "operator-session-required")


def test_a_kiosks_own_identity_claim_is_not_trusted(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    with gw.http(token) as c:
        for claim in ({"assurance": "librarian_checked_id", "operator_id": "bibl-anna"}, {"assurance": "eid"}):
            r = application(c, identity=claim)
            assert r.status_code == 201, r.text
            assert r.json()["status"] == "awaiting_identity", claim


def test_cash_needs_a_session_valid_now_or_the_intents_posting_proof(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    inv_id, notice, check = gw.make_invoice(total=2500)
    txn = f"cash-{uuid.uuid4().hex[:8]}"
    with gw.http(token) as c:
        op = session_of(c, name, pin)
        r = c.post("/payment-intents", headers={**key(), **op}, json={
            "client_txn_id": txn, "items": [{"notice_number": notice, "check_value": check, "amount_cents": 2500}]})
        assert r.status_code == 201, r.text
        proof = {"X-Posting-Proof": r.json()["posting_proof"]}
        taken = now_iso(gw)
        body = {"client_txn_id": txn, "method": "cash", "amount_cents": 2500, "approved_at": taken}
        # The desk locked (session ended) before the outbox posted: the ended session alone no
        # longer covers it, whatever approved_at says; the proof its intent answered does.
        assert c.delete("/operator-sessions/current", headers=op).status_code == 204
        is_problem(c.post("/payments", headers={**key(), **op}, json=body), 401, "operator-session-invalid")
        r = c.post("/payments", headers={**key(), **op, **proof}, json=body)
        assert r.status_code == 201, r.text
        assert r.json()["method"] == "cash" and r.json()["allocated_cents"] == 2500
        # Replayed by the outbox under a new key, with no session at all: the same one payment.
        again = c.post("/payments", headers=key(), json=body)
        assert again.status_code == 200 and again.json()["payment_id"] == r.json()["payment_id"]
        # An ended session does not cover cash of a payment without a proof.
        late = {**body, "client_txn_id": f"{txn}-late", "approved_at": now_iso(gw)}
        is_problem(c.post("/payments", headers={**key(), **op}, json=late), 401, "operator-session-invalid")
    with session_factory(gw.engine)() as s:
        pays = s.execute(select(PaymentRow).where(PaymentRow.client_txn_id == txn)).scalars().all()
        assert len(pays) == 1 and pays[0].method == "cash"
        who = s.get(PaymentOperator, pays[0].id)
        assert who is not None and s.get(Operator, who.operator_id).name == name  # type: ignore[union-attr]
        assert s.get(Invoice, inv_id).paid_cents == 2500  # type: ignore[union-attr]


def test_identity_confirmed_only_by_an_operator_of_the_applications_location(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    _k2, other_token = gw.add_kiosk("cesis")
    name, pin = new_operator(gw)
    other, other_pin = new_operator(gw, "cesis")
    with gw.http(token) as c, gw.http(other_token) as c2:
        r = application(c)
        reg = r.json()["registration_no"]
        is_problem(c2.post("/application-confirmations", headers={**key(), **session_of(c2, other, other_pin)},
                           json={"registration_no": reg}), 403, "operator-forbidden")
        op = session_of(c, name, pin)
        r = c.post("/application-confirmations", headers={**key(), **op},
                   json={"registration_no": reg, "id_document": "passport", "operator_id": "someone-else"})
        assert r.status_code == 200 and r.json()["status"] == "received", r.text
        # On the operator's session (a visit the librarian took over) the claim counts at once.
        r = application(c, identity={"assurance": "librarian_checked_id"}, headers=op)
        assert r.status_code == 201 and r.json()["status"] == "received", r.text
        taken_over = r.json()["registration_no"]
    with session_factory(gw.engine)() as s:
        rows = {a.registration_no: a for a in s.execute(select(ApplicationRow).where(
            ApplicationRow.registration_no.in_([reg, taken_over]))).scalars()}
    assert rows[reg].confirmed_by == name and rows[reg].identity_assurance == "librarian_checked_id"
    assert rows[taken_over].confirmed_by == name
    assert events(gw, name, "identity-confirmed") == 1 and events(gw, name, "identity-checked") == 1


# --- sign-in, lockout, sessions ---------------------------------------------------------------


def test_sign_in_wrong_pin_is_401_and_the_right_one_opens_a_session(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c:
        listed = c.get("/operators").json()["operators"]
        assert {"name": name, "role": "librarian", "locked": False} in listed
        is_problem(sign_in(c, name, wrong(pin)), 401, "operator-sign-in-failed")
        is_problem(sign_in(c, "nobody at all", pin), 401, "operator-sign-in-failed")
        r = sign_in(c, name, pin)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["operator"] == {"name": name, "role": "librarian", "location": "zoseni"}
        assert len(body["session"]) >= 32
        expires = datetime.fromisoformat(body["expires_at"])
        assert timedelta(hours=1) < expires - gw.clock.now() <= timedelta(hours=2)
    with gw.http() as anonymous:
        is_problem(sign_in(anonymous, name, pin), 401, "unauthenticated")


def test_five_wrong_pins_at_a_kiosk_make_the_next_try_there_wait(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    # A first wait long enough that no slow machine outlasts it between two requests.
    configure_operators(gw.app, OperatorPolicy(first_wait=timedelta(minutes=10)))
    try:
        with gw.http(token) as c:
            for _ in range(3):
                is_problem(sign_in(c, name, wrong(pin)), 401, "operator-sign-in-failed")
            assert sign_in(c, name, pin).status_code == 201  # a right PIN starts the count again
            for _ in range(5):
                is_problem(sign_in(c, name, wrong(pin)), 401, "operator-sign-in-failed")
            locked = sign_in(c, name, pin)  # even the right PIN, while this kiosk waits
            is_problem(locked, 423, "operator-locked")
            assert 9 * 60 < int(locked.headers["Retry-After"]) <= 10 * 60
            assert {"name": name, "role": "librarian", "locked": True} in c.get("/operators").json()["operators"]
            gw.clock.advance(10 * 60 + 1)
            try:
                assert sign_in(c, name, pin).status_code == 201
            finally:
                gw.clock.advance(-(10 * 60 + 1))
    finally:
        configure_operators(gw.app, OperatorPolicy())
    assert events(gw, name, "pin-wrong") == 8 and events(gw, name, "locked") == 1


def test_twenty_concurrent_wrong_pins_check_at_most_five(gw: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    # Slots for all twenty, so the guesses really meet in the database (the process's bound on
    # hashing would otherwise turn most of them away with 503 before they are counted).
    monkeypatch.setattr(hash_gate, "_gate", hash_gate.HashGate(slots=20, queue=20))
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    configure_operators(gw.app, OperatorPolicy(first_wait=timedelta(minutes=10)))

    def guess(i: int) -> None:
        with gw.http(token) as c:
            barrier.wait()
            statuses.append(sign_in(c, name, f"{(int(pin) + 1 + i) % 10**6:06d}").status_code)

    try:
        threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert len(statuses) == 20 and statuses.count(401) == 5 and statuses.count(423) == 15, statuses
        # Exactly five PINs were ever checked; every other guess was refused unchecked.
        assert events(gw, name, "pin-wrong") == 5
        with gw.http(token) as c:
            is_problem(sign_in(c, name, pin), 423, "operator-locked")
    finally:
        configure_operators(gw.app, OperatorPolicy())


def test_an_operator_of_another_location_is_refused_like_a_wrong_pin(gw: Gateway) -> None:
    _k, token = gw.add_kiosk("zoseni")
    _k2, own = gw.add_kiosk("cesis")
    name, pin = new_operator(gw, "cesis")
    with gw.http(token) as c:
        is_problem(sign_in(c, name, pin), 401, "operator-sign-in-failed")
        assert name not in {o["name"] for o in c.get("/operators").json()["operators"]}
    with gw.http(own) as c:
        assert sign_in(c, name, pin).status_code == 201
    assert events(gw, name, "sign-in-failed") == 1 and events(gw, name, "pin-wrong") == 0


def test_sessions_expire_end_and_belong_to_their_kiosk(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    _k2, token2 = gw.add_kiosk()
    name, pin = new_operator(gw)
    search = {"personal_code": "230443-16069", "id_document": "id-card", "reason": "apmeklētājs pie galda"}
    with gw.http(token) as c, gw.http(token2) as c2:
        op = session_of(c, name, pin)
        assert c.post("/person-searches", json=search, headers=op).status_code == 200
        # Another kiosk's token cannot carry this kiosk's operator session.
        is_problem(c2.post("/person-searches", json=search, headers=op), 401, "operator-session-invalid")
        gw.clock.advance(2 * 3600 + 1)
        try:
            is_problem(c.post("/person-searches", json=search, headers=op), 401, "operator-session-invalid")
        finally:
            gw.clock.advance(-(2 * 3600 + 1))
        op = session_of(c, name, pin)
        assert c.delete("/operator-sessions/current", headers=op).status_code == 204
        assert c.delete("/operator-sessions/current", headers=op).status_code == 204  # again: fine
        is_problem(c.post("/person-searches", json=search, headers=op), 401, "operator-session-invalid")
        is_problem(c.delete("/operator-sessions/current"), 403, "operator-session-required")
        # Disabling an operator ends their open sessions.
        op = session_of(c, name, pin)
        with session_factory(gw.engine).begin() as s:
            from gateway.services.operators import disable_operator

            disable_operator(s, name, gw.clock.now())
        is_problem(c.post("/person-searches", json=search, headers=op), 401, "operator-session-invalid")
        is_problem(sign_in(c, name, pin), 401, "operator-sign-in-failed")


# --- lookup by person -------------------------------------------------------------------------


def test_kiosk_token_alone_gets_no_person_search(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    with gw.http(token) as c:
        r = c.post("/person-searches", json={"personal_code": "230443-16069", "id_document": "id-card",
                                             "reason": "apmeklētājs"})
        is_problem(r, 403, "operator-session-required")
        r = c.post("/person-searches", json={"personal_code": "230443-16069", "id_document": "id-card",
                                             "reason": "apmeklētājs"}, headers={"X-Operator-Session": "made-up"})
        is_problem(r, 401, "operator-session-invalid")
    with gw.http() as anonymous:
        is_problem(anonymous.post("/person-searches", json={}), 401, "unauthenticated")


def test_person_search_shows_open_invoices_and_audits_without_the_code(
        gw: Gateway, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    kid, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    code, invs = person_with_invoices(gw, (3000, 0), (5000, 1000), (700, 700))
    canonical = parse_code(code).canonical
    with gw.http(token) as c:
        op = session_of(c, name, pin)
        bad = c.post("/person-searches", headers=op, json={
            "personal_code": code[:-1] + str((int(code[-1]) + 1) % 10), "id_document": "passport",
            "reason": "pārbaude"})
        body = is_problem(bad, 422, "validation-error")
        assert body["errors"] == [{"pointer": "/personal_code", "code": "personal_code.checksum"}]
        r = c.post("/person-searches", headers=op, json={
            "personal_code": canonical, "id_document": "passport", "reason": f"maksā skaidrā naudā {code}"})
        assert r.status_code == 200, r.text
        out = r.json()
        nobody = c.post("/person-searches", headers=op, json={
            "personal_code": "32" + code[2:10] + "1", "id_document": "id-card", "reason": "pārbaude"}).json()
    assert out["found"] and out["person"]["name"] == "Ģirts Ļaudaks-Žūriņš" and not out["person"]["deceased"]
    assert out["person"]["personal_code_masked"] == parse_code(code).masked
    assert [i["invoice_id"] for i in out["invoices"]] == sorted([invs[0][0], invs[1][0]], key=lambda i: i)
    assert {i["balance_cents"] for i in out["invoices"]} == {3000, 4000}
    assert nobody == {"found": False, "person": None, "invoices": []}
    with session_factory(gw.engine)() as s:
        op_id = s.execute(select(Operator.id).where(Operator.name == name)).scalar_one()
        audit = s.execute(select(PersonSearch).where(PersonSearch.operator_id == op_id)
                          .order_by(PersonSearch.id)).scalars().all()
        assert [(a.found, a.invoice_count, a.id_document, a.reason) for a in audit] == [
            (True, 2, "passport", f"maksā skaidrā naudā {parse_code(code).masked}"), (False, 0, "id-card", "pārbaude")]
        row = {col.key: str(getattr(audit[0], col.key)) for col in PersonSearch.__table__.columns}
        assert audit[0].kiosk_id == kid and audit[0].code_masked == parse_code(code).masked
        assert len(audit[0].code_hmac) == 64
    for text in (*row.values(), caplog.text):
        assert code not in text and canonical not in text and code[6:] not in text


def test_person_searches_are_limited_per_operator(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    other, other_pin = new_operator(gw)
    search = {"personal_code": "230443-16069", "id_document": "id-card", "reason": "pārbaude"}
    configure_operators(gw.app, OperatorPolicy(searches_per_window=3))
    try:
        with gw.http(token) as c:
            op = session_of(c, name, pin)
            for _ in range(3):
                assert c.post("/person-searches", json=search, headers=op).status_code == 200
            limited = c.post("/person-searches", json=search, headers=op)
            is_problem(limited, 429, "operator-rate-limited")
            assert 0 < int(limited.headers["Retry-After"]) <= 600
            # Another operator at the same kiosk is not held up.
            assert c.post("/person-searches", json=search, headers=session_of(c, other, other_pin)).status_code == 200
    finally:
        configure_operators(gw.app, OperatorPolicy())


# --- reversals --------------------------------------------------------------------------------


def _card_payment(gw: Gateway, c: httpx.Client, total: int) -> tuple[str, str]:
    inv_id, notice, check = gw.make_invoice(total=total)
    txn = f"card-{uuid.uuid4().hex[:8]}"
    assert c.post("/payment-intents", headers=key(), json={"client_txn_id": txn, "items": [
        {"notice_number": notice, "check_value": check, "amount_cents": total}]}).status_code == 201
    r = c.post("/payments", headers=key(), json={"client_txn_id": txn, "method": "card", "amount_cents": total,
                                                  "approved_at": now_iso(gw)})
    assert r.status_code == 201, r.text
    return txn, inv_id


def test_a_same_day_card_payment_is_reversed_and_recorded(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c:
        txn, inv_id = _card_payment(gw, c, 1875)
        body = {"client_txn_id": txn, "reason": "nepareizs rēķins", "reversed_at": now_iso(gw),
                "terminal": {"terminal_id": "T1", "transaction_id": "rev-1", "service_id": "S9"}}
        is_problem(c.post("/payment-reversals", headers=key(), json=body), 403, "operator-session-required")
        op = session_of(c, name, pin)
        r = c.post("/payment-reversals", headers={**key(), **op}, json=body)
        assert r.status_code == 201, r.text
        assert r.json()["amount_cents"] == 1875 and r.json()["operator"] == name
        again = c.post("/payment-reversals", headers={**key(), **op}, json=body)
        assert again.status_code == 200 and again.json()["reversal_id"] == r.json()["reversal_id"]
        look = c.post("/payment-lookups", json={"client_txn_id": txn}).json()["payment"]
        assert "reversed" in look["flags"]
        is_problem(c.post("/payment-reversals", headers={**key(), **op},
                          json={**body, "client_txn_id": "no-such-payment"}), 404, "payment-not-found")
        # Not the same day on the gateway's clock, or cash: refused before anything changes.
        txn2, inv2 = _card_payment(gw, c, 900)
        gw.clock.advance(24 * 3600)
        try:
            op = session_of(c, name, pin)
            tomorrow = gw.clock.now().isoformat()
            is_problem(c.post("/payment-reversals", headers={**key(), **op},
                              json={**body, "client_txn_id": txn2, "reversed_at": tomorrow}), 409, "reversal-refused")
        finally:
            gw.clock.advance(-24 * 3600)
    with session_factory(gw.engine)() as s:
        assert s.get(Invoice, inv_id).paid_cents == 0  # type: ignore[union-attr]
        assert s.get(Invoice, inv2).paid_cents == 900  # type: ignore[union-attr]


# --- the kiosk's client, the demo, the CLI ----------------------------------------------------


def test_kiosk_client_signs_in_finds_a_person_and_posts_cash(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    code, invs = person_with_invoices(gw, (1200, 0), (800, 0))

    async def go() -> None:
        async with GatewayClient(gw.base_url, token, retries=0) as client:
            assert name in {o.name for o in (await client.list_operators()).operators}
            with pytest.raises(GatewayRefused) as exc:
                await client.open_operator_session(name, wrong(pin))
            assert exc.value.code == "operator-sign-in-failed" and exc.value.status == 401
            opened = await client.open_operator_session(name, pin)
            with pytest.raises(GatewayInvalid) as bad:
                await client.person_search(opened.session, "120375-12341", "id-card", "pārbaude")
            assert bad.value.field_errors[0].pointer == "/personal_code"
            found = await client.person_search(opened.session, code, "id-card", "maksā skaidrā naudā")
            assert found.person is not None and found.person.name == "Ģirts Ļaudaks-Žūriņš"
            items = [(i.notice_number, i.balance_cents) for i in found.invoices]
            checks = {n: c for _i, n, c in invs}
            txn = f"cash-{uuid.uuid4().hex[:8]}"
            from common.schema import IntentItemIn

            await client.create_intent(txn, [IntentItemIn(notice_number=n, check_value=checks[n], amount_cents=a)
                                             for n, a in items], idempotency_key=str(uuid.uuid4()),
                                       operator_session=opened.session)
            with pytest.raises(GatewayRefused) as refused:
                await client.post_payment(txn, method="cash", amount_cents=2000, approved_at=gw.clock.now(),
                                          idempotency_key=str(uuid.uuid4()))
            assert refused.value.code == "operator-session-required" and refused.value.status == 403
            paid = await client.post_payment(txn, method="cash", amount_cents=2000, approved_at=gw.clock.now(),
                                             idempotency_key=str(uuid.uuid4()), operator_session=opened.session)
            assert paid.method == "cash" and paid.allocated_cents == 2000 and not paid.needs_review
            await client.end_operator_session(opened.session)
            with pytest.raises(GatewayRefused) as ended:
                await client.person_search(opened.session, code, "id-card", "vēlreiz")
            assert ended.value.code == "operator-session-invalid"

    asyncio.run(go())


def test_demo_operator_and_demo_payer_personal_code(tmp_path: Path) -> None:
    from gateway.demo_data import PAYER_CODES, demo_invoice
    from launcher.embedded import DEMO_OPERATOR_NAME, DEMO_OPERATOR_PIN, open_embedded

    payer = demo_invoice("2026000457").payer_name
    code = parse_code(PAYER_CODES[payer]).canonical
    assert code == "230443-16069"
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert code in readme and DEMO_OPERATOR_NAME in readme and DEMO_OPERATOR_PIN in readme
    embedded = open_embedded(tmp_path)

    async def go() -> None:
        async with embedded.client(retries=0) as client:
            opened = await client.open_operator_session(DEMO_OPERATOR_NAME, DEMO_OPERATOR_PIN)
            found = await client.person_search(opened.session, code, "id-card", "demo")
            assert found.person is not None and found.person.name == payer == "Jānis Bērziņš"
            assert "2026000457" in {i.notice_number for i in found.invoices}
            receipt = await client.report_operator_event(opened.session, "ev-1", "take-over", datetime.now(UTC),
                                                         idempotency_key="k-ev-1", detail="heating-allowance")
            assert receipt.kind == "take-over" and receipt.operator == DEMO_OPERATOR_NAME

    try:
        asyncio.run(go())
        reopened = open_embedded(tmp_path)  # a second open keeps the one demo operator
        with session_factory(reopened.app.state.gateway.engine)() as s:
            assert s.execute(select(Operator.name)).scalars().all() == [DEMO_OPERATOR_NAME]
            kinds = s.execute(select(OperatorEventRow.kind).order_by(OperatorEventRow.id)).scalars().all()
            assert kinds == ["sign-in", "take-over"]
        reopened.close()
    finally:
        embedded.close()


def _kiosk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "gateway", "operator", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_cli_prints_a_one_time_pin_once_and_stores_argon2(tmp_path: Path) -> None:
    from gateway.admin import seed_demo
    from gateway.db import make_engine, migrate
    from gateway.pins import verify_pin

    url = f"sqlite:///{tmp_path / 'gw.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    seed_demo(engine)
    engine.dispose()
    env = {**os.environ, "KIOSK_DATA_DIR": str(tmp_path / "data")}
    added = _kiosk("add", "--db", url, "--name", "Māra Ķēniņa", "--location", "zoseni", "--role", "coordinator",
                   env=env)
    assert added.returncode == 0, added.stderr
    pin = added.stdout.rsplit(":", 1)[1].strip()
    assert pin.isdigit() and len(pin) >= 6 and added.stdout.count(pin) == 1 and pin not in added.stderr
    assert _kiosk("add", "--db", url, "--name", "Māra Ķēniņa", "--location", "zoseni", env=env).returncode == 1
    assert _kiosk("add", "--db", url, "--name", "X", "--location", "nowhere", env=env).returncode == 1
    listed = _kiosk("list", "--db", url, env=env)
    assert "Māra Ķēniņa\tzoseni\tcoordinator\tactive" in listed.stdout and pin not in listed.stdout
    check = create_engine(url)
    with check.connect() as conn:
        stored = conn.execute(select(Operator.pin_hash).where(Operator.name == "Māra Ķēniņa")).scalar_one()
    assert stored.startswith("$argon2id$") and pin not in stored and verify_pin(stored, pin)
    reset = _kiosk("reset-pin", "Māra Ķēniņa", "--db", url, env=env)
    new_pin = reset.stdout.rsplit(":", 1)[1].strip()
    with check.connect() as conn:
        stored = conn.execute(select(Operator.pin_hash).where(Operator.name == "Māra Ķēniņa")).scalar_one()
    assert new_pin != pin and verify_pin(stored, new_pin) and not verify_pin(stored, pin)
    assert _kiosk("disable", "Māra Ķēniņa", "--db", url, env=env).returncode == 0
    assert "Māra Ķēniņa\tzoseni\tcoordinator\tdisabled" in _kiosk("list", "--db", url, env=env).stdout
    assert _kiosk("disable", "nobody", "--db", url, env=env).returncode == 1
    check.dispose()
