"""Times are instants checked in UTC, and a kiosk's clock orders only its own reports
(docs/architecture.md, "API rules" and "Running unattended").

`2099-12-31T23:59:59-14:00` is 2100 in UTC and `2000-01-01T00:00:00+14:00` is 1999: both used to
pass the check on the year as written and then fail the answer (500). A heartbeat from the future
used to freeze the kiosk's row, so every later honest report was dropped. On a real gateway,
SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from gw_helpers import Gateway
from ops_helpers import key
from sqlalchemy import update
from test_gateway_api import is_problem
from test_operators import new_operator, session_of

from gateway.db import session_factory
from gateway.models import KioskStatusRow
from gateway.services.kiosk_status import kiosk_overview

EDGES = ["2099-12-31T23:59:59-14:00", "2099-12-31T10:00:00-14:00", "2000-01-01T00:00:00+14:00",
         "2000-01-01T13:59:59+14:00"]


@pytest.mark.parametrize("moment", EDGES)
def test_an_approved_at_outside_the_window_in_utc_is_422(gw: Gateway, moment: str) -> None:
    _inv, notice, check = gw.make_invoice(total=700)
    _kid, token = gw.add_kiosk()
    txn = f"edge-{uuid.uuid4().hex[:10]}"
    with gw.http(token) as c:
        assert c.post("/payment-intents", headers=key(), json={"client_txn_id": txn, "items": [
            {"notice_number": notice, "check_value": check, "amount_cents": 700}]}).status_code == 201
        body = {"client_txn_id": txn, "method": "card", "amount_cents": 700, "approved_at": moment}
        p = is_problem(c.post("/payments", headers=key(), json=body), 422, "validation-error")
        assert p["errors"] == [{"pointer": "/approved_at", "code": "datetime-out-of-range"}]
        # Just inside the window, in UTC, with the same far offsets: taken, and answered.
        inside = "2099-12-31T09:59:59-14:00" if moment.startswith("2099") else "2000-01-01T14:00:00+14:00"
        r = c.post("/payments", headers=key(), json={**body, "approved_at": inside})
        assert r.status_code == 201, r.text
        assert r.json()["approved_at"].startswith("2099-12-31T23:59:59" if moment.startswith("2099")
                                                  else "2000-01-01T00:00:00")


@pytest.mark.parametrize("moment", EDGES)
def test_an_operator_event_outside_the_window_in_utc_is_422(gw: Gateway, moment: str) -> None:
    _kid, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c:
        op = session_of(c, name, pin)
        body = {"client_event_id": f"ev-{uuid.uuid4().hex[:8]}", "kind": "take-over", "occurred_at": moment}
        p = is_problem(c.post("/operator-events", headers={**key(), **op}, json=body), 422, "validation-error")
        assert p["errors"] == [{"pointer": "/occurred_at", "code": "datetime-out-of-range"}]


def _report(sent_at: str, **over: Any) -> dict[str, Any]:
    return {"sent_at": sent_at, "version": "0.1.0", "uptime_s": 61, "printer_state": "ok",
            "terminal_reachable": True, "outbox_len": 0, "review_len": 0, "last_error": "", **over}


def _beat(gw: Gateway, token: str, body: dict[str, Any]) -> Any:
    with gw.http(token) as c:
        return c.post("/kiosk-status", json=body, headers=key())


def _health(gw: Gateway, kiosk_id: str) -> Any:
    with session_factory(gw.engine)() as s:
        return next(k for k in kiosk_overview(s, gw.clock.now()) if k.kiosk_id == kiosk_id)


@pytest.mark.parametrize("future", ["2099-12-31T09:59:59-14:00", "2099-06-01T00:00:00Z"])
def test_a_heartbeat_from_the_future_does_not_freeze_the_kiosks_status(gw: Gateway, future: str) -> None:
    kiosk_id, token = gw.add_kiosk()
    r = _beat(gw, token, _report(future, printer_state="paper_out"))
    assert r.status_code == 200 and r.json()["problems"] == ["paper-out"]
    with session_factory(gw.engine)() as s:
        row = s.get(KioskStatusRow, kiosk_id)
        assert row is not None and row.sent_at <= gw.clock.now()  # clamped to the gateway's clock
    # The paper is refilled: the next honest report is the kiosk's status.
    r = _beat(gw, token, _report(gw.clock.now().isoformat(), printer_state="ok"))
    assert r.status_code == 200 and r.json()["problems"] == []
    assert _health(gw, kiosk_id).printer_state == "ok"


def test_a_row_stored_from_the_future_before_the_rule_gives_way(gw: Gateway) -> None:
    kiosk_id, token = gw.add_kiosk()
    assert _beat(gw, token, _report(gw.clock.now().isoformat(), printer_state="cover_open")).status_code == 200
    with session_factory(gw.engine).begin() as s:
        s.execute(update(KioskStatusRow).where(KioskStatusRow.kiosk_id == kiosk_id)
                  .values(sent_at=datetime(2099, 12, 31, 23, 0, tzinfo=UTC)))
    assert _beat(gw, token, _report(gw.clock.now().isoformat())).json()["problems"] == []
    assert _health(gw, kiosk_id).printer_state == "ok"
    # A report older than the one kept is still dropped.
    old = (gw.clock.now() - timedelta(minutes=5)).isoformat()
    assert _beat(gw, token, _report(old, printer_state="offline")).status_code == 200
    assert _health(gw, kiosk_id).printer_state == "ok"
