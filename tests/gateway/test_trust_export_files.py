"""Exports of personal or money data are a new file of mode 0600 (docs/architecture.md,
"Operations"): written over an existing world-readable file they do not keep its mode, and they
replace it at once (a temp file in the same folder, renamed), leaving no temp file behind.
"""

from __future__ import annotations

import argparse
import os
import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from gw_helpers import Gateway
from ops_helpers import invoice_line, key, new_notice, pay, run_cli, write_csv

from gateway.cli import configure_applications as configure_applications_cli


def _world_readable(path: Path) -> Path:
    path.write_text("old contents\n", encoding="utf-8")
    os.chmod(path, 0o644)
    return path


def _private_and_alone(path: Path) -> None:
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8") != "old contents\n"
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("fmt", ["csv", "camt054"])
def test_export_payments_over_a_world_readable_file_is_0600(
        gw: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    _kid, token = gw.add_kiosk()
    _inv, notice, check = gw.make_invoice(total=900)
    pay(gw, token, notice, check, 900)
    out = _world_readable(tmp_path / f"payments.{fmt}")
    today = datetime.now(UTC).date()
    code, _o, err = run_cli(capsys, "gateway", "export-payments", "--db", gw.db_url, "--from",
                            (today - timedelta(days=1)).isoformat(), "--to", (today + timedelta(days=1)).isoformat(),
                            "--format", fmt, "--out", str(out))
    assert code == 0, err
    _private_and_alone(out)


def test_the_applications_export_over_a_world_readable_file_is_0600(gw: Gateway, tmp_path: Path) -> None:
    _kid, token = gw.add_kiosk()
    body = {"client_application_id": f"perm-{uuid.uuid4().hex[:8]}", "service_code": "general-application",
            "form_version": 1, "submitted_at": datetime.now(UTC).isoformat(),
            "answers": {"subject": "Ceļš", "text": "Lūdzu", "full_name": "Anna", "reply_channel": "library"}}
    with gw.http(token) as c:
        r = c.post("/applications", headers=key(), json=body)
    assert r.status_code == 201, r.text
    parser = argparse.ArgumentParser()
    configure_applications_cli(parser)
    out = _world_readable(tmp_path / "apps.csv")
    args = parser.parse_args(["export", "--db", gw.db_url, "--out", str(out)])
    assert args.func(args) == 0
    _private_and_alone(out)
    assert r.json()["registration_no"] in out.read_text(encoding="utf-8")


def test_computed_check_values_over_a_world_readable_file_are_0600(
        gw: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notice = new_notice()
    csv_in = write_csv(tmp_path / "in.csv", invoice_line(notice, amount="12,00"))
    out = _world_readable(tmp_path / "checks.csv")
    code, _o, err = run_cli(capsys, "gateway", "import-invoices", "--db", gw.db_url, "--key-file",
                            str(tmp_path / "k"), "--check-values-out", str(out), str(csv_in))
    assert code == 0, err
    _private_and_alone(out)
    assert notice in out.read_text(encoding="utf-8")
