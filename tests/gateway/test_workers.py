"""Several cores: the app factory reads its settings from the environment, `kiosk gateway migrate`
runs once and workers only check the schema, `kiosk gateway --workers N` spreads keep-alive
connections over its workers with TCP_NODELAY on, and a request costs fewer round trips (no
pre-ping, the idempotency claim in the handler's transaction, a pool sized to max_connections)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from gw_helpers import Gateway
from ops_helpers import key
from sqlalchemy import event

from gateway.admin import seed_demo
from gateway.app import create_app
from gateway.db import make_engine, migrate, pg_pool_size, session_factory
from gateway.models import IdempotencyRecord, Kiosk

KIOSK = [sys.executable, "-m", "kiosk"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_health(base: str, proc: subprocess.Popen[str], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}")
        try:
            if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("server did not answer /health")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'gw.sqlite3'}"


def test_uvicorn_factory_reads_the_environment(db_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "KAC_GATEWAY_DB_URL": db_url, "KAC_APPLICATIONS_KEY_FILE": str(tmp_path / "k")}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "gateway.app:create_app",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_health(f"http://127.0.0.1:{port}", proc)
    finally:
        _stop(proc)


def test_workers_skip_migrations_and_the_purge_and_refuse_an_old_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    with pytest.raises(RuntimeError, match="kiosk gateway migrate"):
        create_app(db_url, engine=engine, run_migrations=False)
    migrate(engine)
    old = datetime.now(UTC) - timedelta(days=90)
    seed_demo(engine)
    with session_factory(engine).begin() as s:
        s.add(Kiosk(id="k2", location_code="cesis", token_sha256="y" * 64, active=True, created_at=old))
        s.flush()
        s.add(IdempotencyRecord(kiosk_id="k2", key="old", fingerprint="f", state="done", created_at=old))
    create_app(db_url, engine=engine, run_migrations=False)  # a worker: schema current, no purge
    with session_factory(engine)() as s:
        assert s.get(IdempotencyRecord, ("k2", "old")) is not None
    create_app(db_url, engine=engine)  # the one process that migrates also purges
    with session_factory(engine)() as s:
        assert s.get(IdempotencyRecord, ("k2", "old")) is None
    engine.dispose()


def _established_per_pid(pids: list[int], port: int) -> dict[int, int]:
    """How many ESTABLISHED TCP connections on `port` each process holds (from /proc)."""
    inodes: dict[str, int] = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[target[8:-1]] = pid
    counts = dict.fromkeys(pids, 0)
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "01" and cols[9] in inodes:
                counts[inodes[cols[9]]] += 1
    return counts


@pytest.fixture
def two_workers(db_url: str, tmp_path: Path) -> Iterator[tuple[str, int, list[int]]]:
    env = {**os.environ, "KAC_APPLICATIONS_KEY_FILE": str(tmp_path / "k"), "PYTHONUNBUFFERED": "1"}
    refused = subprocess.run([*KIOSK, "gateway", "--db", db_url, "--workers", "2", "--skip-migrate",
                              "--port", "0"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "kiosk gateway migrate" in refused.stderr
    done = subprocess.run([*KIOSK, "gateway", "migrate", "--db", db_url], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    errlog = (tmp_path / "err.log").open("w+")
    proc = subprocess.Popen([*KIOSK, "gateway", "--db", db_url, "--workers", "2", "--skip-migrate",
                             "--host", "127.0.0.1", "--port", "0"], env=env, stdout=subprocess.DEVNULL,
                            stderr=errlog, text=True)
    try:
        deadline = time.monotonic() + 30
        m = None
        while m is None and time.monotonic() < deadline:
            time.sleep(0.1)
            m = re.search(r"http://127\.0\.0\.1:(\d+) with 2 workers \(pids (\d+), (\d+)\)",
                          (tmp_path / "err.log").read_text())
        assert m, (tmp_path / "err.log").read_text()
        base, port = f"http://127.0.0.1:{m.group(1)}", int(m.group(1))
        _wait_health(base, proc)
        yield base, port, [int(m.group(2)), int(m.group(3))]
    finally:
        _stop(proc)
        errlog.close()
    assert proc.returncode == 0


def test_two_workers_share_keep_alive_connections_with_nodelay(two_workers: tuple[str, int, list[int]]) -> None:
    base, port, pids = two_workers
    clients = [httpx.Client(base_url=base, timeout=5) for _ in range(16)]
    try:
        for c in clients:
            assert c.get("/api/v1/health").status_code == 200
        counts = _established_per_pid(pids, port)
        # A shared listener handed all of a pool's connections to one worker; SO_REUSEPORT spreads them.
        assert all(n >= 1 for n in counts.values()), counts
        assert sum(counts.values()) == 16, counts
        # Nagle + delayed ACK would hold every keep-alive answer after the first ~40 ms.
        times = []
        for _ in range(30):
            t = time.perf_counter()
            clients[0].get("/api/v1/health")
            times.append(time.perf_counter() - t)
        assert sorted(times)[15] < 0.02, sorted(times)
    finally:
        for c in clients:
            c.close()


def test_a_request_costs_one_transaction_and_no_pre_ping(gw: Gateway) -> None:
    engine = gw.engine
    assert not engine.pool._pre_ping
    _kid, token = gw.add_kiosk()
    counts = {"checkout": 0, "commit": 0}

    def on_checkout(*_a: object) -> None:
        counts["checkout"] += 1

    def on_commit(*_a: object) -> None:
        counts["commit"] += 1

    def reserve(c: httpx.Client) -> dict[str, int]:
        _inv, notice, check = gw.make_invoice(total=2500)
        found = c.post("/invoice-searches", json={"notice_number": notice, "check_value": check})
        inv_id = found.json()["invoices"][0]["invoice_id"]
        for k in counts:
            counts[k] = 0
        r = c.post("/payment-intents", headers=key(), json={
            "client_txn_id": f"rt-{uuid.uuid4().hex[:8]}", "items": [{"invoice_id": inv_id, "amount_cents": 2500}]})
        assert r.status_code == 201, r.text
        return dict(counts)

    event.listen(engine.pool, "checkout", on_checkout)
    event.listen(engine, "commit", on_commit)
    try:
        with gw.http(token) as c:
            seen = [reserve(c) for _ in range(3)]
    finally:
        event.remove(engine.pool, "checkout", on_checkout)
        event.remove(engine, "commit", on_commit)
    # The kiosk's read (no transaction) and one transaction: key claim, reservation, stored answer
    # (the old gateway: three checkouts with a pre-ping each, two commits).
    assert min(seen, key=lambda d: (d["checkout"], d["commit"])) == {"checkout": 2, "commit": 1}, seen


@pytest.mark.postgres
def test_pool_is_sized_against_max_connections(pg_url: str) -> None:
    engine = make_engine(pg_url, workers=2)
    try:
        with engine.connect() as conn:
            max_conn = int(conn.exec_driver_sql("SHOW max_connections").scalar_one())
            reserved = int(conn.exec_driver_sql("SHOW superuser_reserved_connections").scalar_one())
        expected = max(2, min(40, (max_conn - reserved - 10) // 2))
        assert engine.pool.size() == expected  # type: ignore[attr-defined]
        assert pg_pool_size(engine.url, 64) * 64 <= max(2 * 64, max_conn - reserved)
        assert not engine.pool._pre_ping
    finally:
        engine.dispose()
