"""Identifiers hold no control characters (docs/architecture.md, "API rules" and "Operations"): one
kiosk's receipt number or terminal reference must not make the accounts' camt.054 unreadable.

The API refuses them with a pointer (422 `control-character`), so does every command that makes an
id or a name, and the exporter reads back what it made: a document that does not parse is never
written (exit 1, the file left as it was). On a real gateway, SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from gw_helpers import Gateway
from ops_helpers import key, pay, run_cli
from sqlalchemy import update
from test_gateway_api import is_problem

from gateway.db import session_factory
from gateway.models import PaymentRow

BAD = ["\x01", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\ufffe", "\uffff"]


def _intent(gw: Gateway, c: Any, total: int) -> str:
    _inv, notice, check = gw.make_invoice(total=total)
    txn = f"cc-{uuid.uuid4().hex[:10]}"
    r = c.post("/payment-intents", headers=key(), json={"client_txn_id": txn, "items": [
        {"notice_number": notice, "check_value": check, "amount_cents": total}]})
    assert r.status_code == 201, r.text
    return txn


@pytest.mark.parametrize("char", BAD)
def test_a_control_character_in_a_receipt_number_or_terminal_reference_is_422(gw: Gateway, char: str) -> None:
    _kid, token = gw.add_kiosk()
    with gw.http(token) as c:
        txn = _intent(gw, c, 500)
        body = {"client_txn_id": txn, "method": "card", "amount_cents": 500,
                "approved_at": datetime.now(UTC).isoformat()}
        for field, value, pointer in (
                ("receipt_no", f"zoseni-1.1-{char}7", "/receipt_no"),
                ("terminal", {"transaction_id": f"SIM{char}1"}, "/terminal/transaction_id"),
                ("terminal", {"terminal_id": f"POI{char}", "approval_code": "1"}, "/terminal/terminal_id")):
            p = is_problem(c.post("/payments", headers=key(), json={**body, field: value}), 422, "validation-error")
            assert p["errors"] == [{"pointer": pointer, "code": "control-character"}]
        # Without it the same payment is taken.
        assert c.post("/payments", headers=key(), json={**body, "receipt_no": "zoseni-1.1-7"}).status_code == 201


def test_a_control_character_in_a_reconciliation_is_422(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    body = {"terminal_id": "POI\x01", "reconciliation_id": "R1", "business_date": datetime.now(UTC).date().isoformat(),
            "reconciled_at": datetime.now(UTC).isoformat(), "totals": []}
    with gw.http(token) as c:
        p = is_problem(c.post("/terminal-reconciliations", headers=key(), json=body), 422, "validation-error")
    assert {"pointer": "/terminal_id", "code": "control-character"} in p["errors"]


def test_the_document_says_the_rule() -> None:
    from common.schema import IDENTIFIER_PATTERN, PaymentRequest

    props = PaymentRequest.model_json_schema()["properties"]
    assert props["receipt_no"]["anyOf"][0]["pattern"] == IDENTIFIER_PATTERN


@pytest.mark.parametrize("argv", [
    ["add-kiosk", "--location", "zoseni", "--kiosk-id", "evil\x01kiosk"],
    ["add-kiosk", "--location", "zo\nseni"],
    ["kiosk", "revoke", "k\x1b1"],
    ["kiosk", "rotate-token", "k\ufffe1"],
    ["kiosk", "register-key", "k\x7f1", "/dev/null"],
    ["kiosk", "register-key", "--kid", "a\tb", "k1", "/dev/null"],
    ["operator", "add", "--name", "Anna\x01", "--location", "zoseni"],
    ["operator", "add", "--name", "Anna", "--location", "zoseni\r"],
    ["operator", "disable", "Anna\x85"],
    ["operator", "reset-pin", "Anna\uffff"],
    ["coordinator", "add", "--name", "Koord\x01"],
])
def test_commands_refuse_a_control_character_in_an_id_or_name(
        gw: Gateway, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_cli(capsys, "gateway", *argv, "--db", gw.db_url)
    assert exit_.value.code == 2
    assert "control character or noncharacter" in capsys.readouterr().err


def test_a_key_file_whose_name_holds_a_control_character_is_refused(
        gw: Gateway, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    kid, _token = gw.add_kiosk()
    pem = tmp_path / "bad\x01kid.pub.pem"
    pem.write_text("refused before it is read")
    code, _out, err = run_cli(capsys, "gateway", "kiosk", "register-key", "--db", gw.db_url, kid, str(pem))
    assert code == 1 and "control character" in err


def _bad_payment_on(gw: Gateway, day: datetime) -> str:
    """A payment stored before the API refused control characters, posted on `day` alone."""
    kid, token = gw.add_kiosk()
    _inv, notice, check = gw.make_invoice(total=1200)
    p = pay(gw, token, notice, check, 1200, receipt_no=f"{kid}.1-1")
    with session_factory(gw.engine).begin() as s:
        s.execute(update(PaymentRow).where(PaymentRow.id == p["payment_id"]).values(
            receipt_no=f"{kid}.1-\x01", terminal_txn_id="SIM\ufffe", posted_at=day, approved_at=day))
    return str(p["payment_id"])


def test_an_export_that_would_not_parse_fails_and_leaves_the_file_alone(
        gw: Gateway, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    day = datetime(2031, 5, 5, 9, 0, tzinfo=UTC) if gw.backend == "sqlite" else datetime(2031, 5, 6, 9, 0, tzinfo=UTC)
    payment_id = _bad_payment_on(gw, day)
    out = tmp_path / "payments.xml"
    code, _o, err = run_cli(capsys, "gateway", "export-payments", "--db", gw.db_url, "--from", day.date().isoformat(),
                            "--to", day.date().isoformat(), "--format", "camt054", "--out", str(out))
    assert code == 1
    assert "not well-formed" in err and payment_id in err and "not written" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []  # no half-written file, no temp file
    out.write_bytes(b"yesterday's export")
    code, _o, _e = run_cli(capsys, "gateway", "export-payments", "--db", gw.db_url, "--from",
                           day.date().isoformat(), "--to", day.date().isoformat(), "--format", "camt054",
                           "--out", str(out))
    assert code == 1 and out.read_bytes() == b"yesterday's export"
