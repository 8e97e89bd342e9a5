"""Heartbeats (docs/architecture.md, "Running unattended"): `POST /api/v1/kiosk-status` on a real
uvicorn gateway (SQLite and PostgreSQL), the overview the admin page lists, and the kiosk's own
sender with a real (fake-network) printer that is out of paper."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gw_helpers import Gateway

from gateway.db import session_factory
from gateway.services.kiosk_status import kiosk_overview

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "printer"))
from fake_printer import FakePrinter


def _report(**over: Any) -> dict[str, Any]:
    body = {"sent_at": datetime.now(UTC).isoformat(), "version": "0.1.0", "uptime_s": 61,
            "printer_state": "ok", "terminal_reachable": True, "outbox_len": 0, "review_len": 0,
            "last_error": ""}
    body.update(over)
    return body


def _post(gw: Gateway, token: str, body: dict[str, Any], key: str | None = None) -> Any:
    with gw.http(token) as c:
        return c.post("/kiosk-status", json=body,
                      headers={"Idempotency-Key": f'"{key or uuid.uuid4()}"'})


def _overview(gw: Gateway, kiosk_id: str) -> Any:
    with session_factory(gw.engine)() as s:
        return next(k for k in kiosk_overview(s, gw.clock.now()) if k.kiosk_id == kiosk_id)


def test_report_is_stored_and_problems_come_back(gw):
    kiosk_id, token = gw.add_kiosk()
    r = _post(gw, token, _report(printer_state="paper_out", terminal_reachable=False, review_len=2))
    assert r.status_code == 200, r.text
    assert r.json()["problems"] == ["paper-out", "terminal-unreachable", "review-waiting"]
    k = _overview(gw, kiosk_id)
    assert k.last_seen is not None and abs((k.last_seen - gw.clock.now()).total_seconds()) < 30
    assert k.problems == ["paper-out", "terminal-unreachable", "review-waiting"]
    assert (k.printer_state, k.review_len, k.uptime_s) == ("paper_out", 2, 61)
    # Paper refilled: the next heartbeat clears it.
    assert _post(gw, token, _report(printer_state="ok")).json()["problems"] == []
    assert _overview(gw, kiosk_id).problems == []


def test_silent_and_never_seen_kiosks_are_problems(gw):
    seen_id, token = gw.add_kiosk()
    never_id, _ = gw.add_kiosk()
    assert _post(gw, token, _report()).status_code == 200
    assert _overview(gw, never_id).problems == ["never-seen"]
    assert _overview(gw, seen_id).problems == []
    with session_factory(gw.engine)() as s:
        later = kiosk_overview(s, gw.clock.now() + timedelta(minutes=10, seconds=5))
    assert next(k for k in later if k.kiosk_id == seen_id).problems == ["not-seen"]
    assert later[0].problems  # problems are listed first


def test_a_late_older_report_does_not_replace_a_newer_one(gw):
    kiosk_id, token = gw.add_kiosk()
    now = datetime.now(UTC)
    assert _post(gw, token, _report(sent_at=now.isoformat(), printer_state="ok")).status_code == 200
    old = _report(sent_at=(now - timedelta(minutes=2)).isoformat(), printer_state="paper_out")
    assert _post(gw, token, old).status_code == 200
    assert _overview(gw, kiosk_id).printer_state == "ok"


def test_api_rules_token_idempotency_and_validation(gw):
    _kiosk_id, token = gw.add_kiosk()
    with gw.http() as anon:
        r = anon.post("/kiosk-status", json=_report(), headers={"Idempotency-Key": '"k1"'})
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    with gw.http(token) as c:
        r = c.post("/kiosk-status", json=_report())
    assert r.status_code == 400 and r.json()["code"] == "idempotency-key-missing"
    body = _report()
    first = _post(gw, token, body, key="same")
    again = _post(gw, token, body, key="same")
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    assert _post(gw, token, _report(uptime_s=5), key="same").status_code == 422
    bad = _post(gw, token, _report(printer_state="on fire", last_error="x" * 500))
    assert bad.status_code == 422 and bad.json()["code"] == "validation-error"
    pointers = {e["pointer"] for e in bad.json()["errors"]}
    assert pointers == {"/printer_state", "/last_error"}


# -- the kiosk's sender ---------------------------------------------------------------------

def _kiosk_backend(tmp_path: Path, gw: Gateway, token: str, printer_port: int,
                   clock: Any = None) -> Any:
    from kiosk import config
    from kiosk.backend import GatewayLink, open_backend

    cfg = config.parse({
        "kiosk": {"data_dir": str(tmp_path / "data"), "id": "hb-1"},
        "gateway": {"url": gw.base_url, "retries": 0},
        "printer": {"device": "network", "host": "127.0.0.1", "port": printer_port,
                    "timeout_s": 2.0},
        "service": {"heartbeat_s": 5},
    }).model_copy(update={"demo": True})
    return open_backend(cfg, link=GatewayLink(base_url=gw.base_url, token=token), clock=clock)


def test_kiosk_out_of_paper_shows_on_the_overview_within_one_heartbeat(tmp_path, sqlite_gateway):
    from common.clock import FakeClock
    from kiosk.heartbeat import FIRST_REPORT_AFTER_S

    gw = sqlite_gateway
    kiosk_id, token = gw.add_kiosk()
    clock = FakeClock()
    with FakePrinter("ok") as printer:
        backend = _kiosk_backend(tmp_path, gw, token, printer.port, clock=clock)

        async def go() -> list[str]:
            await backend.start()
            await asyncio.sleep(0.1)  # the heartbeat task reaches its first sleep
            clock.advance(FIRST_REPORT_AFTER_S)
            await _until(lambda: backend.heartbeat.sent == 1)
            assert _overview(gw, kiosk_id).problems == []
            printer.mode = "paper_out"  # the roll runs out between two heartbeats
            clock.advance(backend.config.service.heartbeat_s)
            await _until(lambda: backend.heartbeat.sent == 2)
            problems = _overview(gw, kiosk_id).problems
            await backend.aclose()
            return problems

        assert asyncio.run(go()) == ["paper-out"]


def _admin_client(gw: Gateway) -> Any:
    """Signed in to the municipality's /admin/ page as a fresh coordinator."""
    import re

    import httpx

    from gateway.services import admin_auth

    name, password = f"Koordinators {uuid.uuid4().hex[:6]}", "kiosk-status-test-password"
    with session_factory(gw.engine).begin() as s:
        admin_auth.add_coordinator(s, name, datetime.now(UTC), password)
    c = httpx.Client(base_url=gw.base_url, timeout=30, follow_redirects=False)
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/admin/login").text)
    assert csrf is not None
    r = c.post("/admin/login", data={"csrf": csrf.group(1), "name": name, "password": password})
    assert r.status_code == 303, r.text
    return c


