"""TransactionStatus of a Reversal (nexo MessageReference category "Reversal") and the recovery of
a reversal whose answer was never journaled (fault matrix B3): money goes back exactly once.

Real parts: the simulator process over HTTP, kiosk processes SIGKILLed at a journal step, the
`kiosk journal resolve` CLI as a subprocess.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from common.clock import SystemClock
from kiosk.config import load
from kiosk.journal import Journal
from kiosk.journal import MoneyState as M
from kiosk.payments.terminal_recovery import RecoveryResult
from kiosk.payments.terminal_service import recover_terminal
from kiosk.terminal import messages
from kiosk.terminal.base import OutcomeStatus, TerminalOutcome
from kiosk.terminal.nexo import NexoDriver
from kiosk.terminal.sim_process import SimulatorProcess
from kiosk.terminal.transport import HttpTransport

from .conftest import POI, http_driver
from .test_crash_and_cli import start_payer, write_config

SALE, POIID = "K1", "SIM-POI-1"

REFUNDER = """
import asyncio, sys
from kiosk.config import load
from kiosk.journal import Journal
from kiosk.payments.terminal_service import TerminalService
cfg = load(sys.argv[1])
j = Journal.open(cfg.data_dir() / "journal.sqlite3", kiosk_id=cfg.kiosk.id, generation=1)
asyncio.run(TerminalService.from_config(cfg, j).refund(sys.argv[2]))
"""


class CountingDriver(NexoDriver):
    """The nexo driver over HTTP, counting the Reversals it sends; optionally a terminal that
    keeps answering InProgress about earlier Reversals."""

    def __init__(self, url: str, sale_id: str, *, reversal_in_progress: bool = False) -> None:
        super().__init__(HttpTransport(url), sale_id=sale_id, poi_id=POI, side_timeout_s=2.0,
                         payment_timeout_s=2.0)
        self.refunds: list[str] = []
        self.reversal_queries = 0
        self.reversal_in_progress = reversal_in_progress

    async def refund(self, new_service_id: str, **kw: Any) -> TerminalOutcome:
        self.refunds.append(new_service_id)
        return await super().refund(new_service_id, **kw)

    async def status(self, service_id_of_payment: str, new_service_id: str, **kw: Any
                     ) -> TerminalOutcome:
        if kw.get("category") == "Reversal":
            self.reversal_queries += 1
            if self.reversal_in_progress:
                return TerminalOutcome(OutcomeStatus.IN_PROGRESS, service_id=service_id_of_payment,
                                       error_condition="InProgress")
        return await super().status(service_id_of_payment, new_service_id, **kw)


def recover(journal: Journal, driver: NexoDriver, deadline_s: float = 1.0) -> list[RecoveryResult]:
    async def go() -> list[RecoveryResult]:
        try:
            return await recover_terminal(journal, driver, clock=SystemClock(),
                                          deadline_s=deadline_s, retry_s=0.05)
        finally:
            await driver.aclose()
    return asyncio.run(go())


def killed_at(proc: subprocess.Popen[str]) -> None:
    assert proc.wait(timeout=20) == -9, "the kiosk process was not killed at its crash point"


def purposes(journal: Journal, txn: str) -> list[str]:
    return [p for _, p in journal.service_ids_for(txn)]


# -- messages ----------------------------------------------------------------------------------

def test_status_request_names_the_reversal() -> None:
    req = messages.status_request("K1R0000009", "K1S0000010", sale_id=SALE, poi_id=POIID,
                                  category="Reversal")
    body = req["SaleToPOIRequest"]
    assert body["MessageHeader"]["MessageCategory"] == "TransactionStatus"
    assert body["MessageHeader"]["ServiceID"] == "K1S0000010"
    assert body["TransactionStatusRequest"]["MessageReference"] == {
        "MessageCategory": "Reversal", "SaleID": SALE, "ServiceID": "K1R0000009"}
    default = messages.status_request("P1", "S1", sale_id=SALE, poi_id=POIID)
    assert default["SaleToPOIRequest"]["TransactionStatusRequest"]["MessageReference"][
        "MessageCategory"] == "Payment"
    with pytest.raises(ValueError):
        messages.status_request("P1", "S1", sale_id=SALE, poi_id=POIID, category="Abort")


def _status_answer(nested: dict[str, Any] | None, result: str = "Success",
                   error: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"Response": {"Result": result, **({"ErrorCondition": error}
                                                              if error else {})}}
    if nested is not None:
        body["RepeatedMessageResponse"] = {
            "MessageHeader": {"MessageCategory": "Reversal", "MessageType": "Response",
                              "ServiceID": "R1"},
            "RepeatedResponseMessageBody": nested}
    return {"SaleToPOIResponse": {"MessageHeader": {"MessageCategory": "TransactionStatus"},
                                  "TransactionStatusResponse": body}}


def test_parse_status_of_a_reversal() -> None:
    ok = _status_answer({"ReversalResponse": {
        "Response": {"Result": "Success"}, "ReversedAmount": messages.loads("10.47"),
        "POIData": {"POITransactionID": {"TransactionID": "SIM9.REV", "TimeStamp": "t"}}}})
    out = messages.parse_status(ok, payment_service_id="R1", category="Reversal",
                                transaction_id="SIM1.X")
    assert (out.status, out.amount_cents, out.service_id) == (OutcomeStatus.APPROVED, 1047, "R1")
    # That Reversal is over and moved nothing: final, never "busy, ask again".
    refused = _status_answer({"ReversalResponse": {
        "Response": {"Result": "Failure", "ErrorCondition": "NotAllowed"}}})
    out = messages.parse_status(refused, payment_service_id="R1", category="Reversal")
    assert out.status is OutcomeStatus.DECLINED and out.error_condition == "NotAllowed"
    for error, status in (("NotFound", OutcomeStatus.NOT_FOUND),
                          ("InProgress", OutcomeStatus.IN_PROGRESS)):
        out = messages.parse_status(_status_answer(None, "Failure", error),
                                    payment_service_id="R1", category="Reversal")
        assert out.status is status
    # A repeated PaymentResponse is not the answer about a Reversal.
    with pytest.raises(messages.ProtocolError):
        messages.parse_status(_status_answer({"PaymentResponse": {"Response": {
            "Result": "Success"}}}), payment_service_id="R1", category="Reversal")


# -- the simulator process over HTTP -----------------------------------------------------------

def test_status_of_a_reversal_over_http(sim: SimulatorProcess, sale_id: str) -> None:
    async def go() -> None:
        d = http_driver(sim.nexo_url, sale_id)
        try:
            paid = await d.pay("P1", 1250, sale_txn_id="TXN-1")
            assert paid.paid
            rev = await d.refund("R1", transaction_id=paid.transaction_id,
                                 transaction_time=paid.transaction_time, amount_cents=500)
            assert rev.status is OutcomeStatus.APPROVED
            found = await d.status("R1", "S1", category="Reversal", requested_cents=500,
                                   transaction_id=paid.transaction_id)
            assert (found.status, found.amount_cents) == (OutcomeStatus.APPROVED, 500)
            assert found.service_id == "R1"
            never = await d.status("R9", "S2", category="Reversal")
            assert never.status is OutcomeStatus.NOT_FOUND
            # The category counts: the payment's ServiceID is no Reversal, and the other way.
            assert (await d.status("P1", "S3", category="Reversal")).status is \
                OutcomeStatus.NOT_FOUND
            assert (await d.status("R1", "S4")).status is OutcomeStatus.NOT_FOUND
            # A second Reversal is refused; asked about later, it is over and moved nothing.
            again = await d.refund("R2", transaction_id=paid.transaction_id,
                                   transaction_time=paid.transaction_time)
            assert again.status is not OutcomeStatus.APPROVED
            assert (await d.status("R2", "S5", category="Reversal")).status is \
                OutcomeStatus.DECLINED
        finally:
            await d.aclose()
    asyncio.run(go())


# -- recovery ----------------------------------------------------------------------------------

def _partial_killed_at(sim: SimulatorProcess, tmp_path: Path, point: str
                       ) -> tuple[Path, Journal, str]:
    cfg = write_config(tmp_path, sim.nexo_url)
    proc = start_payer(cfg, 2094, KIOSK_CRASH_AT=point)  # ,94: half approved
    txn = proc.stdout.readline().strip()
    killed_at(proc)
    j = Journal.open(tmp_path / "data" / "journal.sqlite3", kiosk_id="K1", generation=1)
    assert j.get(txn).money_state is M.REVERSAL_PENDING
    return cfg, j, txn


def test_reversed_but_not_journaled_is_confirmed_without_a_second_reversal(
        sim: SimulatorProcess, tmp_path: Path) -> None:
    cfg, j, txn = _partial_killed_at(sim, tmp_path, "REVERSED:before")
    assert purposes(j, txn) == ["payment", "reversal"]  # the Reversal went out, REVERSED did not
    driver = CountingDriver(sim.nexo_url, load(cfg).terminal.sale_id)
    [res] = recover(j, driver)
    assert (res.before, res.after) == (M.REVERSAL_PENDING, M.REVERSED)
    assert driver.refunds == [], "a second Reversal was sent"
    assert driver.reversal_queries == 1
    assert purposes(j, txn) == ["payment", "reversal", "status"]
    assert "transaction status" in j.get(txn).note
    # Nothing left for the next payment to wait for.
    assert recover(j, CountingDriver(sim.nexo_url, load(cfg).terminal.sale_id)) == []
    j.close()


def test_reversal_that_never_reached_the_terminal_is_sent_anew(sim: SimulatorProcess,
                                                               tmp_path: Path) -> None:
    cfg, j, txn = _partial_killed_at(sim, tmp_path, "REVERSAL_PENDING:after")
    # As if the kiosk died between journaling the Reversal's ServiceID and sending it.
    j.allocate_service_id(txn, "reversal")
    driver = CountingDriver(sim.nexo_url, load(cfg).terminal.sale_id)
    [res] = recover(j, driver)
    assert res.after is M.REVERSED
    assert len(driver.refunds) == 1 and driver.reversal_queries == 1
    assert purposes(j, txn) == ["payment", "reversal", "status", "reversal"]
    j.close()


def test_unanswered_reversal_waits_for_a_person_who_can_close_it(sim: SimulatorProcess,
                                                                 tmp_path: Path) -> None:
    cfg, j, txn = _partial_killed_at(sim, tmp_path, "REVERSED:before")
    driver = CountingDriver(sim.nexo_url, load(cfg).terminal.sale_id, reversal_in_progress=True)
    started = time.monotonic()
    [res] = recover(j, driver, deadline_s=0.3)
    assert time.monotonic() - started < 5
    assert res.after is M.REVERSAL_PENDING  # the terminal did not say: no guess either way
    assert driver.refunds == [] and driver.reversal_queries >= 2  # asked again, sent nothing
    j.close()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk", "journal", *args, "--config",
                               str(cfg)], capture_output=True, text=True, timeout=60)

    wrong = cli("resolve", txn[:8], "--reason", "x", "--as", "void")
    assert wrong.returncode == 2 and "not in manual review" in wrong.stderr
    done = cli("resolve", txn[:8], "--reason", "acquirer portal: reversal 10,47 EUR done",
               "--as", "reversed")
    assert done.returncode == 0, done.stderr
    j = Journal.open(tmp_path / "data" / "journal.sqlite3", kiosk_id="K1", generation=1)
    entry = j.get(txn)
    assert entry.money_state is M.REVERSED and "acquirer portal" in entry.note
    assert [o.key for o in j.outbox_pending()] == [f"{txn}:release"]
    again = cli("resolve", txn[:8], "--reason", "twice", "--as", "reversed")
    assert again.returncode == 2 and "not waiting for a reversal" in again.stderr
    j.close()


def test_interrupted_staff_refund_is_confirmed(sim: SimulatorProcess, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sim.nexo_url)
    payer = start_payer(cfg, 3300)
    txn = payer.stdout.readline().strip()
    assert payer.stdout.readline().strip() == "APPROVED"
    payer.wait(timeout=20)
    refunder = subprocess.run([sys.executable, "-c", REFUNDER, str(cfg), txn], timeout=30,
                              env={**os.environ, "KIOSK_CRASH_AT": "REVERSED:before"})
    assert refunder.returncode == -9
    j = Journal.open(tmp_path / "data" / "journal.sqlite3", kiosk_id="K1", generation=1)
    assert j.get(txn).money_state is M.REVERSAL_PENDING
    driver = CountingDriver(sim.nexo_url, load(cfg).terminal.sale_id)
    [res] = recover(j, driver)
    assert (res.before, res.after) == (M.REVERSAL_PENDING, M.REVERSED)
    assert driver.refunds == [] and res.outcome is not None and res.outcome.amount_cents == 3300
    j.close()
