"""Session fixtures: lanes of real processes shared by the fault tests.

A lane = a fork server (zygote.py), a simulator process and a gateway process (uvicorn on a SQLite
file) with this lane's kiosk registered by `kiosk gateway add-kiosk`. Two lanes let the matrix use
both cores; each case still gets a fresh kiosk data dir.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from faults.harness import GatewayServer, Zygote, free_port
from gateway.demo_data import DEMO_INVOICES
from kiosk.terminal.sim_process import SimulatorProcess, start_simulator

ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts" / "faults"
# Invoices with room for many small payments; lanes take turns so none holds two reservations.
ROOMY = [i.notice_number for i in DEMO_INVOICES if i.balance_cents >= 5000]


@dataclass
class Lane:
    name: str
    root: Path
    zygote: Zygote
    sim: SimulatorProcess
    gateway: GatewayServer
    kiosk_id: str
    invoices: list[str]
    _next: itertools.count = field(default_factory=itertools.count)

    def next_invoice(self) -> str:
        return self.invoices[next(self._next) % len(self.invoices)]

    def close(self) -> None:
        self.gateway.stop()
        self.sim.stop()
        self.zygote.close()


def open_lane(name: str, root: Path, invoices: list[str]) -> Lane:
    root.mkdir(parents=True, exist_ok=True)
    zygote = Zygote()
    # slow_s: the ,97 slow approval leaves time to stop the gateway while the card is read.
    sim = start_simulator(slow_s=0.5, poi_id="SIM-POI-1")
    gw = GatewayServer(zygote=zygote, db_path=root / "gateway.sqlite3", port=free_port(),
                       log=root / "gateway.log")
    gw.cli("seed-demo")
    gw.token_file = root / "kiosk.token"
    kiosk_id = f"fault-{name}"
    gw.add_kiosk(kiosk_id, gw.token_file)
    gw.start()
    return Lane(name, root, zygote, sim, gw, kiosk_id, invoices)


@pytest.fixture(scope="session")
def lanes(tmp_path_factory: pytest.TempPathFactory) -> list[Lane]:
    root = tmp_path_factory.mktemp("faults")
    with ThreadPoolExecutor(2) as pool:
        made = list(pool.map(lambda n: open_lane(n, root / n, ROOMY[int(n == "B")::2]), "AB"))
    yield made
    for lane in made:
        lane.close()
