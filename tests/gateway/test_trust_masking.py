"""Personal codes in free text are masked however they were typed (docs/architecture.md, "Personal
data and identifiers"): with an en dash, a minus sign, spaces or a no-break space between the digit
groups, in the audit of a person search and of a reversal, in a desk event, in a kiosk's heartbeat,
and on the /admin/ page. On a real gateway, SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import uuid

import pytest
from gw_helpers import Gateway
from ops_helpers import key
from sqlalchemy import select
from test_kiosk_status import _admin_client, _report
from test_operators import _card_payment, new_operator, now_iso, session_of

from common import personal_code
from gateway.db import session_factory
from gateway.models import KioskStatusRow, Operator, OperatorEventRow, PaymentReversal, PersonSearch

CODE = "230443-16069"  # an old-style code: masked it keeps the birth date and the century digit
MASKED = "230443-1****"
VARIANTS = ["230443–16069", "230443—16069", "230443−16069", "230443‐16069", "2304 4316069", "230443 16069",
            "230443\u00a016069", "230443 – 16069", "23 04 43 16 06 9", "pk230443-16069", "230443-16069"]


@pytest.mark.parametrize("typed", VARIANTS)
def test_every_way_of_typing_a_code_is_masked(typed: str) -> None:
    prefix = "pk" if typed.startswith("pk") else ""
    assert personal_code.mask_codes(f"maksā {typed}, pēc ID") == f"maksā {prefix}{MASKED}, pēc ID"
    assert personal_code.mask_codes("32123456789 un 32 1234 56789") == "32****-***89 un 32****-***89"
    assert personal_code.mask_codes("2026-11-20 10:00, kase 12, 1234567890") == "2026-11-20 10:00, kase 12, 1234567890"


def _clean(text: str) -> None:
    assert "16069" not in text and "4316069" not in text and "6069" not in text, text


def test_codes_typed_into_a_person_search_reason_are_masked_in_the_audit(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c:
        op = session_of(c, name, pin)
        for typed in VARIANTS:
            r = c.post("/person-searches", headers=op, json={
                "personal_code": CODE, "id_document": "id-card", "reason": f"iedzīvotājs {typed} pie galda"})
            assert r.status_code == 200, r.text
    with session_factory(gw.engine)() as s:
        op_id = s.execute(select(Operator.id).where(Operator.name == name)).scalar_one()
        reasons = s.execute(select(PersonSearch.reason).where(PersonSearch.operator_id == op_id)).scalars().all()
    assert len(reasons) == len(VARIANTS)
    for reason in reasons:
        _clean(reason)
        assert MASKED in reason


def test_codes_in_a_reversal_reason_and_a_desk_event_are_masked(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c:
        op = session_of(c, name, pin)
        txn, _inv = _card_payment(gw, c, 1250)
        r = c.post("/payment-reversals", headers={**key(), **op}, json={
            "client_txn_id": txn, "reason": "maksātājs 230443 – 16069 kļūdījās", "reversed_at": now_iso(gw)})
        assert r.status_code == 201, r.text
        _clean(r.json()["reason"])
        event = c.post("/operator-events", headers={**key(), **op}, json={
            "client_event_id": f"ev-{uuid.uuid4().hex[:8]}", "kind": "take-over", "occurred_at": now_iso(gw),
            "detail": "forma 2304\u00a04316069"})
        assert event.status_code == 201, event.text
    with session_factory(gw.engine)() as s:
        reversal = s.execute(select(PaymentReversal.reason).where(
            PaymentReversal.id == r.json()["reversal_id"])).scalar_one()
        detail = s.execute(select(OperatorEventRow.detail).where(
            OperatorEventRow.id == event.json()["event_id"])).scalar_one()
    _clean(reversal)
    _clean(detail)
    assert MASKED in reversal and MASKED in detail


def test_a_code_in_a_heartbeat_is_masked_in_what_is_stored_and_on_the_admin_page(gw: Gateway) -> None:
    kiosk_id, token = gw.add_kiosk()
    with gw.http(token) as c:
        r = c.post("/kiosk-status", headers=key(), json=_report(
            version="v 230443–16069", last_error="payer 2304 4316069 refused"))
    assert r.status_code == 200, r.text
    with session_factory(gw.engine)() as s:
        row = s.get(KioskStatusRow, kiosk_id)
        assert row is not None
        _clean(row.version)
        _clean(row.last_error)
    admin = _admin_client(gw)
    try:
        page = admin.get("/admin/?lang=lv")
    finally:
        admin.close()
    assert page.status_code == 200
    row_html = re.search(f'<tr data-kiosk="{kiosk_id}".*?</tr>', page.text, re.S)
    assert row_html is not None
    _clean(row_html.group())
    assert f"v {MASKED}" in row_html.group()
