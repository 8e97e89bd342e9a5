"""`kiosk diagnose` against real parts: a uvicorn gateway on loopback, the fake ESC/POS network
printer, a TCP listener as the terminal, a real journal file (and a damaged one)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.signing import generate_kiosk_key

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "printer"))
sys.path.insert(0, str(ROOT / "tests" / "gateway"))
from fake_printer import FakePrinter
from gw_helpers import Gateway, start_gateway


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    gw = start_gateway("sqlite", f"sqlite:///{tmp_path_factory.mktemp('gw') / 'gw.sqlite3'}")
    yield gw
    gw.server.stop()
    gw.engine.dispose()


@pytest.fixture
def terminal_port() -> Iterator[int]:
    """Something listening where the nexo terminal would be."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    yield srv.getsockname()[1]
    srv.close()


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _config(tmp_path: Path, gateway_url: str, printer_port: int, terminal_port: int) -> Path:
    token = tmp_path / "gateway.token"
    key = tmp_path / "diag-1-2026.key.pem"
    generate_kiosk_key(key)  # a real key: `kiosk config check` reads it (the public demo key fails)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f"""
[kiosk]
id = "diag-1"
data_dir = "{tmp_path / 'data'}"
signing_key_file = "{key}"
[gateway]
url = "{gateway_url}"
token_file = "{token}"
timeout_s = 3
[terminal]
driver = "nexo"
endpoint = "http://127.0.0.1:{terminal_port}/nexo"
payment_timeout_s = 150
connect_timeout_s = 1
[printer]
device = "network"
host = "127.0.0.1"
port = {printer_port}
timeout_s = 2
""", encoding="utf-8")
    return cfg


def _diagnose(cfg: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KIOSK_DATA_DIR=str(tmp_path / "demo-data"))
    return subprocess.run([sys.executable, "-m", "kiosk", "diagnose", "--config", str(cfg)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def _lines(out: str) -> dict[str, str]:
    return {ln.split()[1]: ln.split()[0] for ln in out.splitlines() if not ln.startswith("kiosk ")}


def _journal(tmp_path: Path) -> Path:
    from kiosk.journal import Journal

    path = tmp_path / "data" / "journal.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    Journal.open(path, kiosk_id="diag-1", generation=1).close()
    return path


def test_healthy_kiosk_is_all_ok(tmp_path, gateway, terminal_port):
    _kiosk_id, token = gateway.add_kiosk()
    with FakePrinter("ok") as printer:
        cfg = _config(tmp_path, gateway.base_url, printer.port, terminal_port)
        (tmp_path / "gateway.token").write_text(token + "\n")
        _journal(tmp_path)
        proc = _diagnose(cfg, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _lines(proc.stdout) == {"config": "OK", "printer": "OK", "terminal": "OK",
                                   "gateway": "OK", "disk": "OK", "journal": "OK"}
    assert "no problems found" in proc.stdout
    assert len(proc.stdout.splitlines()) <= 24  # one screen
    assert token not in proc.stdout + proc.stderr


def test_paper_out_gateway_down_and_terminal_gone_exit_1(tmp_path):
    with FakePrinter("paper_out") as printer:
        cfg = _config(tmp_path, f"http://127.0.0.1:{_free_port()}", printer.port, _free_port())
        (tmp_path / "gateway.token").write_text("x\n")
        proc = _diagnose(cfg, tmp_path)
    assert proc.returncode == 1
    found = _lines(proc.stdout)
    assert found["printer"] == found["gateway"] == found["terminal"] == "FAIL"
    assert "paper_out" in proc.stdout and "gateway-unreachable" in proc.stdout
    assert found["journal"] == "WARN"  # not created yet is no failure
    assert "problems: printer, terminal, gateway" in proc.stdout


def test_damaged_journal_fails_the_integrity_check(tmp_path, gateway, terminal_port):
    _kiosk_id, token = gateway.add_kiosk()
    path = _journal(tmp_path)
    import sqlite3

    db = sqlite3.connect(path)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    roots = [r[0] for r in db.execute("SELECT rootpage FROM sqlite_master WHERE rootpage > 1")]
    db.close()
    data = bytearray(path.read_bytes())
    for root in roots:  # every table's b-tree page gets an impossible page type
        data[(root - 1) * page_size] = 0x07
    path.write_bytes(bytes(data))
    with FakePrinter("ok") as printer:
        cfg = _config(tmp_path, gateway.base_url, printer.port, terminal_port)
        (tmp_path / "gateway.token").write_text(token + "\n")
        proc = _diagnose(cfg, tmp_path)
    assert proc.returncode == 1, proc.stdout
    assert _lines(proc.stdout)["journal"] == "FAIL"


def test_invalid_config_is_a_failure_naming_the_key(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[service]\nnightly_restart = "25:99"\n', encoding="utf-8")
    proc = _diagnose(cfg, tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("FAIL  config") and "service.nightly_restart" in proc.stdout
