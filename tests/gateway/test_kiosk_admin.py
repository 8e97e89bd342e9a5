"""`kiosk gateway kiosk list | revoke | rotate-token | register-key` against a live gateway, and
`kiosk keys generate` on the kiosk side: a registered key verifies on `/r/` for its own kiosk only."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from gw_helpers import Gateway
from ops_helpers import run_cli

from common.signing import SignedLine, Signer, sign
from gateway.demo_data import DEMO_INVOICES

INV = DEMO_INVOICES[0]


def _search_status(gw: Gateway, token: str) -> int:
    with gw.http(token) as c:
        return c.post("/invoice-searches", json={"notice_number": INV.notice_number,
                                                 "check_value": INV.check_value}).status_code


def test_revoke_turns_the_token_off_at_once(gw: Gateway, capsys: pytest.CaptureFixture[str]) -> None:
    kiosk_id, token = gw.add_kiosk("cesis")
    assert _search_status(gw, token) == 200
    code, out, _err = run_cli(capsys, "gateway", "kiosk", "revoke", "--db", gw.db_url, kiosk_id)
    assert code == 0 and "revoked" in out
    assert _search_status(gw, token) == 401
    code, out, _err = run_cli(capsys, "gateway", "kiosk", "revoke", "--db", gw.db_url, kiosk_id)
    assert code == 0 and "already revoked" in out
    code, _out, err = run_cli(capsys, "gateway", "kiosk", "rotate-token", "--db", gw.db_url, kiosk_id)
    assert code == 1 and "revoked" in err
    code, out, _err = run_cli(capsys, "gateway", "kiosk", "list", "--db", gw.db_url)
    (line,) = [ln for ln in out.splitlines() if ln.startswith(kiosk_id)]
    assert "cesis" in line and "revoked" in line
    code, _out, err = run_cli(capsys, "gateway", "kiosk", "revoke", "--db", gw.db_url, "no-such-kiosk")
    assert code == 1 and "unknown kiosk" in err


def test_rotate_token_replaces_the_old_one(gw: Gateway, capsys: pytest.CaptureFixture[str]) -> None:
    kiosk_id, old = gw.add_kiosk()
    code, out, _err = run_cli(capsys, "gateway", "kiosk", "rotate-token", "--db", gw.db_url, kiosk_id)
    assert code == 0
    new = out.rsplit(": ", 1)[1].strip()
    assert new != old and len(new) >= 40
    assert _search_status(gw, old) == 401
    assert _search_status(gw, new) == 200


def _receipt(signer: Signer, kiosk_id: str) -> str:
    return sign(signer, kiosk_id=kiosk_id, receipt_no=f"{kiosk_id}.1-7", time=datetime.now(UTC),
                total_cents=14840, method="C", lines=[SignedLine(14840, "cesu-novads", INV.notice_number)]).payload


def test_generated_key_registered_verifies_its_kiosks_receipts_only(
        gw: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    kiosk_id, _token = gw.add_kiosk()
    other_id, _t2 = gw.add_kiosk()
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "kiosk-data"))
    code, out, err = run_cli(capsys, "keys", "generate", "--kiosk-id", kiosk_id, "--kid", f"{kiosk_id}-k1")
    assert code == 0, err
    private = tmp_path / "kiosk-data" / f"{kiosk_id}-k1.key.pem"
    public = private.with_name(f"{kiosk_id}-k1.pub.pem")
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    assert out.startswith("-----BEGIN PUBLIC KEY-----") and out == public.read_text()
    code, _o, err = run_cli(capsys, "keys", "generate", "--kiosk-id", kiosk_id, "--kid", f"{kiosk_id}-k1")
    assert code == 1 and "never overwritten" in err

    signer = Signer.from_pem_file(private)
    with httpx.Client(base_url=gw.base_url) as c:
        assert c.get(f"/r/{_receipt(signer, kiosk_id)}").status_code == 404  # not registered yet
        code, out, err = run_cli(capsys, "gateway", "kiosk", "register-key", "--db", gw.db_url, kiosk_id,
                                 str(public))
        assert code == 0 and f"key {kiosk_id}-k1 registered" in out, err
        ok = c.get(f"/r/{_receipt(signer, kiosk_id)}")
        assert ok.status_code == 200 and "14,80 €" not in ok.text and "148,40 €" in ok.text
        # The same key cannot vouch for another kiosk's receipts.
        assert c.get(f"/r/{_receipt(signer, other_id)}").status_code == 404
        kids = [k["kid"] for k in c.get("/api/v1/receipt-keys").json()["keys"]]
        assert f"{kiosk_id}-k1" in kids
    code, _o, err = run_cli(capsys, "gateway", "kiosk", "register-key", "--db", gw.db_url, other_id, str(public))
    assert code == 1 and "another kiosk" in err
    code, out, _e = run_cli(capsys, "gateway", "kiosk", "register-key", "--db", gw.db_url, kiosk_id, str(public))
    assert code == 0 and "already registered" in out
    bad = tmp_path / "x.pub.pem"
    bad.write_text("not a key")
    code, _o, err = run_cli(capsys, "gateway", "kiosk", "register-key", "--db", gw.db_url, kiosk_id, str(bad))
    assert code == 1 and "not a PEM public key" in err
