"""The gateway under a kiosk fleet's load: 500 kiosks with their own tokens over a 60,000-invoice
PostgreSQL database (docs/architecture.md, "Operations").

A visit is what a kiosk does for a resident paying: GET /health, POST /invoice-searches,
POST /payment-intents, POST /payments (each visit pays a distinct invoice). Phases, each bounded in
time and every request on loopback:

1. paced: every kiosk starts a visit every 2-3 minutes (about 3.3 visits/s) for --paced-s seconds;
   p50/p95/p99 per endpoint, server CPU (% of one core), PostgreSQL CPU;
2. saturation at 10/50/200 visits in flight (1 worker): visits/s, p50/p95/p99 per endpoint as
   ratios to /health measured at the same number in flight;
3. /health against a bare FastAPI "hello" app served the same way, 50 in flight;
4. 2 workers against 1 at 50 in flight.

Errors (anything but the expected 200/201, or no answer) must be 0; the exit code says so.
PostgreSQL: KIOSK_TEST_PG_URL or the PG* variables (`make bench` runs under pg_virtualenv); a
database of its own is created and dropped.

    .venv/bin/python bench/bench_gateway_load.py [--paced-s 90] [--phase-s 15] [--kiosks 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import fresh_db, pg_admin

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
ENDPOINTS = ("health", "search", "intent", "payment")
HELLO_APP = '''
from fastapi import FastAPI
app = FastAPI()

@app.get("/api/v1/health")
def hello() -> dict:
    return {"status": "ok"}
'''


# --- a lean HTTP/1.1 keep-alive client (the load generator must cost less than the server) ---


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Conn:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def request(self, method: str, path: str, body: object = None,
                      headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(data)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


class Stats:
    def __init__(self) -> None:
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.visits = 0

    def pct(self, name: str, q: float) -> float:
        xs = sorted(self.lat[name])
        return xs[min(len(xs) - 1, int(len(xs) * q))] * 1000 if xs else float("nan")


async def timed(stats: Stats, name: str, conn: Conn, method: str, path: str, body: object = None,
                headers: dict[str, str] | None = None, ok: tuple[int, ...] = (200,)) -> dict | None:
    t0 = time.perf_counter()
    try:
        status, raw = await conn.request(method, path, body, headers)
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        stats.errors.append(f"{name}: {type(exc).__name__}")
        raise
    stats.lat[name].append(time.perf_counter() - t0)
    if status not in ok:
        stats.errors.append(f"{name}: HTTP {status} {raw[:120]!r}")
        return None
    return json.loads(raw) if raw else {}


async def visit(stats: Stats, conn: Conn, token: str, invoice: tuple[str, str]) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    notice, check = invoice
    await timed(stats, "health", conn, "GET", "/api/v1/health")
    found = await timed(stats, "search", conn, "POST", "/api/v1/invoice-searches",
                        {"notice_number": notice, "check_value": check}, auth)
    if not found:
        return
    inv_id = found["invoices"][0]["invoice_id"]
    txn = uuid.uuid4().hex[:20]
    idem = {**auth, "Idempotency-Key": f'"{uuid.uuid4()}"'}
    if await timed(stats, "intent", conn, "POST", "/api/v1/payment-intents",
                   {"client_txn_id": txn, "items": [{"invoice_id": inv_id, "amount_cents": 100}]}, idem, ok=(201,)):
        idem = {**auth, "Idempotency-Key": f'"{uuid.uuid4()}"'}
        await timed(stats, "payment", conn, "POST", "/api/v1/payments", {
            "client_txn_id": txn, "method": "card", "amount_cents": 100,
            "approved_at": datetime.now(UTC).isoformat(), "receipt_no": f"bench.1-{txn[:8]}",
            "terminal": {"terminal_id": "SIM-POI-1", "transaction_id": f"SIM{txn[:10]}", "approval_code": "1"}},
            idem, ok=(201,))
    stats.visits += 1


# --- phases ---------------------------------------------------------------------------------------


async def paced(port: int, kiosks: list[str], invoices: Iterator[tuple[str, str]], seconds: float) -> Stats:
    """Every kiosk: a first visit at a random moment in its first 2-3 minutes, then every 2-3 minutes."""
    stats = Stats()
    end = time.monotonic() + seconds

    async def kiosk(token: str) -> None:
        await asyncio.sleep(random.uniform(0, 150))
        conn = await Conn.open(port)
        try:
            while time.monotonic() < end:
                await visit(stats, conn, token, next(invoices))
                await asyncio.sleep(random.uniform(120, 180))
        finally:
            conn.close()

    tasks = [asyncio.create_task(kiosk(t)) for t in kiosks]
    await asyncio.sleep(seconds)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return stats


async def closed_loop(port: int, kiosks: list[str], invoices: Iterator[tuple[str, str]], in_flight: int,
                      seconds: float, health_only: bool = False) -> tuple[Stats, float]:
    """`in_flight` kiosks, each visiting back to back (or asking /health) for `seconds`."""
    stats = Stats()
    conns = [await Conn.open(port) for _ in range(in_flight)]
    for c in conns:  # warm each connection
        await c.request("GET", "/api/v1/health")
    end = time.monotonic() + seconds

    async def loop(i: int) -> int:
        n = 0
        while time.monotonic() < end:
            if health_only:
                await timed(stats, "health", conns[i], "GET", "/api/v1/health")
            else:
                await visit(stats, conns[i], kiosks[i % len(kiosks)], next(invoices))
            n += 1
        return n

    t0 = time.perf_counter()
    done = await asyncio.gather(*(loop(i) for i in range(in_flight)))
    wall = time.perf_counter() - t0
    for c in conns:
        c.close()
    return stats, sum(done) / wall


# --- servers and CPU ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def server(cmd: list[str], port: int, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection((HOST, port), timeout=1) as s:
                    s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                    if s.recv(12).endswith(b"200"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit(f"server did not start: {' '.join(cmd)}")
            time.sleep(0.2)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def tree(pid: int) -> list[int]:
    out = [pid]
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out += tree(int(p.name))
            except OSError:
                continue
    return out


def postgres_pids() -> list[int]:
    pids = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if (p / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(p.name))
            except OSError:
                continue
    return pids


# --- set-up ---------------------------------------------------------------------------------------


def populate(url: str, n_invoices: int, n_kiosks: int) -> tuple[list[str], list[tuple[str, str]]]:
    from gateway.admin import add_kiosk, seed_demo
    from gateway.db import make_engine, migrate, session_factory
    from gateway.services.imports import ImportKeys, import_invoices

    engine = make_engine(url)
    migrate(engine)
    seed_demo(engine)
    rows = ["notice_number;check_value;creditor;service;payer_name;payer_code;object;period;due_date;amount"]
    invoices = []
    for i in range(n_invoices):
        notice, check = f"{6000000000 + i}", f"{secrets.randbelow(10_000):04d}"
        invoices.append((notice, check))
        rows.append(f"{notice};{check};vinda;water;Maksātājs {i % 20000};{40003000000 + i % 20000};"
                    f"Līgums Ū-{i};2026-10;2026-11-20;{50 + i % 90},00")
    with session_factory(engine).begin() as s:
        report = import_invoices(s, "\n".join(rows).encode(), ImportKeys.derive(b"bench"), datetime.now(UTC))
        assert not report.errors and report.added == n_invoices
    tokens = []
    with session_factory(engine).begin() as s:
        for i in range(n_kiosks):
            tokens.append(add_kiosk(s, "cesis", f"load-{i:03d}")[1])
    engine.dispose()
    random.shuffle(invoices)
    return tokens, invoices


def row(name: str, stats: Stats, base: Stats | None = None) -> str:
    cells = [f"{name:<9}", f"{len(stats.lat[name]):>7}"]
    for q in (0.5, 0.95, 0.99):
        v = stats.pct(name, q)
        cells.append(f"{v:8.1f}")
        if base is not None:
            cells.append(f"({v / base.pct('health', q):4.1f}x)")
    return " ".join(cells)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kiosks", type=int, default=500)
    ap.add_argument("--invoices", type=int, default=60_000)
    ap.add_argument("--paced-s", type=float, default=90.0)
    ap.add_argument("--phase-s", type=float, default=15.0)
    args = ap.parse_args()
    if pg_admin() is None:
        print("gateway load bench: skipped (no PostgreSQL: set KIOSK_TEST_PG_URL or run under pg_virtualenv)")
        return 0
    errors: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, fresh_db("postgresql", Path(tmp)) as url:
        t0 = time.perf_counter()
        tokens, invoice_list = populate(url, args.invoices, args.kiosks)
        invoices = iter(invoice_list)
        print(f"gateway load bench: PostgreSQL, {args.invoices} invoices, {args.kiosks} kiosks "
              f"(set up in {time.perf_counter() - t0:.0f} s)")
        env = {**os.environ, "KAC_APPLICATIONS_KEY_FILE": str(Path(tmp) / "k")}
        subprocess.run([sys.executable, "-m", "kiosk", "gateway", "migrate", "--db", url], env=env, check=True,
                       capture_output=True)

        def gateway(workers: int, port: int) -> list[str]:
            return [sys.executable, "-m", "kiosk", "gateway", "--db", url, "--host", HOST, "--port", str(port),
                    "--workers", str(workers), "--skip-migrate"]

        port = free_port()
        with server(gateway(1, port), port, env) as proc:
            pids, pg = tree(proc.pid), postgres_pids()
            cpu0, pg0, w0 = cpu_seconds(pids), cpu_seconds(pg), time.perf_counter()
            stats = asyncio.run(paced(port, tokens, invoices, args.paced_s))
            wall = time.perf_counter() - w0
            cpu, pg_cpu = (cpu_seconds(pids) - cpu0) / wall, (cpu_seconds(pg) - pg0) / wall
            errors += stats.errors
            n = sum(len(v) for v in stats.lat.values())
            print(f"\npaced, {args.paced_s:.0f} s: {stats.visits} visits, {n} requests ({n / wall:.1f} req/s); "
                  f"gateway CPU {cpu:.0%} of a core, PostgreSQL CPU {pg_cpu:.0%}; errors {len(stats.errors)}")
            print(f"{'endpoint':<9} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
            for name in ENDPOINTS:
                print(row(name, stats))

            print("\nsaturation, 1 worker (ms, and as a ratio to /health at the same number in flight)")
            sat: dict[int, float] = {}
            for flight in (10, 50, 200):
                health, h_rate = asyncio.run(closed_loop(port, tokens, invoices, flight, args.phase_s / 2,
                                                         health_only=True))
                stats, rate = asyncio.run(closed_loop(port, tokens, invoices, flight, args.phase_s))
                errors += health.errors + stats.errors
                sat[flight] = rate
                print(f"{flight} in flight: {rate:.1f} visits/s, /health alone {h_rate:.0f} req/s, "
                      f"errors {len(stats.errors) + len(health.errors)}")
                stats.lat["health"] = health.lat["health"]
                for name in ENDPOINTS[1:]:
                    print("  " + row(name, stats, health))
                print("  " + row("health", health))
            h50, h50_rate = asyncio.run(closed_loop(port, tokens, invoices, 50, args.phase_s / 2, health_only=True))

        hello_port = free_port()
        (Path(tmp) / "hello_app.py").write_text(HELLO_APP)
        hello = [sys.executable, "-m", "uvicorn", "hello_app:app", "--host", HOST, "--port", str(hello_port),
                 "--log-level", "warning", "--no-access-log", "--app-dir", tmp]
        with server(hello, hello_port, env):
            bare, bare_rate = asyncio.run(closed_loop(hello_port, tokens, invoices, 50, args.phase_s / 2,
                                                      health_only=True))
        errors += bare.errors + h50.errors
        print(f"\n/health vs a bare FastAPI hello, 50 in flight: throughput {h50_rate / bare_rate:.2f}x "
              f"({h50_rate:.0f} vs {bare_rate:.0f} req/s), p50 {h50.pct('health', .5) / bare.pct('health', .5):.2f}x")

        port2 = free_port()
        with server(gateway(2, port2), port2, env):
            two, rate2 = asyncio.run(closed_loop(port2, tokens, invoices, 50, args.phase_s))
        errors += two.errors
        print(f"\n2 workers vs 1, 50 in flight: {rate2:.1f} vs {sat[50]:.1f} visits/s = {rate2 / sat[50]:.2f}x "
              f"(on {os.cpu_count()} cores shared with PostgreSQL and this load generator)")
    print(f"\nerrors: {len(errors)}" + (f" (first: {errors[:3]})" if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
