"""A real kiosk-side process killed mid-payment, recovery on restart; the lock; the CLI."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.config import load
from kiosk.journal import Journal
from kiosk.journal import MoneyState as M
from kiosk.payments.terminal_lock import TerminalLock, TerminalLocked
from kiosk.payments.terminal_service import TerminalService

PAYER = """
import asyncio, sys
from kiosk.config import load
from kiosk.journal import Journal
from kiosk.payments.terminal_lock import TerminalLock, lock_path
from kiosk.payments.terminal_service import TerminalService
cfg = load(sys.argv[1])
lock = TerminalLock(lock_path(cfg)).acquire()
j = Journal.open(cfg.data_dir() / "journal.sqlite3", kiosk_id=cfg.kiosk.id, generation=1)
e = j.begin_payment(amount_cents=int(sys.argv[2]), method="card", data={})
print(e.client_txn_id, flush=True)
out = asyncio.run(TerminalService.from_config(cfg, j).pay(e.client_txn_id))
print(out.status.value, flush=True)
"""


def write_config(tmp_path: Path, endpoint: str, **terminal: object) -> Path:
    lines = ["[kiosk]", 'id = "K1"', f'data_dir = "{tmp_path / "data"}"', "", "[terminal]",
             'driver = "nexo"', f'endpoint = "{endpoint}"', 'poi_id = "SIM-POI-1"',
             f'sale_id = "CRASH{os.getpid()}{tmp_path.name[-6:]}"', "payment_timeout_s = 5.0",
             "status_retry_s = 0.05", "recovery_deadline_s = 2.0"]
    lines += [f"{k} = {v!r}".replace("'", '"') for k, v in terminal.items()]
    path = tmp_path / "kiosk.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def start_payer(cfg: Path, cents: int, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", PAYER, str(cfg), str(cents)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, **env})


def restart_recovery(cfg_path: Path) -> list:  # type: ignore[type-arg]
    cfg = load(cfg_path)
    j = Journal.open(cfg.data_dir() / "journal.sqlite3", kiosk_id="K1", generation=1)
    svc = TerminalService.from_config(cfg, j)

    async def go():  # type: ignore[no-untyped-def]
        try:
            return await svc.recover()
        finally:
            await svc.driver.aclose()
    try:
        return asyncio.run(go())
    finally:
        j.close()


def test_sigkill_while_the_terminal_holds_the_payment(sim, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sim.nexo_url)
    proc = start_payer(cfg, 1295)  # ,95: the terminal holds the payment until aborted
    txn = proc.stdout.readline().strip()
    j = Journal.open(tmp_path / "data" / "journal.sqlite3", kiosk_id="K1", generation=1)
    deadline = time.monotonic() + 5
    while j.get(txn).money_state is not M.SENT_TO_TERMINAL and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)  # the POST is now open at the terminal
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert j.get(txn).money_state is M.SENT_TO_TERMINAL
    results = restart_recovery(cfg)  # the dead process's flock is gone: recovery may own it
    assert [(r.client_txn_id, r.before) for r in results] == [(txn, M.SENT_TO_TERMINAL)]
    assert j.get(txn).money_state is M.VOID  # aborted at the terminal: not charged
    j.close()


def test_crash_after_approval_before_journaling_recovers_approved(sim, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sim.nexo_url)
    proc = start_payer(cfg, 1250, KIOSK_CRASH_AT="APPROVED:before")
    txn = proc.stdout.readline().strip()
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    j = Journal.open(tmp_path / "data" / "journal.sqlite3", kiosk_id="K1", generation=1)
    assert j.get(txn).money_state is M.SENT_TO_TERMINAL
    results = restart_recovery(cfg)
    assert results[0].after is M.APPROVED
    e = j.get(txn)
    assert e.money_state is M.APPROVED and e.terminal["amount_cents"] == 1250
    j.close()


def kiosk_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "terminal", *args],
                          capture_output=True, text=True, timeout=30)


def test_lock_refuses_a_second_owner(sim, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sim.nexo_url)
    lock_file = tmp_path / "data" / "terminal.lock"
    holder = subprocess.Popen([sys.executable, "-c",
                               "import sys,time\nfrom kiosk.payments.terminal_lock import TerminalLock\n"
                               f"l=TerminalLock({str(lock_file)!r}).acquire()\n"
                               "print('held',flush=True)\ntime.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(TerminalLocked) as err:
            TerminalLock(lock_file).acquire()
        assert str(holder.pid) in str(err.value)
        res = kiosk_cli("test-payment", "--amount", "0.01", "--config", str(cfg))
        assert res.returncode == 3 and "in use" in res.stderr
    finally:
        holder.kill()
        holder.wait()
    with TerminalLock(lock_file):  # released by the kernel when the holder died
        pass


def test_cli_test_payment_diagnose_refund(sim, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sim.nexo_url)
    res = kiosk_cli("test-payment", "--amount", "0.01", "--config", str(cfg))
    assert res.returncode == 0, res.stderr
    assert "status: APPROVED" in res.stdout and "Card: ************3511" in res.stdout
    txn_id = next(line.split(": ", 1)[1] for line in res.stdout.splitlines()
                  if line.startswith("terminal transaction: "))
    res = kiosk_cli("diagnose", "--config", str(cfg))
    assert res.returncode == 0 and "reachable: yes" in res.stdout
    res = kiosk_cli("refund", "--transaction-id", txn_id, "--amount", "0.01", "--config", str(cfg))
    assert res.returncode == 0 and "status: APPROVED" in res.stdout
    res = kiosk_cli("test-payment", "--amount", "0,91", "--config", str(cfg))
    assert res.returncode == 1 and "status: DECLINED" in res.stdout
