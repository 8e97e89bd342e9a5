"""With lock-down on, SIGTERM (systemd) and SIGINT (an administrator's Ctrl+C)
stop the kiosk cleanly: it says STOPPING to systemd, exits 0 and leaves the journal closed
(its write-ahead log checkpointed away); Escape and the window's close stay refused.

The real `kiosk run --config FILE` in its own process (headless SDL), a real notify socket for
readiness."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common.signing import generate_kiosk_key

ROOT = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path) -> Path:
    generate_kiosk_key(tmp_path / "sig-k1.key.pem")
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[kiosk]\nid = "sig-1"\nlocation = "zoseni"\ndata_dir = "{tmp_path / "data"}"\n'
        f'signing_key_file = "{tmp_path / "sig-k1.key.pem"}"\n\n[terminal]\ndriver = "simulator"\n\n'
        '[printer]\ndevice = "preview"\n\n[display]\nfullscreen = false\nlockdown = true\n', "utf-8")
    return path


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_locked_down_kiosk_stops_cleanly_on_a_signal(tmp_path: Path, sig: signal.Signals) -> None:
    cfg = _config(tmp_path)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(0.1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "SDL_"))}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.update(SDL_VIDEODRIVER="offscreen", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(ROOT),
               NOTIFY_SOCKET=str(tmp_path / "notify.sock"))
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(cfg)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    messages: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while not any(m.startswith("READY=1") for m in messages):
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, f"never ready: {messages}"
            try:
                messages.append(notify.recv(4096).decode())
            except TimeoutError:
                pass
        time.sleep(0.5)
        sent = time.monotonic()
        proc.send_signal(sig)
        try:
            _out, err = proc.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError(f"{sig.name} did not stop the locked-down kiosk") from None
        took = time.monotonic() - sent
        while True:
            try:
                messages.append(notify.recv(4096).decode())
            except (TimeoutError, OSError):
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        notify.close()
    print(f"\n{sig.name}: stopped {took:.1f} s after the signal")
    assert proc.returncode == 0, err[-3000:]
    assert messages[-1] == "STOPPING=1", messages
    journal = tmp_path / "data" / "journal.sqlite3"
    assert journal.exists()
    wal = journal.with_name(journal.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # closed: nothing left in the WAL
    with sqlite3.connect(journal) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