def test_admin_page_shows_the_kiosk_out_of_paper_after_one_heartbeat(tmp_path, sqlite_gateway):
    import re

    from kiosk.heartbeat import Heartbeat

    gw = sqlite_gateway
    kiosk_id, token = gw.add_kiosk()
    with FakePrinter("paper_out") as printer:
        backend = _kiosk_backend(tmp_path, gw, token, printer.port)

        async def go() -> Any:
            ack = await Heartbeat(backend).send_once()  # one heartbeat, as the loop sends it
            await backend.aclose()
            return ack

        assert asyncio.run(go()).problems == ["paper-out"]
    c = _admin_client(gw)
    try:
        page = c.get("/admin/?lang=lv")
    finally:
        c.close()
    assert page.status_code == 200
    row = re.search(rf'<tr data-kiosk="{kiosk_id}"( class="problem")?>(.*?)</tr>', page.text, re.S)
    assert row is not None and row.group(1), page.text[:2000]
    assert 'data-problem="paper-out">Beidzies papīrs<' in row.group(2)


def test_kiosk_report_has_queues_terminal_and_a_masked_last_error(tmp_path, sqlite_gateway):
    import logging

    from kiosk.logging_setup import LAST_ERROR

    gw = sqlite_gateway
    kiosk_id, token = gw.add_kiosk()
    with FakePrinter("cover_open") as printer:
        backend = _kiosk_backend(tmp_path, gw, token, printer.port)
        backend.journal.outbox_put("application", "app-1", {"x": 1})
        logger = logging.getLogger("kiosk.test")
        logger.addHandler(LAST_ERROR)
        try:
            logger.error("posting refused for payer 010180-10006")
        finally:
            logger.removeHandler(LAST_ERROR)

        async def go() -> Any:
            from kiosk.heartbeat import Heartbeat

            ack = await Heartbeat(backend).send_once()
            await backend.aclose()
            return ack

        ack = asyncio.run(go())
    assert ack is not None and ack.problems == ["cover-open"]
    k = _overview(gw, kiosk_id)
    assert (k.outbox_len, k.review_len, k.terminal_reachable) == (1, 0, True)
    assert k.last_error == "kiosk.test: posting refused for payer [masked]"
    assert k.version == "0.1.0"


def test_kiosk_heartbeat_survives_a_gateway_that_is_down(tmp_path, sqlite_gateway):
    from kiosk.heartbeat import Heartbeat

    _kiosk_id, token = sqlite_gateway.add_kiosk()
    with FakePrinter("ok") as printer:
        backend = _kiosk_backend(tmp_path, sqlite_gateway, token, printer.port)
        backend.gateway._http._base_url = backend.gateway._http._base_url.copy_with(port=9)

        async def go() -> Any:
            ack = await Heartbeat(backend).send_once()
            await backend.aclose()
            return ack

        assert asyncio.run(go()) is None  # logged as a warning; the next one may get through


async def _until(cond: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
