"""The fault matrix's cash row: SIGKILL a real kiosk process at every journal step of a cash payment
at the librarian's desk, restart it, and check from outside that no cash is lost or posted twice.

Per case: a fresh kiosk data dir on the lane's gateway process (uvicorn, SQLite) with an operator of
the kiosk's location added by `kiosk gateway operator add`; the worker (kiosk_worker.py `pay-cash`)
signs the operator in, finds a demo invoice and takes cash for it with change, with the crash point
set; the restart (`recover-desk`) signs in again, recovers and flushes. The checks read the
gateway's database, the journal file and the printer's output file:
- killed before the journal says APPROVED (the librarian saw no receipt, the drawer never opened):
  nothing posted, the entry VOID, the reservation released;
- killed at APPROVED or later: posted exactly once, as cash, for the journaled amount, with the
  same receipt number; the receipt's bytes reached the printer and say "Samaksāts skaidrā naudā";
- every entry settled, the outbox empty, no reservation left, and the shift's expected cash (from
  the journal) equals the cash the gateway has from this kiosk.
The table goes to tests/_artifacts/faults/cash.txt.
"""

from __future__ import annotations

import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from faults.conftest import ARTIFACTS, Lane
from faults.harness import KioskDir
from faults.test_fault_matrix import crash_env, trace_key

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "printer"))
from escpos_decode import decode, model_pages

from printer.models import get_model

# The cash path's journal steps (kiosk.payments.cash): begun RESERVED, RESERVED again with the
# gateway's intent, APPROVED when the librarian took the cash, APPROVED again with the approval time
# and receipt number, POSTED, then the receipt track.
POINTS = ["RESERVED:after", "RESERVED:before#2", "RESERVED:after#2",
          "APPROVED:before", "APPROVED:after", "APPROVED:before#2", "APPROVED:after#2",
          "POSTED:before", "POSTED:after",
          "receipt-PRINT_SENT:before", "receipt-PRINT_SENT:after", "receipt-PRINTED:before",
          "none"]
NOT_TAKEN = {"RESERVED:after", "RESERVED:before#2", "RESERVED:after#2", "APPROVED:before"}
CHANGE = 730  # handed over beyond the amount: the receipt shows the change
PAGES = model_pages(get_model("generic-80"))  # the fault kiosks' printer model (the default)


def operator_env(lane: Lane) -> dict[str, str]:
    """The lane's desk operator, added once (its PIN is printed once, by the CLI)."""
    env = getattr(lane, "_cash_operator", None)
    if env is None:
        name = f"Kasiere {lane.name}"
        out = lane.gateway.cli("operator", "add", "--name", name, "--location", "zoseni")
        pin = re.search(r"PIN \(shown once\): (\d+)", out)
        assert pin, out
        env = {"FAULT_OPERATOR": name, "FAULT_PIN": pin.group(1)}
        lane._cash_operator = env  # type: ignore[attr-defined]
    return env


def gateway_cash(lane: Lane) -> dict[str, dict[str, Any]]:
    rows = lane.gateway._query("SELECT client_txn_id, method, amount_cents, receipt_no FROM payments "
                               "WHERE kiosk_id = ?", (lane.kiosk_id,))
    return {r["client_txn_id"]: dict(r) for r in rows}


def run_case(lane: Lane, point: str, index: int) -> str:
    kd = KioskDir(lane.root / "cash" / f"{index:02d}-{point.replace(':', '-').replace('#', '-')}",
                  lane.gateway.url, lane.gateway.token_file, lane.sim.nexo_url,
                  sale_id=f"C{lane.name}{index}", kiosk_id=lane.kiosk_id)
    kd.config.write_text(kd.config.read_text(encoding="utf-8").replace(
        'device = "file"', 'device = "file"\ncash_drawer = true'), encoding="utf-8")
    env = operator_env(lane)
    before = set(gateway_cash(lane))
    argv, result = kd.worker_argv("pay-cash", lane.next_invoice(), str(CHANGE))
    code = lane.zygote.run("worker", argv, log=kd.root / "pay.log",
                           env={**env, **crash_env(point, kd.trace)}, timeout=60)
    passed = kd.passed_points()
    reached = trace_key(point) in passed
    if point == "none":
        assert code == 0, f"worker exit {code}; see {kd.root / 'pay.log'}"
        out = json.loads(result.read_text())
        assert (out["verdict"], out["code"]) == ("paid", "paid"), out
    else:
        assert code == -9 and reached and passed[-1] == trace_key(point), (code, passed[-3:])
    argv, recovered = kd.worker_argv("recover-desk")
    assert lane.zygote.run("worker", argv, log=kd.root / "recover.log", env=env) == 0, (
        f"see {kd.root / 'recover.log'}")
    expected_cash = json.loads(recovered.read_text())["expected_cash"]

    journal = kd.journal_payments()
    posted = {t: r for t, r in gateway_cash(lane).items() if t not in before}
    [(txn, entry)] = journal.items()
    taken = point not in NOT_TAKEN
    if not taken:
        assert entry["money_state"] == "VOID" and not posted, (entry, posted)
    else:
        assert list(posted) == [txn], posted  # exactly once
        row = posted[txn]
        assert (row["method"], row["amount_cents"], row["receipt_no"]) == (
            "cash", entry["amount_cents"], entry["receipt_no"]), (row, entry)
        assert entry["money_state"] == "POSTED" and entry["receipt_state"] == "PRINTED", entry
        printed = [data for where, data in kd.receipt_jobs(entry["receipt_no"]) if where == "printed"]
        assert printed and printed[-1] in kd.printed_bytes(), "receipt never reached the printer"
        paper = "\n".join(decode(printed[-1], PAGES).texts)
        assert "Samaksāts skaidrā naudā" in paper and "7,30" in paper, paper
        if point == "none":  # the desk's own print opened the drawer; a recovery print does not
            assert decode(printed[-1], PAGES).of("drawer")
    assert expected_cash == (entry["amount_cents"] if taken else 0)
    assert not lane.gateway.active_intents(lane.kiosk_id)
    assert not kd.pending_outbox(), kd.pending_outbox()
    return "cash posted" if taken else "not taken"


@pytest.fixture(scope="module")
def cash_row(lanes: list[Lane]) -> dict[str, str]:
    results: dict[str, str] = {}

    def lane_work(lane_no: int) -> None:
        lane = lanes[lane_no]
        for index, point in enumerate(POINTS):
            if index % 2 != lane_no:
                continue
            try:
                results[point] = run_case(lane, point, index)
            except Exception as exc:  # reported per cell below
                lane.gateway.release_all_intents(lane.kiosk_id)
                results[point] = f"FAIL {type(exc).__name__}: {exc}"

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lane_work, range(2)))
    table = "\n".join(f"{p:<27}{results[p]}" for p in POINTS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "cash.txt").write_text("cash at the desk, killed at each step\n" + table + "\n",
                                        encoding="utf-8")
    print("\n" + table)
    return results


@pytest.mark.parametrize("point", POINTS)
def test_cash_payment_killed_loses_nothing(cash_row: dict[str, str], point: str) -> None:
    assert not cash_row[point].startswith("FAIL"), cash_row[point]
    assert cash_row[point] == ("not taken" if point in NOT_TAKEN else "cash posted")
