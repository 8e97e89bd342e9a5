"""The in-process SimulatorDriver the demo and flow tests use, built from config."""

from __future__ import annotations

import asyncio

from kiosk.config import parse
from kiosk.journal import MoneyState as M
from kiosk.payments.terminal_factory import driver_from_config
from kiosk.payments.terminal_service import TerminalService
from kiosk.terminal.base import OutcomeStatus
from kiosk.terminal.simulator import SimulatorDriver


def test_default_config_gives_the_simulator_without_scenarios(journal) -> None:
    cfg = parse({"terminal": {"simulated_delay_s": 0.0}})
    svc = TerminalService.from_config(cfg, journal)
    assert isinstance(svc.driver, SimulatorDriver)
    entry = journal.begin_payment(amount_cents=91, method="card", data={})
    out = asyncio.run(svc.pay(entry.client_txn_id))
    assert out.paid and journal.get(entry.client_txn_id).money_state is M.APPROVED


def test_scenarios_when_enabled(journal) -> None:
    cfg = parse({"terminal": {"simulated_delay_s": 0.0, "scenarios": True,
                              "payment_timeout_s": 0.2, "status_retry_s": 0.02,
                              "recovery_deadline_s": 0.5}})
    svc = TerminalService.from_config(cfg, journal)
    results = {}
    for cents in (191, 192, 193, 194, 195, 196):
        entry = journal.begin_payment(amount_cents=cents, method="card", data={})
        out = asyncio.run(svc.pay(entry.client_txn_id))
        results[cents] = (out.status, journal.get(entry.client_txn_id).money_state)
    assert results == {
        191: (OutcomeStatus.DECLINED, M.DECLINED),
        192: (OutcomeStatus.CANCELLED, M.CANCELLED),
        193: (OutcomeStatus.BUSY, M.CANCELLED),
        194: (OutcomeStatus.PARTIAL, M.REVERSED),
        195: (OutcomeStatus.CANCELLED, M.VOID),
        196: (OutcomeStatus.APPROVED, M.APPROVED),
    }


def test_visible_delay_is_configurable() -> None:
    import time

    d = driver_from_config(parse({"terminal": {"simulated_delay_s": 0.2}}))
    t0 = time.monotonic()
    out = asyncio.run(d.pay("D1", 100, sale_txn_id="t"))
    assert out.paid and 0.18 <= time.monotonic() - t0 < 1.0
