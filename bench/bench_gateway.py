"""Invoice-search latency and throughput against a real gateway process on loopback.

Reported as ratios to `GET /api/v1/health` measured in the same run, so the figure says what a search
costs beyond HTTP itself, whatever the machine. Bounded: --requests per measurement (default 300).

    .venv/bin/python bench/bench_gateway.py [--db URL] [--requests N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db_url: str, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "kiosk", "gateway", "--db", db_url, "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("gateway did not start")


def measure(n: int, concurrency: int, call: Callable[[httpx.Client], None], base: str) -> tuple[list[float], float]:
    latencies: list[float] = []
    clients = [httpx.Client(base_url=base, timeout=30) for _ in range(concurrency)]

    def one(i: int) -> None:
        t0 = time.perf_counter()
        call(clients[i % concurrency])
        latencies.append(time.perf_counter() - t0)

    for c in clients:  # warm the connections
        call(c)
    t0 = time.perf_counter()
    if concurrency == 1:
        for i in range(n):
            one(i)
    else:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, range(n)))
    wall = time.perf_counter() - t0
    for c in clients:
        c.close()
    return latencies, n / wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()

    from gateway.admin import add_kiosk, seed_demo
    from gateway.db import make_engine, migrate, session_factory
    from gateway.demo_data import DEMO_INVOICES

    tmp = tempfile.TemporaryDirectory()
    db_url = args.db or f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    engine = make_engine(db_url)
    migrate(engine)
    seed_demo(engine)
    with session_factory(engine).begin() as s:
        _kid, token = add_kiosk(s, "zoseni", f"bench-{os.getpid()}-{int(time.time())}")
    engine.dispose()

    port = free_port()
    proc = start_server(db_url, port)
    base = f"http://127.0.0.1:{port}/api/v1"
    auth = {"Authorization": f"Bearer {token}"}
    inv = DEMO_INVOICES[0]
    body = {"notice_number": inv.notice_number, "check_value": inv.check_value}

    def health(c: httpx.Client) -> None:
        c.get("/health").raise_for_status()

    def search(c: httpx.Client) -> None:
        c.post("/invoice-searches", json=body, headers=auth).raise_for_status()

    try:
        print(f"gateway bench: {db_url.split(':')[0]}, {args.requests} requests per row")
        print(f"{'measure':<26}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}")
        results = {}
        for name, fn, conc in (("health (1 client)", health, 1), ("search (1 client)", search, 1),
                               (f"health ({args.concurrency} clients)", health, args.concurrency),
                               (f"search ({args.concurrency} clients)", search, args.concurrency)):
            lat, rps = measure(args.requests, conc, fn, base)
            lat.sort()
            p50, p95 = statistics.median(lat) * 1000, lat[int(len(lat) * 0.95) - 1] * 1000
            results[name] = (p50, rps)
            print(f"{name:<26}{p50:>9.2f}{p95:>9.2f}{rps:>9.0f}")
        h1, s1 = results["health (1 client)"], results["search (1 client)"]
        hc = results[f"health ({args.concurrency} clients)"]
        sc = results[f"search ({args.concurrency} clients)"]
        print(f"search/health latency ratio (p50, 1 client): {s1[0] / h1[0]:.2f}")
        print(f"search/health throughput ratio ({args.concurrency} clients): {sc[1] / hc[1]:.2f}")
    finally:
        proc.terminate()
        proc.wait(10)
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
