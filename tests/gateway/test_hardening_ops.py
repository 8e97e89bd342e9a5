"""CSV cells cannot carry formulas; revoked kiosks are refused; the
SQLite file is private; the API docs are off in production; the receipt page is locked down; a
kiosk key cannot pass for the server's countersignature.

The gateway is the real one, served by uvicorn on loopback, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from gw_helpers import Gateway, MovableClock, ServerThread
from sqlalchemy import update
from test_gateway_api import is_problem, key

from common.csv_safe import safe_cell
from common.signing import countersign, generate_kiosk_key, sign
from gateway.app import create_app
from gateway.cli import configure_applications as configure_applications_cli
from gateway.db import session_factory
from gateway.models import ApplicationRow, Kiosk
from gateway.settings import GatewaySettings

ATTACK = "=cmd|' /C calc'!A0"


# --- finding 5: CSV formula injection ------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    (" =1+1", "' =1+1"),
    ("＝1+1", "'＝1+1"),          # a full-width equals sign is a formula to some spreadsheets
    ("Bērziņa", "Bērziņa"),
    ("KAC-2026-000001", "KAC-2026-000001"),
    ("-1250", "-1250"),            # a plain number stays a number
    ("-12.50", "-12.50"),
    (-1250, "-1250"),
    (None, ""),
    ("", ""),
])
def test_safe_cell(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_applications_export_neutralises_formulas(gw: Gateway, tmp_path: Path) -> None:
    _kid, token = gw.add_kiosk()
    body = {"client_application_id": f"csv-{uuid.uuid4().hex[:8]}", "service_code": "general-application",
            "form_version": 1, "submitted_at": datetime.now(UTC).isoformat(),
            "answers": {"subject": "=1+1", "text": "@SUM(A1)", "full_name": "-Anna", "reply_channel": "library"}}
    with gw.http(token) as c:
        r = c.post("/applications", headers=key(), json=body)
    assert r.status_code == 201, r.text
    reg = r.json()["registration_no"]
    # Whoever confirmed it is free text from the desk (an operator's id or name): the attack.
    with session_factory(gw.engine).begin() as s:
        s.execute(update(ApplicationRow).where(ApplicationRow.registration_no == reg).values(confirmed_by=ATTACK))
    parser = argparse.ArgumentParser()
    configure_applications_cli(parser)
    out = tmp_path / "apps.csv"
    args = parser.parse_args(["export", "--db", gw.db_url, "--out", str(out), "--semicolon"])
    assert args.func(args) == 0
    rows = list(csv.reader(out.open(encoding="utf-8", newline=""), delimiter=";"))
    header, mine = rows[0], next(r for r in rows if r[0] == reg)
    assert dict(zip(header, mine, strict=True))["confirmed_by"] == "'" + ATTACK
    for row in rows:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", cell


# --- finding 7: revoked kiosks ---------------------------------------------------------------------


def test_a_revoked_kiosk_is_refused_everywhere(gw: Gateway) -> None:
    kid, token = gw.add_kiosk()
    _inv, notice, check = gw.make_invoice(total=1000)
    lookup = {"client_txn_id": "rev-1"}
    k = key()
    with gw.http(token) as c:
        assert c.post("/invoice-searches", json={"notice_number": notice, "check_value": check}).status_code == 200
        assert c.post("/payment-intent-releases", headers=k, json=lookup).status_code in (200, 404)
        with session_factory(gw.engine).begin() as s:
            s.execute(update(Kiosk).where(Kiosk.id == kid).values(active=False))
        is_problem(c.post("/invoice-searches", json={"notice_number": notice, "check_value": check}),
                   401, "unauthenticated")
        is_problem(c.get("/services"), 401, "unauthenticated")
        is_problem(c.post("/payment-lookups", json=lookup), 401, "unauthenticated")
        # Not even a replay of an answer stored before the revocation.
        is_problem(c.post("/payment-intent-releases", headers=k, json=lookup), 401, "unauthenticated")


# --- finding 7: the SQLite file is private ------------------------------------------------------


def test_the_sqlite_database_is_created_0600(tmp_path: Path) -> None:
    path = tmp_path / "private" / "gateway.sqlite3"
    app = create_app(f"sqlite:///{path}", settings=GatewaySettings(public_docs=True))
    server = ServerThread(app).start()
    try:
        assert httpx.get(server.base_url + "/api/v1/health").status_code == 200
        files = [p for p in path.parent.iterdir() if p.name.startswith("gateway.sqlite3")]
        assert path in files
        for p in files:  # the database and its -wal and -shm
            assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, (p.name, oct(p.stat().st_mode))
    finally:
        server.stop()
        app.state.gateway.engine.dispose()


# --- finding 7: docs off in production, the receipt page locked down -----------------------------


@contextmanager
def served(gw: Gateway, **kwargs: object) -> Iterator[str]:
    """Another gateway app on the same database, served on loopback; yields its base URL."""
    app = create_app(gw.db_url, clock=MovableClock(), **kwargs)  # type: ignore[arg-type]
    server = ServerThread(app).start()
    try:
        yield server.base_url
    finally:
        server.stop()
        app.state.gateway.engine.dispose()


def test_api_docs_are_off_by_default(gw: Gateway) -> None:
    with served(gw) as base, httpx.Client(base_url=base) as c:
        for path in ("/docs", "/openapi.json", "/redoc", "/docs/oauth2-redirect"):
            assert c.get(path).status_code == 404, path
        assert c.get("/api/v1/health").status_code == 200
    with served(gw, settings=GatewaySettings(public_docs=True)) as base, httpx.Client(base_url=base) as c:
        assert c.get("/openapi.json").json()["info"]["title"] == "KAC gateway"
        assert c.get("/docs").status_code == 200


def test_receipt_page_and_api_send_nosniff_and_csp(gw: Gateway) -> None:
    with httpx.Client(base_url=gw.base_url) as c:
        page = c.get("/r/KV1~garbage")
        api = c.get("/api/v1/health")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert page.headers["x-content-type-options"] == "nosniff"
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp
    assert api.headers["x-content-type-options"] == "nosniff"


def test_a_kiosk_key_cannot_countersign_as_the_server(gw: Gateway, tmp_path: Path) -> None:
    kiosk_dir, server_dir = tmp_path / "kiosks", tmp_path / "server"
    k1 = generate_kiosk_key(kiosk_dir / "cesis-k1-2026.key.pem")
    k2 = generate_kiosk_key(kiosk_dir / "cesis-k2-2026.key.pem")
    srv = generate_kiosk_key(server_dir / "gw-2026.key.pem")
    (kiosk_dir / "cesis-k1-2026.key.pem").unlink()  # the gateway holds public keys only
    s = sign(k1, kiosk_id="cesis-k1", receipt_no="cesis-k1.1-9", time=datetime.now(UTC), total_cents=1234,
             method="C", lines=[])
    with served(gw, receipt_keys=kiosk_dir, server_keys=server_dir) as base, httpx.Client(base_url=base) as c:
        assert c.get("/r/" + s.payload).status_code == 200
        good = c.get("/r/" + countersign(s.payload, srv))
        assert good.status_code == 200 and "12,34 €" in good.text
        for forger in (k1, k2):  # the kiosk itself, or another kiosk
            forged = c.get("/r/" + countersign(s.payload, forger))
            assert forged.status_code == 400 and "NAV derīgs" in forged.text, forged.text
        # Nor may the server's key sign a receipt as if it were a kiosk.
        as_kiosk = sign(srv, kiosk_id="cesis-k1", receipt_no="cesis-k1.1-10", time=datetime.now(UTC),
                        total_cents=1, method="C", lines=[])
        assert c.get("/r/" + as_kiosk.payload).status_code in (400, 404)
        listed = {k["kid"]: k for k in c.get("/api/v1/receipt-keys").json()["keys"]}
        assert listed["gw-2026"]["role"] == "server" and listed["cesis-k1-2026"]["role"] == "kiosk"
