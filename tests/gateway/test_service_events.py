"""Counter taps (`/api/v1/service-events`) against the real uvicorn gateway on SQLite and
PostgreSQL: the kinds and categories exactly as the issue lists them, recorded once per client id,
undone within 10 minutes by the same operator only (docs/architecture.md, "Counters, shifts and
statistics")."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from gw_helpers import Gateway
from test_gateway_api import is_problem, key

from common.desk_counters import CONSULTATION_CATEGORIES
from gateway.db import session_factory
from gateway.services import operators

ALL_KINDS = [("client-served", None), ("call", None), ("letter", None), ("document-received", None),
             ("document-sent", None), *(("consultation", c) for c in CONSULTATION_CATEGORIES)]


def sign_in(gw: Gateway, token: str, location: str = "zoseni", role: str = "librarian") -> tuple[str, dict[str, str]]:
    """A new operator of `location` signed in at the kiosk of `token`: (name, session headers)."""
    name = f"Bibliotekāre {uuid.uuid4().hex[:6]}"
    with session_factory(gw.engine).begin() as s:
        pin = operators.add_operator(s, name, location, datetime.now(UTC), role=role)
    with gw.http(token) as c:
        r = c.post("/operator-sessions", json={"operator": name, "pin": pin})
    assert r.status_code == 201, r.text
    return name, {"X-Operator-Session": r.json()["session"]}


def desk(gw: Gateway, location: str = "zoseni", role: str = "librarian") -> tuple[str, str, dict[str, str]]:
    """A fresh kiosk at `location` with a signed-in operator: (kiosk token, name, headers)."""
    _kid, token = gw.add_kiosk(location)
    name, headers = sign_in(gw, token, location, role)
    return token, name, headers


def event(kind: str, category: str | None, at: datetime, **extra: Any) -> dict[str, Any]:
    return {"client_event_id": f"ev-{uuid.uuid4().hex}", "kind": kind, "category": category,
            "occurred_at": at.isoformat(), "note": "", **extra}


def tap(c: httpx.Client, headers: dict[str, str], kind: str, category: str | None, at: datetime) -> httpx.Response:
    return c.post("/service-events", json=event(kind, category, at), headers={**key(), **headers})


def riga_today(gw: Gateway) -> date:
    from common.clock import RIGA

    return gw.clock.now().astimezone(RIGA).date()


def day_counts(c: httpx.Client, headers: dict[str, str], day: date, location: str | None = None) -> dict[str, Any]:
    params = {"from": day.isoformat(), "to": day.isoformat(), "group": "day"}
    if location:
        params["location"] = location
    r = c.get("/statistics", params=params, headers=headers)
    assert r.status_code == 200, r.text
    (row,) = r.json()["rows"]
    return {**row["counts"], **row["payments"]}


def test_every_kind_and_category_counts_and_nothing_else_is_accepted(gw: Gateway) -> None:
    token, name, op = desk(gw, "veselava")
    now = gw.clock.now()
    with gw.http(token) as c:
        before = day_counts(c, op, riga_today(gw))
        for kind, category in ALL_KINDS:
            r = tap(c, op, kind, category, now)
            assert r.status_code == 201, r.text
            body = r.json()
            assert (body["kind"], body["category"], body["operator"], body["location"]) == (
                kind, category, name, "veselava")
        after = day_counts(c, op, riga_today(gw))
        for kind, category in ALL_KINDS:
            column = f"{kind}:{category}" if category else kind
            assert after[column] - before[column] == 1, column
        assert after["consultations"] - before["consultations"] == len(CONSULTATION_CATEGORIES)
        # The vocabulary and nothing else.
        is_problem(tap(c, op, "consultation", None, now), 422, "validation-error")
        r = tap(c, op, "call", "other", now)
        assert is_problem(r, 422, "validation-error")["errors"] == [
            {"pointer": "/category", "code": "category-not-allowed"}]
        r = tap(c, op, "consultation", None, now)
        assert r.json()["errors"] == [{"pointer": "/category", "code": "category-required"}]
        for kind, category in (("payment", None), ("application", None), ("consultation", "tax")):
            is_problem(tap(c, op, kind, category, now), 422, "validation-error")
        r = tap(c, op, "call", None, now + timedelta(hours=2))
        assert r.json()["errors"] == [{"pointer": "/occurred_at", "code": "out-of-range"}]
        is_problem(c.post("/service-events", json=event("call", None, now), headers=op), 400,
                   "idempotency-key-missing")
        assert day_counts(c, op, riga_today(gw)) == {**after}


def test_one_client_event_id_counts_once(gw: Gateway) -> None:
    token, _name, op = desk(gw, "inesi")
    body = event("letter", None, gw.clock.now())
    with gw.http(token) as c:
        before = day_counts(c, op, riga_today(gw))["letter"]
        k = key()
        first = c.post("/service-events", json=body, headers={**k, **op})
        replay = c.post("/service-events", json=body, headers={**k, **op})
        assert first.status_code == 201 and replay.status_code == 201
        assert replay.headers.get("Idempotent-Replayed") == "true"
        # An outbox replaying it under a new key: the same event, not a second one.
        again = c.post("/service-events", json=body, headers={**key(), **op})
        assert again.status_code == 200 and again.json()["recorded_at"] == first.json()["recorded_at"]
        is_problem(c.post("/service-events", json={**body, "kind": "call"}, headers={**key(), **op}), 409,
                   "client-event-conflict")
        assert day_counts(c, op, riga_today(gw))["letter"] == before + 1


def test_a_tap_with_the_kiosk_token_alone_counts_for_the_location(gw: Gateway) -> None:
    token, _name, op = desk(gw, "kaive")
    with gw.http(token) as c:
        before = day_counts(c, op, riga_today(gw))["call"]
        r = tap(c, {}, "call", None, gw.clock.now())
        assert r.status_code == 201 and r.json()["operator"] == ""
        assert day_counts(c, op, riga_today(gw))["call"] == before + 1
        # ...but nobody can undo it: it has no operator.
        is_problem(c.delete(f"/service-events/{r.json()['client_event_id']}", headers=op), 403, "not-same-operator")


def test_undo_within_ten_minutes_by_the_same_operator_only(gw: Gateway) -> None:
    token, _name, op = desk(gw, "marsneni")
    _other, other = sign_in(gw, token, "marsneni")
    now = gw.clock.now()
    with gw.http(token) as c:
        before = day_counts(c, op, riga_today(gw))["document-received"]
        ev = tap(c, op, "document-received", None, now).json()["client_event_id"]
        assert day_counts(c, op, riga_today(gw))["document-received"] == before + 1
        is_problem(c.delete(f"/service-events/{ev}"), 403, "operator-session-required")
        is_problem(c.delete(f"/service-events/{ev}", headers=other), 403, "not-same-operator")
        r = c.delete(f"/service-events/{ev}", headers=op)
        assert r.status_code == 200 and r.json()["undone_at"] is not None
        assert c.delete(f"/service-events/{ev}", headers=op).json()["undone_at"] == r.json()["undone_at"]
        assert day_counts(c, op, riga_today(gw))["document-received"] == before
        # An undone event replayed by an outbox stays undone.
        is_problem(c.delete("/service-events/ev-never-sent", headers=op), 404, "not-found")
        old = tap(c, op, "document-sent", None, now - timedelta(minutes=11)).json()["client_event_id"]
        is_problem(c.delete(f"/service-events/{old}", headers=op), 409, "undo-window-passed")
        recent = tap(c, op, "document-sent", None, now - timedelta(minutes=9)).json()["client_event_id"]
        assert c.delete(f"/service-events/{recent}", headers=op).status_code == 200


def test_undone_event_is_not_counted_again_when_replayed(gw: Gateway) -> None:
    token, _name, op = desk(gw, "dzerbene")
    body = event("client-served", None, gw.clock.now())
    with gw.http(token) as c:
        before = day_counts(c, op, riga_today(gw))["client-served"]
        assert c.post("/service-events", json=body, headers={**key(), **op}).status_code == 201
        assert c.delete(f"/service-events/{body['client_event_id']}", headers=op).status_code == 200
        replay = c.post("/service-events", json=body, headers={**key(), **op})
        assert replay.status_code == 200 and replay.json()["undone_at"] is not None
        assert day_counts(c, op, riga_today(gw))["client-served"] == before
