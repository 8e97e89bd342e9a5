"""The gateway API over real HTTP on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import httpx
from gw_helpers import Gateway

from common.invoice_codes import code128_content, epc_payload
from common.schema import PaymentIntentRequest
from gateway import idempotency
from gateway.demo_data import DEMO_INVOICES, demo_invoice
from gateway.models import IdempotencyRecord


def key() -> dict[str, str]:
    return {"Idempotency-Key": f'"{uuid.uuid4()}"'}


def is_problem(resp: httpx.Response, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["code"] == code and body["status"] == status
    assert {"type", "title", "detail", "instance", "retryable"} <= set(body)
    return body


def approved() -> str:
    return datetime.now(UTC).isoformat()


def test_health_needs_no_auth_and_openapi_documents_contract(gw: Gateway) -> None:
    with httpx.Client(base_url=gw.base_url) as c:
        assert c.get("/api/v1/health").json()["status"] == "ok"
        spec = c.get("/openapi.json").json()
    paths = spec["paths"]
    for p in ("/api/v1/invoice-searches", "/api/v1/payment-intents", "/api/v1/payment-intent-releases",
              "/api/v1/payments", "/api/v1/payment-lookups"):
        assert "post" in paths[p]
    assert "/api/v1/payments/status" not in paths
    # No personal identifiers in any URL: the only path parameters are a form's public code,
    # a receipt QR's signed payload (receipt number, kiosk, time, amount; no personal data) and the
    # desk's random ids of a counter tap and a shift (docs/architecture.md, "API rules").
    assert sorted(p for p in paths if "{" in p) == [
        "/api/v1/service-events/{client_event_id}", "/api/v1/services/{code}/form",
        "/api/v1/shifts/{shift_id}/close", "/r/{payload}"]


def test_unauthenticated_is_401_problem(gw: Gateway) -> None:
    inv = DEMO_INVOICES[0]
    body = {"notice_number": inv.notice_number, "check_value": inv.check_value}
    with gw.http() as c:
        is_problem(c.post("/invoice-searches", json=body), 401, "unauthenticated")
    with gw.http("not-a-token") as c:
        r = c.post("/invoice-searches", json=body)
        is_problem(r, 401, "unauthenticated")
        assert r.headers["www-authenticate"] == "Bearer"
    with httpx.Client(base_url=gw.base_url) as c:
        is_problem(c.get("/api/v1/nothing-here"), 404, "not-found")


def test_search_shows_masked_invoice_typed_or_scanned(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    inv = demo_invoice("2026000458")  # property tax, first instalment paid
    with gw.http(token) as c:
        r = c.post("/invoice-searches", json={"notice_number": "2026 000-458", "check_value": f" {inv.check_value} "})
        assert r.status_code == 200, r.text
        view = r.json()["invoices"][0]
        epc = epc_payload(creditor_name="SIA X", iban="LV92HABA0551020304050", notice_no=inv.notice_number,
                          check_value=inv.check_value, amount_cents=100)
        by_qr = c.post("/invoice-searches", json={"scanned": epc.replace("\n", "\r\n") + "\r\n"}).json()
        bar = code128_content(inv.notice_number, inv.check_value) + "\n"
        by_bar = c.post("/invoice-searches", json={"scanned": bar}).json()
    assert by_qr["invoices"][0] == view == by_bar["invoices"][0]
    assert view["payer_masked"] == "A*** K*****A"
    assert view["status"] == "partly-paid"
    assert view["paid_cents"] == inv.paid_cents and view["balance_cents"] == inv.total_cents - inv.paid_cents
    assert view["service"] == "property-tax" and view["creditor"]["name"] == "Cēsu novada pašvaldība"
    assert view["object_kind"] == "cadastral" and len(view["object_ref"]) == 11
    assert view["instalments"][0]["paid_cents"] == inv.instalments[0]
    text = r.text
    assert "Kalniņa" not in text and "payer_ref" not in text and "P100" not in text


def test_unknown_notice_and_wrong_check_look_the_same(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    inv = DEMO_INVOICES[0]
    wrong = f"{(int(inv.check_value) + 1) % 10000:04d}"
    with gw.http(token) as c:
        a = is_problem(c.post("/invoice-searches", json={"notice_number": inv.notice_number, "check_value": wrong}),
                       404, "invoice-not-found")
        b = is_problem(c.post("/invoice-searches", json={"notice_number": "1999999999", "check_value": wrong}),
                       404, "invoice-not-found")
    a.pop("instance"), b.pop("instance")
    assert a == b


def test_malformed_input_names_the_field(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    with gw.http(token) as c:
        p = is_problem(c.post("/invoice-searches", json={"notice_number": "12345", "check_value": "1234"}),
                       422, "notice-malformed")
        assert p["errors"] == [{"pointer": "/notice_number", "code": "notice-malformed"}]
        p = is_problem(c.post("/invoice-searches", json={"notice_number": "2026000457", "check_value": "12a"}),
                       422, "check-malformed")
        assert p["errors"][0]["pointer"] == "/check_value"
        is_problem(c.post("/invoice-searches", json={"scanned": "hello"}), 422, "scan-unreadable")
        p = is_problem(c.post("/payment-intents", headers=key(),
                              json={"client_txn_id": "x", "items": [{"invoice_id": "a", "amount_cents": -5}]}),
                       422, "validation-error")
        assert p["errors"][0]["pointer"] == "/items/0/amount_cents"
        is_problem(c.post("/invoice-searches", content=b"{not json", headers={"content-type": "application/json"}),
                   400, "malformed-body")


def test_five_failed_checks_then_429_for_that_kiosk_only(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    _kid2, other = gw.add_kiosk()
    inv = DEMO_INVOICES[0]
    good = {"notice_number": inv.notice_number, "check_value": inv.check_value}
    with gw.http(token) as c:
        for i in range(5):  # five notices: a kiosk has only three tries on any one notice a day
            bad = {"notice_number": f"79{i:08d}", "check_value": f"{(int(inv.check_value) + 1 + i) % 10000:04d}"}
            is_problem(c.post("/invoice-searches", json=bad), 404, "invoice-not-found")
        r = c.post("/invoice-searches", json=good)
        p = is_problem(r, 429, "rate-limited")
        assert p["retryable"] is True and 1 <= int(r.headers["retry-after"]) <= 600
    with gw.http(other) as c:
        assert c.post("/invoice-searches", json=good).status_code == 200


def test_idempotency_key_rules(gw: Gateway) -> None:
    kid, token = gw.add_kiosk()
    inv_id, _n, _c = gw.make_invoice(total=5000, found_by=(token,))
    body = {"client_txn_id": f"tx-{uuid.uuid4().hex[:8]}", "items": [{"invoice_id": inv_id, "amount_cents": 5000}]}
    k = key()
    with gw.http(token) as c:
        is_problem(c.post("/payment-intents", json=body), 400, "idempotency-key-missing")
        first = c.post("/payment-intents", json=body, headers=k)
        assert first.status_code == 201 and "idempotent-replayed" not in first.headers
        again = c.post("/payment-intents", json=body, headers=k)
        assert again.status_code == 201 and again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        changed = {**body, "items": [{"invoice_id": inv_id, "amount_cents": 4000}]}
        is_problem(c.post("/payment-intents", json=changed, headers=k), 422, "idempotency-key-reused")

        # A request still running under a key: the duplicate gets 409, retryable.
        k2 = str(uuid.uuid4())
        body2 = {"client_txn_id": body["client_txn_id"]}
        fp = idempotency.fingerprint("POST", "/api/v1/payment-intent-releases", _release_model(body2))
        with gw.app.state.gateway.sessions.begin() as s:
            s.add(IdempotencyRecord(kiosk_id=kid, key=k2, fingerprint=fp, state="in-flight", created_at=gw.clock.now()))
        p = is_problem(c.post("/payment-intent-releases", json=body2, headers={"Idempotency-Key": f'"{k2}"'}),
                       409, "idempotency-in-flight")
        assert p["retryable"] is True


def _release_model(body: dict):  # type: ignore[no-untyped-def]
    from common.schema import IntentReleaseRequest

    return IntentReleaseRequest(**body)


def test_two_kiosks_race_for_one_invoice_one_wins(gw: Gateway) -> None:
    tokens = [gw.add_kiosk()[1] for _ in range(4)]
    inv_id, _n, _c = gw.make_invoice(total=7000, found_by=tuple(tokens))
    results: list[httpx.Response] = []
    barrier = threading.Barrier(len(tokens))

    def reserve(token: str) -> None:
        with gw.http(token) as c:
            barrier.wait()
            results.append(c.post("/payment-intents", headers=key(), json={
                "client_txn_id": "same-id-other-kiosk", "items": [{"invoice_id": inv_id, "amount_cents": 7000}]}))

    threads = [threading.Thread(target=reserve, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201, 409, 409, 409], [r.text for r in results]
    for r in results:
        if r.status_code == 409:
            is_problem(r, 409, "invoice-reserved")


def test_paid_reserved_and_over_balance_refused_release_frees(gw: Gateway) -> None:
    _k1, t1 = gw.add_kiosk()
    _k2, t2 = gw.add_kiosk()
    paid_id, _n, _c = gw.make_invoice(total=3000, paid=3000, found_by=(t1,))
    open_id, notice, check = gw.make_invoice(total=3000, paid=1000, found_by=(t1, t2))
    with gw.http(t1) as c1, gw.http(t2) as c2:
        is_problem(c1.post("/payment-intents", headers=key(), json={
            "client_txn_id": "a1", "items": [{"invoice_id": paid_id, "amount_cents": 100}]}),
            409, "invoice-already-paid")
        is_problem(c1.post("/payment-intents", headers=key(), json={
            "client_txn_id": "a2", "items": [{"invoice_id": open_id, "amount_cents": 2001}]}), 422, "amount-mismatch")
        ok = c1.post("/payment-intents", headers=key(), json={
            "client_txn_id": "a3", "items": [{"notice_number": notice, "check_value": check, "amount_cents": 2000}]})
        assert ok.status_code == 201 and ok.json()["items"][0]["invoice_id"] == open_id
        is_problem(c2.post("/payment-intents", headers=key(), json={
            "client_txn_id": "b1", "items": [{"invoice_id": open_id, "amount_cents": 2000}]}), 409, "invoice-reserved")
        for _ in range(2):  # releasing twice is fine
            rel = c1.post("/payment-intent-releases", headers=key(), json={"client_txn_id": "a3"})
            assert rel.status_code == 200 and rel.json()["status"] == "released"
        assert c2.post("/payment-intents", headers=key(), json={
            "client_txn_id": "b2", "items": [{"invoice_id": open_id, "amount_cents": 2000}]}).status_code == 201


def test_payment_after_expiry_and_late_conflict_becomes_credit(gw: Gateway) -> None:
    _k1, t1 = gw.add_kiosk()
    _k2, t2 = gw.add_kiosk()
    inv_id, _n, _c = gw.make_invoice(total=4500, found_by=(t1, t2))
    item = [{"invoice_id": inv_id, "amount_cents": 4500}]
    with gw.http(t1) as c1, gw.http(t2) as c2:
        slow = {"client_txn_id": "slow", "items": item, "ttl_s": 60}
        assert c1.post("/payment-intents", headers=key(), json=slow).status_code == 201
        gw.clock.advance(61)  # kiosk 1's card payment took too long
        fast = {"client_txn_id": "fast", "items": item}
        assert c2.post("/payment-intents", headers=key(), json=fast).status_code == 201
        p2 = c2.post("/payments", headers=key(), json={
            "client_txn_id": "fast", "method": "card", "amount_cents": 4500, "approved_at": approved()})
        assert p2.status_code == 201 and p2.json()["credit_cents"] == 0 and not p2.json()["needs_review"]
        late = c1.post("/payments", headers=key(), json={
            "client_txn_id": "slow", "method": "card", "amount_cents": 4500, "approved_at": approved(),
            "terminal": {"terminal_id": "T1", "transaction_id": "abc", "card_last4": "4242"}})
    assert late.status_code == 201, late.text
    body = late.json()
    assert body["credit_cents"] == 4500 and body["allocated_cents"] == 0 and body["needs_review"]
    assert "intent-expired" in body["flags"]


def test_payment_expired_intent_still_allocates_when_nobody_else_paid(gw: Gateway) -> None:
    _k, t = gw.add_kiosk()
    inv_id, notice, check = gw.make_invoice(total=2500, found_by=(t,))
    with gw.http(t) as c:
        c.post("/payment-intents", headers=key(), json={
            "client_txn_id": "exp", "items": [{"invoice_id": inv_id, "amount_cents": 2500}], "ttl_s": 5})
        gw.clock.advance(6)
        pay = c.post("/payments", headers=key(), json={
            "client_txn_id": "exp", "method": "card", "amount_cents": 2500, "approved_at": approved()}).json()
        assert pay["allocated_cents"] == 2500 and pay["credit_cents"] == 0 and pay["flags"] == ["intent-expired"]
        view = c.post("/invoice-searches", json={"notice_number": notice, "check_value": check}).json()["invoices"][0]
    assert view["status"] == "paid" and view["balance_cents"] == 0


def test_same_client_txn_id_twice_is_one_payment(gw: Gateway) -> None:
    _k, t = gw.add_kiosk()
    inv_id, notice, check = gw.make_invoice(total=1234, found_by=(t,))
    body = {"client_txn_id": "once", "method": "card", "amount_cents": 1234, "approved_at": approved(),
            "allocations": [{"invoice_id": inv_id, "amount_cents": 1234}]}
    with gw.http(t) as c:
        lookup = c.post("/payment-lookups", json={"client_txn_id": "once"}).json()
        assert lookup["found"] is False and lookup["payment"] is None
        a = c.post("/payments", headers=key(), json=body)
        b = c.post("/payments", headers=key(), json=body)  # offline queue replayed under a new key
        assert a.status_code == 201 and b.status_code == 200
        assert a.json()["payment_id"] == b.json()["payment_id"]
        lookup = c.post("/payment-lookups", json={"client_txn_id": "once"}).json()
        assert lookup["found"] is True and lookup["payment"]["payment_id"] == a.json()["payment_id"]
        view = c.post("/invoice-searches", json={"notice_number": notice, "check_value": check}).json()["invoices"][0]
    assert view["paid_cents"] == 1234  # not 2468


def test_concurrent_duplicate_postings_under_new_keys(gw: Gateway) -> None:
    _k, t = gw.add_kiosk()
    inv_id, _n, _c = gw.make_invoice(total=900)
    body = {"client_txn_id": "dup", "method": "card", "amount_cents": 900, "approved_at": approved(),
            "allocations": [{"invoice_id": inv_id, "amount_cents": 900}]}
    out: list[httpx.Response] = []
    barrier = threading.Barrier(3)

    def post() -> None:
        with gw.http(t) as c:
            barrier.wait()
            out.append(c.post("/payments", headers=key(), json=body))

    threads = [threading.Thread(target=post) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(r.status_code for r in out) == [200, 200, 201], [r.text for r in out]
    assert len({r.json()["payment_id"] for r in out}) == 1


def test_payment_with_unknown_invoice_is_credit_not_refusal(gw: Gateway) -> None:
    _k, t = gw.add_kiosk()
    with gw.http(t) as c:
        r = c.post("/payments", headers=key(), json={
            "client_txn_id": "stray", "method": "card", "amount_cents": 700, "approved_at": approved(),
            "allocations": [{"invoice_id": "inv-nope", "amount_cents": 700}]})
    assert r.status_code == 201
    assert r.json()["credit_cents"] == 700 and set(r.json()["flags"]) >= {"no-intent", "unknown-invoice"}


def test_intent_request_model_fingerprint_ignores_key_order() -> None:
    a = PaymentIntentRequest.model_validate({"client_txn_id": "x", "items": [{"invoice_id": "i", "amount_cents": 1}]})
    b = PaymentIntentRequest.model_validate({"items": [{"amount_cents": 1, "invoice_id": "i"}], "client_txn_id": "x"})
    assert idempotency.fingerprint("POST", "/p", a) == idempotency.fingerprint("POST", "/p", b)
