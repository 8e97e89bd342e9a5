"""Who reads `GET /api/v1/statistics`: an operator their own location, a coordinator every one, a
kiosk token alone none; and a day's numbers are exactly what was done (docs/architecture.md,
"Counters, shifts and statistics")."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from gw_helpers import Gateway
from test_gateway_api import is_problem, key
from test_operators import BUILDING
from test_service_events import day_counts, desk, riga_today, tap
from test_shifts import pay

from common.desk_counters import COLUMNS
from gateway.demo_data import LOCATIONS
from gateway.deps import configure_applications


@pytest.fixture(autouse=True)
def _applications_key(gw: Gateway, tmp_path_factory: pytest.TempPathFactory) -> None:
    # The answers key in a temporary folder, not the user's data folder.
    if getattr(gw.app.state, "applications", None) is None:
        configure_applications(gw.app, key_file=tmp_path_factory.mktemp("appkey") / "k.key")


def test_a_kiosk_token_alone_reads_no_statistics(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk("zoseni")
    with gw.http(token) as c:
        for params in ({"from": "2026-01-01", "to": "2026-12-31"},
                       {"from": "2026-01-01", "to": "2026-12-31", "location": "zoseni"}):
            is_problem(c.get("/statistics", params=params), 403, "operator-session-required")
    with gw.http() as anonymous:
        is_problem(anonymous.get("/statistics", params={"from": "2026-01-01", "to": "2026-01-31"}), 401,
                   "unauthenticated")


def test_an_operator_reads_only_their_own_location(gw: Gateway) -> None:
    token, _name, op = desk(gw, "taurene")
    with gw.http(token) as c:
        r = c.get("/statistics", params={"from": "2026-01-01", "to": "2026-12-31", "group": "year"}, headers=op)
        assert r.status_code == 200 and [row["location"] for row in r.json()["rows"]] == ["taurene"]
        assert r.json()["columns"] == list(COLUMNS)
        for other in ("cesis", "zoseni"):
            is_problem(c.get("/statistics", params={"from": "2026-01-01", "to": "2026-12-31", "location": other},
                             headers=op), 403, "forbidden-location")
        ok = c.get("/statistics", params={"from": "2026-01-01", "to": "2026-12-31", "location": "taurene"},
                   headers=op)
        assert ok.status_code == 200


def test_a_coordinator_reads_every_location(gw: Gateway) -> None:
    token, _name, coord = desk(gw, "cesis", role="coordinator")
    with gw.http(token) as c:
        r = c.get("/statistics", params={"from": "2026-03-01", "to": "2026-05-31", "group": "month"}, headers=coord)
        assert r.status_code == 200, r.text
        body = r.json()
        assert sorted(body["locations"]) == sorted(code for code, _ in LOCATIONS)
        assert len(body["rows"]) == 9 * 3 and len(body["totals"]) == 9
        assert {row["period"] for row in body["rows"]} == {"2026-03", "2026-04", "2026-05"}
        r = c.get("/statistics", params={"from": "2026-03-01", "to": "2026-03-31", "location": "dzerbene"},
                  headers=coord)
        assert [row["location"] for row in r.json()["rows"]] == ["dzerbene"]
        bad = c.get("/statistics", params={"from": "2026-03-01", "to": "2026-03-31", "location": "atlantis"},
                    headers=coord)
        is_problem(bad, 422, "validation-error")
        is_problem(c.get("/statistics", params={"from": "2026-01-01", "to": "2027-12-31", "group": "day"},
                         headers=coord), 422, "range-too-long")
        is_problem(c.get("/statistics", params={"from": "2026-05-01", "to": "2026-04-01"}, headers=coord), 422,
                   "validation-error")
        is_problem(c.get("/statistics", params={"from": "2026-05-01", "to": "2026-06-01", "group": "week"},
                         headers=coord), 422, "validation-error")


def test_a_days_statistics_are_exactly_what_was_done(gw: Gateway) -> None:
    token, _name, op = desk(gw, "kaive")
    now = gw.clock.now()
    day = riga_today(gw)
    with gw.http(token) as c:
        before = day_counts(c, op, day)
        pay(c, op, "cash", 1250, now)
        pay(c, op, "cash", 740, now)
        pay(c, op, "card", 3000, now)
        given_back = pay(c, op, "card", 800, now)  # reversed through the terminal: not accepted
        r = c.post("/payment-reversals", headers={**key(), **op}, json={
            "client_txn_id": given_back["client_txn_id"], "reason": "Klients pārdomāja",
            "reversed_at": now.isoformat()})
        assert r.status_code == 201, r.text
        for kind, category in (("consultation", "state-services"), ("consultation", "e-address-and-computer"),
                               ("call", None), ("letter", None)):
            assert tap(c, op, kind, category, now).status_code == 201
        undone = tap(c, op, "call", None, now).json()["client_event_id"]
        assert c.delete(f"/service-events/{undone}", headers=op).status_code == 200
        r = c.post("/applications", headers=key(), json={
            "client_application_id": f"a-{uuid.uuid4().hex[:10]}", "service_code": "building-intent",
            "form_version": 1, "submitted_at": now.isoformat(), "answers": BUILDING})
        assert r.status_code == 201, r.text
        after = day_counts(c, op, day)
    diff = {k: after[k] - before[k] for k in after}
    assert diff == {**dict.fromkeys(COLUMNS, 0), "payments": 3, "applications": 1, "consultations": 2,
                    "consultation:state-services": 1, "consultation:e-address-and-computer": 1, "call": 1,
                    "letter": 1, "card_count": 1, "card_cents": 3000, "cash_count": 2, "cash_cents": 1990}
    assert timedelta(0) <= gw.clock.now() - now < timedelta(minutes=5)


def test_coordinator_add_prints_a_password_once_and_stores_argon2(tmp_path: Any, capsys: Any) -> None:
    from sqlalchemy import create_engine, text

    from launcher.cli import main

    url = f"sqlite:///{tmp_path / 'gw.sqlite3'}"
    assert main(["gateway", "coordinator", "add", "--db", url, "--name", "Ilze Koordinatore"]) == 0
    out = capsys.readouterr().out
    password = out.rsplit(": ", 1)[1].strip()
    assert len(password) >= 12
    engine = create_engine(url)
    with engine.connect() as conn:
        (stored,) = conn.execute(text("SELECT password_hash FROM coordinators")).one()
    engine.dispose()
    assert stored.startswith("$argon2id$") and password not in stored
    assert main(["gateway", "coordinator", "add", "--db", url, "--name", "Ilze Koordinatore"]) == 1
