"""Helpers for the operations tests (import, export, reconcile, kiosk admin, workers): run a
`kiosk` command in this process, write an invoice CSV, pay an invoice over real HTTP."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gw_helpers import Gateway

from launcher.cli import main as kiosk_main

HEADER = ("notice_number;check_value;creditor;service;payer_name;payer_code;object;period;due_date;"
          "amount;instalments")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`kiosk ARGV` in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = kiosk_main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def new_notice() -> str:
    return f"3{secrets.randbelow(10**9):09d}"


def invoice_line(notice: str, *, check: str = "", amount: str = "38,74", creditor: str = "vinda",
                 service: str = "water", payer: str = "Kārlis Ūdris", code: str = "40003123456",
                 obj: str = "Līgums Ū-55555", period: str = "2026-10", due: str = "2026-11-20",
                 instalments: str = "") -> str:
    return ";".join([notice, check, creditor, service, payer, code, obj, period, due, amount, instalments])


def write_csv(path: Path, *lines: str, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def key() -> dict[str, str]:
    return {"Idempotency-Key": f'"{uuid.uuid4()}"'}


def pay(gw: Gateway, token: str, notice: str, check: str, amount: int, *, method: str = "card",
        receipt_no: str | None = None, terminal_txn: str | None = None) -> dict:
    """Find, reserve and post a payment as a kiosk does; returns the posted payment."""
    txn = f"t-{uuid.uuid4().hex[:12]}"
    with gw.http(token) as c:
        found = c.post("/invoice-searches", json={"notice_number": notice, "check_value": check})
        assert found.status_code == 200, found.text
        inv_id = found.json()["invoices"][0]["invoice_id"]
        r = c.post("/payment-intents", headers=key(), json={
            "client_txn_id": txn, "items": [{"invoice_id": inv_id, "amount_cents": amount}]})
        assert r.status_code == 201, r.text
        body: dict = {"client_txn_id": txn, "method": method, "amount_cents": amount,
                      "approved_at": datetime.now(UTC).isoformat(), "receipt_no": receipt_no}
        if method == "card":
            body["terminal"] = {"terminal_id": "SIM-POI-1", "transaction_id": terminal_txn or f"SIM{txn[-7:]}",
                                "approval_code": "123456", "card_brand": "mc", "acquirer_batch": "B1"}
        r = c.post("/payments", headers=key(), json=body)
        assert r.status_code == 201, r.text
        return r.json()
