"""Shared fixtures: a simulator *process* on loopback (reuse `start_simulator` from other suites)."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from kiosk.journal import Journal
from kiosk.terminal.nexo import NexoDriver
from kiosk.terminal.sim_process import SimulatorProcess, start_simulator
from kiosk.terminal.transport import HttpTransport

FIXTURES = Path(__file__).parent / "fixtures"
POI = "SIM-POI-1"
_sale_ids = itertools.count(1)


@pytest.fixture(scope="session")
def sim() -> SimulatorProcess:
    with start_simulator(slow_s=0.3, poi_id=POI) as proc:
        yield proc


@pytest.fixture
def sale_id() -> str:
    # A fresh SaleID per test: ServiceIDs are unique per SaleID on the shared simulator.
    return f"T{os.getpid()}-{next(_sale_ids)}"


def http_driver(url: str, sale_id: str, *, payment_timeout_s: float = 2.0,
                **transport_kw: object) -> NexoDriver:
    return NexoDriver(HttpTransport(url, **transport_kw), sale_id=sale_id, poi_id=POI,
                      payment_timeout_s=payment_timeout_s, side_timeout_s=2.0)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal.open(tmp_path / "journal.sqlite3", kiosk_id="T1", generation=1)
    yield j
    j.close()
