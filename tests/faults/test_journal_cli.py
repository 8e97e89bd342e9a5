"""`kiosk journal list | resolve` (real subprocesses) on real journals with manual-review entries.

The entries come from real payments, not from rows written by hand:
- charged: ,98 (the terminal approves late and ignores Abort) with a payment timeout and a status
  deadline shorter than the approval, so the kiosk cannot learn the outcome and asks a person;
- not charged: ,95 (waits for a card) on a simulator process stopped mid-payment, so every status
  query fails: the terminal died with the payment unfinished.
The librarian resolves them; the kiosk's next start posts the approved one exactly once and
releases the other's reservation, which the gateway's database shows.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from faults.conftest import Lane
from faults.harness import KioskDir, sim_totals, wait_sent_or_dead
from kiosk.terminal.sim_process import start_simulator


def journal_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "journal", *args],
                          capture_output=True, text=True, timeout=60)


def pay(lane: Lane, kd: KioskDir, cents: int) -> dict[str, object]:
    argv, result = kd.worker_argv("pay", lane.next_invoice(), str(cents))
    assert lane.zygote.run("worker", argv, log=kd.root / "pay.log") == 0
    return json.loads(result.read_text())


def recover(lane: Lane, kd: KioskDir) -> None:
    argv, _ = kd.worker_argv("recover")
    assert lane.zygote.run("worker", argv, log=kd.root / "recover.log") == 0


@pytest.fixture
def lane(lanes: list[Lane]) -> Lane:
    return lanes[0]


def test_list_and_resolve_an_unknown_outcome_that_was_charged(lane: Lane, tmp_path: Path) -> None:
    kd = KioskDir(tmp_path / "kiosk", lane.gateway.url, lane.gateway.token_file,
                  lane.sim.nexo_url, sale_id=f"CLI{time.monotonic_ns() % 10**8}",
                  kiosk_id=lane.kiosk_id, payment_timeout_s=0.2, recovery_deadline_s=0.2)
    before = sim_totals(lane.sim.nexo_url)
    out = pay(lane, kd, 198)
    assert out["verdict"] == "unknown"
    # The terminal approves after its 0.5 s: the money moved; nobody at the kiosk knows yet.
    deadline = time.monotonic() + 5
    while sim_totals(lane.sim.nexo_url)[0] == before[0] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sim_totals(lane.sim.nexo_url) == (before[0] + 1, before[1] + 198)
    [(txn, entry)] = kd.journal_payments().items()
    assert entry["money_state"] == "MANUAL_REVIEW"

    listed = journal_cli("list", "--config", str(kd.config))
    assert listed.returncode == 0, listed.stderr
    [row] = [ln for ln in listed.stdout.splitlines() if ln.startswith(txn[:8])]
    assert "MANUAL_REVIEW" in row and "REVIEW" in row.split()[-1] and "1,98" in row
    [reference] = re.findall(r"\bU[0-9A-Z]{7}\b", row)

    # Not resolvable by a typo, nor when it is not in review; the reason is required.
    assert journal_cli("resolve", "NOSUCHID", "--reason", "x", "--as", "approved",
                       "--config", str(kd.config)).returncode == 2
    assert journal_cli("resolve", reference, "--as", "approved",
                       "--config", str(kd.config)).returncode == 2
    # Both option positions work (before and after the subcommand).
    done = journal_cli("--config", str(kd.config), "resolve", reference, "--reason",
                       "acquirer portal shows it approved", "--as", "approved")
    assert done.returncode == 0, done.stderr
    assert "MANUAL_REVIEW -> APPROVED" in done.stdout
    entry = kd.journal_payments()[txn]
    assert entry["money_state"] == "APPROVED" and entry["receipt_no"]
    again = journal_cli("resolve", reference, "--reason", "twice", "--as", "void",
                        "--config", str(kd.config))
    assert again.returncode == 2 and "not in manual review" in again.stderr

    before_gw = set(lane.gateway.payments(lane.kiosk_id)) - {txn}
    recover(lane, kd)  # the kiosk's next start: posts it once and prints the receipt
    recover(lane, kd)  # and a second start changes nothing
    posted = {t: r for t, r in lane.gateway.payments(lane.kiosk_id).items()
              if t not in before_gw}
    assert list(posted) == [txn] and posted[txn]["amount_cents"] == 198
    entry = kd.journal_payments()[txn]
    assert (entry["money_state"], entry["receipt_state"]) == ("POSTED", "PRINTED")
    assert posted[txn]["receipt_no"] == entry["receipt_no"]
    assert lane.gateway.intents(lane.kiosk_id)[txn] == "consumed"

    listed = journal_cli("list", "--config", str(kd.config))
    assert listed.returncode == 0 and listed.stdout.strip() == "nothing to resolve"
    every = journal_cli("list", "--all", "--config", str(kd.config))
    assert txn[:8] in every.stdout and "POSTED" in every.stdout


def test_resolve_void_when_the_terminal_died_mid_payment(lane: Lane, tmp_path: Path) -> None:
    with start_simulator(slow_s=0.5, poi_id="SIM-POI-1") as dying:
        kd = KioskDir(tmp_path / "kiosk", lane.gateway.url, lane.gateway.token_file,
                      dying.nexo_url, sale_id="CLIVOID", kiosk_id=lane.kiosk_id,
                      payment_timeout_s=3.0, recovery_deadline_s=0.3)
        argv, result = kd.worker_argv("pay", lane.next_invoice(), "295")
        proc = lane.zygote.spawn("worker", argv, log=kd.root / "pay.log")
        wait_sent_or_dead(kd, proc)
        time.sleep(0.2)  # the payment request is open at the terminal
        dying.stop()
        assert proc.join(20) == 0
    assert json.loads(result.read_text())["verdict"] == "unknown"
    [(txn, entry)] = kd.journal_payments().items()
    assert entry["money_state"] == "MANUAL_REVIEW"
    assert lane.gateway.intents(lane.kiosk_id)[txn] == "active"  # still held for the resident

    assert journal_cli("list", "--config", str(tmp_path / "nope.toml")).returncode == 2
    # A config whose journal does not exist: an error, not a new empty journal saying "all fine".
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "empty"}"\n', encoding="utf-8")
    missing = journal_cli("list", "--config", str(elsewhere))
    assert missing.returncode == 2 and "no journal" in missing.stderr
    assert not (tmp_path / "empty" / "journal.sqlite3").exists()
    listed = journal_cli("list", "--config", str(kd.config))
    assert txn[:8] in listed.stdout and "REVIEW" in listed.stdout
    done = journal_cli("resolve", txn[:8], "--reason", "terminal journal: no card read",
                       "--as", "void", "--config", str(kd.config))
    assert done.returncode == 0, done.stderr
    assert kd.journal_payments()[txn]["money_state"] == "VOID"
    assert ("intent-release", f"{txn}:release") in {o[:2] for o in kd.pending_outbox()}

    recover(lane, kd)
    assert lane.gateway.intents(lane.kiosk_id)[txn] == "released"
    assert txn not in lane.gateway.payments(lane.kiosk_id)
    assert not kd.pending_outbox()
    assert journal_cli("list", "--config", str(kd.config)).stdout.strip() == "nothing to resolve"
