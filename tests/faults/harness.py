"""The fault matrix's machinery: real processes started fast, and checks that read from outside.

Processes: kiosk workers and the gateway's uvicorn server are real OS processes (SIGKILL kills
exactly one of them), forked from a fork server (zygote.py) that has imported the kiosk and the
gateway once, so a start costs milliseconds instead of a second of imports; the simulator is its own
`kiosk terminal simulate` process. Nothing here imports the payment code to judge it: the checks
read the simulator over nexo (Reconciliation), the gateway's SQLite file and the kiosk's journal
file with sqlite3, and the printer's output file.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

TESTS_DIR = Path(__file__).resolve().parents[1]
ROOT = TESTS_DIR.parent
WORKER_SCRIPT = Path(__file__).with_name("kiosk_worker.py")
ZYGOTE = Path(__file__).with_name("zygote.py")
KIOSK_ID = "fault-kiosk-1"
POI_ID = "SIM-POI-1"



class Zygote:
    """Client of zygote.py (a preloaded fork server); one per lane of cases."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(ZYGOTE)], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._lock = threading.Lock()
        ready = self._read()
        assert ready.get("ready"), ready

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the fork server died")
        return json.loads(line)

    def ask(self, **req: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        with self._lock:
            self.proc.stdin.write(json.dumps(req) + "\n")
            self.proc.stdin.flush()
            return self._read()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(10)

    def spawn(self, kind: str, argv: list[str], *, log: Path, env: dict[str, str] | None = None
              ) -> Proc:
        """A new process running the worker (kind "worker") or the `kiosk` CLI (kind "cli")."""
        answer = self.ask(op="spawn", kind=kind, argv=argv, env=env or {}, log=str(log))
        return Proc(self, int(answer["pid"]))

    def run(self, kind: str, argv: list[str], *, log: Path, env: dict[str, str] | None = None,
            timeout: float = 30.0) -> int:
        """Run to the end; the exit code, or -signal when a signal ended it (SIGKILL: -9)."""
        proc = self.spawn(kind, argv, log=log, env=env)
        code = proc.join(timeout)
        if code is None:
            proc.kill()
            proc.join(10)
            raise TimeoutError(f"{kind} {argv} still running after {timeout}s; log {log}")
        return code


@dataclass
class Proc:
    """A forked process: a real OS process, but not our child (the fork server reaps it)."""
    zygote: Zygote
    pid: int
    exitcode: int | None = None

    def join(self, timeout: float = 0.0) -> int | None:
        if self.exitcode is None:
            self.exitcode = self.zygote.ask(op="wait", pid=self.pid, timeout=timeout)["status"]
        return self.exitcode

    def is_alive(self) -> bool:
        return self.join(0.0) is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.exitcode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.kill(signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the gateway, a uvicorn process that outlives the kiosk ---------------------------------------

@dataclass
class GatewayServer:
    zygote: Zygote
    db_path: Path
    port: int
    log: Path
    proc: Proc | None = None
    starts: int = 0
    token_file: Path | None = None

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        """`kiosk gateway ARGS --db URL`; returns what it printed."""
        out = self.log.with_name(f"gateway-cli-{time.monotonic_ns()}.log")
        code = self.zygote.run("cli", ["gateway", *args, "--db", self.db_url], log=out)
        text = out.read_text(encoding="utf-8")
        if code != 0:
            raise RuntimeError(f"kiosk gateway {args}: exit {code}: {text[-2000:]}")
        return text

    def start(self, timeout: float = 20.0) -> None:
        self.proc = self.zygote.spawn("cli", ["gateway", "--db", self.db_url, "--port",
                                              str(self.port)], log=self.log)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.proc.is_alive():
                raise RuntimeError(f"gateway exited {self.proc.exitcode}: "
                                   f"{self.log.read_text(encoding='utf-8')[-2000:]}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        raise RuntimeError("gateway did not answer /health")

    def kill(self) -> None:
        """Gone at once, like a crashed server (SQLite commits are already on disk)."""
        if self.proc is not None and self.proc.is_alive():
            self.proc.kill()
        if self.proc is not None:
            self.proc.join(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(10)
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join()

    @property
    def up(self) -> bool:
        return self.proc is not None and self.proc.is_alive()

    # -- reading its database from outside ----------------------------------------------------
    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10) as db:
            db.row_factory = sqlite3.Row
            return db.execute(sql, args).fetchall()

    def payments(self, kiosk_id: str = KIOSK_ID) -> dict[str, dict[str, Any]]:
        rows = self._query("SELECT client_txn_id, amount_cents, receipt_no, terminal_txn_id, "
                           "kiosk_id FROM payments WHERE kiosk_id = ?", (kiosk_id,))
        return {r["client_txn_id"]: dict(r) for r in rows}

    def intents(self, kiosk_id: str = KIOSK_ID) -> dict[str, str]:
        """client_txn_id -> status (active | released | consumed)."""
        rows = self._query("SELECT client_txn_id, status FROM payment_intents WHERE kiosk_id = ?",
                           (kiosk_id,))
        return {r[0]: r[1] for r in rows}

    def active_intents(self, kiosk_id: str = KIOSK_ID) -> list[str]:
        return sorted(t for t, status in self.intents(kiosk_id).items() if status == "active")

    def release_all_intents(self, kiosk_id: str = KIOSK_ID) -> None:
        """Cleanup after a failed case, so one leak does not fail the cases after it."""
        with sqlite3.connect(self.db_path, timeout=10) as db:
            db.execute("UPDATE payment_intents SET status = 'released' "
                       "WHERE status = 'active' AND kiosk_id = ?", (kiosk_id,))

    def add_kiosk(self, kiosk_id: str, token_file: Path) -> None:
        """`kiosk gateway add-kiosk`; its token (printed once) goes to token_file."""
        text = self.cli("add-kiosk", "--location", "zoseni", "--kiosk-id", kiosk_id)
        token = text.rsplit("token (shown once):", 1)[1].split()[0]
        token_file.write_text(token + "\n", encoding="utf-8")
        token_file.chmod(0o600)


# -- the simulator's own record, read over nexo --------------------------------------------------

_check_ids = itertools.count(1)


def sim_totals(nexo_url: str) -> tuple[int, int]:
    """(count, cents) of approved and not reversed transactions, by a Reconciliation request."""
    header = {"ProtocolVersion": "3.0", "MessageClass": "Service",
              "MessageCategory": "Reconciliation", "MessageType": "Request",
              "ServiceID": f"C{next(_check_ids):09d}", "SaleID": f"FAULTCHECK{os.getpid()}",
              "POIID": POI_ID}
    message = {"SaleToPOIRequest": {"MessageHeader": header, "ReconciliationRequest": {
        "ReconciliationType": "SaleReconciliation"}}}
    resp = httpx.post(nexo_url, content=json.dumps(message), timeout=5.0,
                      headers={"Content-Type": "application/json"})
    resp.raise_for_status()
    body = json.loads(resp.content, parse_float=Decimal)["SaleToPOIResponse"]
    assert body["ReconciliationResponse"]["Response"]["Result"] == "Success", body
    totals = body["ReconciliationResponse"]["TransactionTotals"]
    count = sum(int(t["TransactionCount"]) for t in totals)
    cents = sum(int(Decimal(str(t["TransactionAmount"])) * 100) for t in totals)
    return count, cents


# -- one kiosk (a fresh data dir per case) -------------------------------------------------------

def demo_key_file() -> Path:
    keys = sorted((ROOT / "config" / "demo-keys").glob("demo-*.key.pem"))
    assert keys, "config/demo-keys has no demo signing key"
    return keys[-1]


@dataclass
class KioskDir:
    root: Path
    gateway_url: str
    token_file: Path
    nexo_url: str
    sale_id: str
    payment_timeout_s: float = 3.0
    kiosk_id: str = KIOSK_ID
    recovery_deadline_s: float = 3.0

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.config = self.root / "kiosk.toml"
        self.data = self.root / "data"
        self.printer_out = self.root / "printer.out"
        self.trace = self.root / "crash-points.txt"
        self.write_config()

    def write_config(self) -> None:
        q = json.dumps  # a JSON string is a valid TOML basic string
        self.config.write_text(f"""\
[kiosk]
id = {q(self.kiosk_id)}
location = "zoseni"
data_dir = {q(str(self.data))}
signing_key_file = {q(str(demo_key_file()))}

[gateway]
url = {q(self.gateway_url)}
token_file = {q(str(self.token_file))}
timeout_s = 5.0
retries = 1
retry_backoff_s = 0.05

[terminal]
driver = "nexo"
endpoint = {q(self.nexo_url)}
poi_id = {q(POI_ID)}
sale_id = {q(self.sale_id)}
payment_timeout_s = {self.payment_timeout_s!r}
status_retry_s = 0.02
recovery_deadline_s = {self.recovery_deadline_s!r}
connect_timeout_s = 1.0
verify_certificate = false

[printer]
device = "file"
path = {q(str(self.printer_out))}

[timeouts]
reservation_ttl_s = 900.0
""", encoding="utf-8")

    def worker_argv(self, mode: str, *args: str) -> tuple[list[str], Path]:
        n = len(list(self.root.glob("result-*.json"))) + len(list(self.root.glob("*.log")))
        result = self.root / f"result-{mode}-{n}.json"
        return [str(self.config), mode, *args, str(result)], result

    def passed_points(self) -> list[str]:
        if not self.trace.exists():
            return []
        return self.trace.read_text(encoding="utf-8").split()

    # -- the journal, read with sqlite3 ---------------------------------------------------------
    def _query(self, sql: str) -> list[sqlite3.Row]:
        path = self.data / "journal.sqlite3"
        if not path.exists():
            return []
        with sqlite3.connect(path, timeout=10) as db:
            db.row_factory = sqlite3.Row
            try:
                return db.execute(sql).fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):  # the kiosk is creating its journal right now
                    return []
                raise

    def journal_payments(self) -> dict[str, dict[str, Any]]:
        rows = self._query("SELECT client_txn_id, amount_cents, money_state, receipt_state, "
                           "receipt_no, print_count FROM payments")
        return {r["client_txn_id"]: dict(r) for r in rows}

    def pending_outbox(self) -> list[tuple[str, str, str]]:
        return [(r["kind"], r["key"], r["last_error"]) for r in
                self._query("SELECT kind, key, last_error FROM outbox WHERE state = 'pending'")]

    def receipt_jobs(self, receipt_no: str) -> list[tuple[str, bytes]]:
        """Spooled jobs of a receipt: ("printed" | "pending", bytes), the original and any
        duplicate (`<receipt_no>-dup<time>`), oldest first."""
        jobs = []
        for where in ("printed", "pending"):
            folder = self.data / "spool" / where
            for path in sorted(folder.glob(f"{receipt_no}*.bin")):
                if path.stem == receipt_no or path.stem.startswith(receipt_no + "-dup"):
                    jobs.append((where, path.read_bytes()))
        return jobs

    def printed_bytes(self) -> bytes:
        return self.printer_out.read_bytes() if self.printer_out.exists() else b""


def wait_sent_or_dead(kd: KioskDir, proc: Proc, timeout: float = 15.0) -> None:
    """Until the kiosk journaled its payment request to the terminal, or the worker is gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.is_alive():
        states = {p["money_state"] for p in kd.journal_payments().values()}
        if states - {"RESERVED"}:
            return
        time.sleep(0.01)
