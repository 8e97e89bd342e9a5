"""The desk's lookup by person finds imported payers, on SQLite and PostgreSQL: the import keeps a
payer under a keyed hash of the personal code (never the code), the person search matches the code
typed with or without the dash by the same hash, and a re-import of the payer updates the one payer.
The demo's payers are kept the same way; an old demo database is re-keyed, its plain codes dropped.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from gw_helpers import Gateway, create_pg_database, pg_admin_url
from ops_helpers import invoice_line, new_notice, run_cli, write_csv
from sqlalchemy import func, inspect, select, text
from test_operators import new_operator, session_of

from common.personal_code import check_digit
from common.personal_code import parse as parse_code
from gateway import admin
from gateway.db import make_engine, migrate, session_factory
from gateway.demo_data import PAYER_CODES, PAYER_NAMES
from gateway.deps import configure_applications
from gateway.models import Payer
from gateway.services.imports import ImportKeys
from gateway.settings import ApplicationsSettings


def _old_style_code() -> str:
    born = date(1945, 1, 1) + timedelta(days=secrets.randbelow(20000))
    first_ten = f"{born:%d%m%y}1{secrets.randbelow(1000):03d}"
    return first_ten + str(check_digit(first_ten))


def _new_style_code() -> str:
    return f"3{2 + secrets.randbelow(8)}{secrets.randbelow(10**9):09d}"


@pytest.fixture
def key_file(gw: Gateway, tmp_path: Path) -> Iterator[Path]:
    """The gateway and the import share one key, as on a real server; the gateway's own key is
    put back afterwards."""
    before = getattr(gw.app.state, "applications", None)
    path = tmp_path / "gateway.key"
    configure_applications(gw.app, key_file=path)
    yield path
    gw.app.state.applications = before


def _import(capsys: pytest.CaptureFixture[str], gw: Gateway, key_file: Path, csv: Path) -> tuple[int, str, str]:
    return run_cli(capsys, "gateway", "import-invoices", "--db", gw.db_url, "--key-file", str(key_file), str(csv))


def _search(gw: Gateway, token: str, op: dict[str, str], typed: str) -> dict[str, Any]:
    with gw.http(token) as c:
        r = c.post("/person-searches", headers=op,
                   json={"personal_code": typed, "id_document": "id-card", "reason": "maksā pie galda"})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_an_imported_payer_is_found_by_personal_code_typed_with_or_without_the_dash(
        gw: Gateway, key_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _old_style_code(), _new_style_code()
    dashed = parse_code(old).canonical
    tax, water, rent, other = new_notice(), new_notice(), new_notice(), new_notice()
    csv = write_csv(
        tmp_path / "in.csv",
        invoice_line(tax, service="property-tax", creditor="cesu-novads", payer="Jānis Bērziņš", code=dashed),
        invoice_line(water, payer="Jānis Bērziņš", code=old),             # the same payer, without the dash
        invoice_line(rent, service="rent", creditor="cesu-nami", payer="Anna Kalniņa",
                     code=f"{new[:6]} - {new[6:]}"),                   # a new-style code, spaced
        invoice_line(other),                                              # a company's invoice
    )
    code, out, err = _import(capsys, gw, key_file, csv)
    assert code == 0, err
    assert "4 added" in out

    _kid, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c:
        op = session_of(c, name, pin)
    for typed in (dashed, old, f" {old[:6]} {old[6:]} "):
        found = _search(gw, token, op, typed)
        assert found["found"], typed
        assert found["person"] == {"name": "Jānis Bērziņš", "personal_code_masked": parse_code(old).masked,
                                   "deceased": False}
        assert {i["notice_number"] for i in found["invoices"]} == {tax, water}
    found = _search(gw, token, op, parse_code(new).canonical)
    assert found["found"] and found["person"]["name"] == "Anna Kalniņa"
    assert [i["notice_number"] for i in found["invoices"]] == [rent]

    # The next month's file: the payer's name now printed otherwise, one more invoice. The one
    # payer is renamed, not doubled.
    more = new_notice()
    csv = write_csv(
        tmp_path / "again.csv",
        invoice_line(tax, service="property-tax", creditor="cesu-novads", payer="Jānis Bērziņš-Ozols", code=old),
        invoice_line(more, payer="Jānis Bērziņš-Ozols", code=dashed),
    )
    code, out, err = _import(capsys, gw, key_file, csv)
    assert code == 0, err
    assert "1 added, 0 updated, 1 unchanged" in out
    found = _search(gw, token, op, old)
    assert found["person"]["name"] == "Jānis Bērziņš-Ozols"
    assert {i["notice_number"] for i in found["invoices"]} == {tax, water, more}
    ref = ImportKeys.derive(ApplicationsSettings.load(key_file=key_file).pepper).payer_ref(old)
    with session_factory(gw.engine)() as s:
        assert s.execute(select(func.count()).select_from(Payer).where(Payer.payer_ref == ref)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(Payer)
                         .where(Payer.name.in_(["Jānis Bērziņš-Ozols"]))).scalar_one() == 1


def test_no_payer_row_holds_a_personal_code(gw: Gateway, key_file: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    old = _old_style_code()
    csv = write_csv(tmp_path / "in.csv", invoice_line(new_notice(), payer="Līga Liepiņa", code=old))
    assert _import(capsys, gw, key_file, csv)[0] == 0
    codes = [old, *PAYER_CODES.values()]
    with session_factory(gw.engine)() as s:
        rows = [[str(v) for v in row] for row in s.execute(text("SELECT * FROM payers"))]
    assert len(rows) >= len(PAYER_NAMES) + 1
    for row in rows:
        for value in row:
            assert not any(c in value or parse_code(c).canonical in value for c in codes), row


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    admin_url = pg_admin_url()
    if admin_url is None:
        pytest.skip("no PostgreSQL (set KIOSK_TEST_PG_URL)")
    url, drop = create_pg_database(admin_url)
    yield url
    drop()


def test_an_old_demo_database_loses_its_plain_codes_and_the_demo_payers_are_rekeyed(
        fresh_url: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_url)
    migrate(engine, "0007")
    legacy = {name: f"P{1000100 + i * 37:07d}" for i, name in enumerate(PAYER_NAMES)}
    with engine.begin() as conn:  # what the demo seed wrote before: a made-up ref and the plain code
        for name in PAYER_NAMES:
            conn.execute(text("INSERT INTO payers (payer_ref, name, deceased, personal_code) "
                              "VALUES (:ref, :name, :dead, :code)"),
                         {"ref": legacy[name], "name": name, "dead": False, "code": PAYER_CODES[name]})
        ids = {name: pid for name, pid in conn.execute(text("SELECT name, id FROM payers"))}
    try:
        migrate(engine)
        assert "personal_code" not in {c["name"] for c in inspect(engine).get_columns("payers")}
        key_file = tmp_path / "gateway.key"
        admin.seed_demo(engine, key_file=key_file)
        admin.seed_demo(engine, key_file=key_file)  # again: nothing changes
        keys = ImportKeys.derive(ApplicationsSettings.load(key_file=key_file).pepper)
        with session_factory(engine)() as s:
            payers = {p.name: (p.id, p.payer_ref) for p in s.execute(select(Payer)).scalars()}
        assert payers == {name: (ids[name], keys.payer_ref(PAYER_CODES[name])) for name in PAYER_NAMES}
    finally:
        engine.dispose()
