"""A kiosk's invoice search while 40 clients flood `/admin/login` (docs/architecture.md, "The
municipality's statistics page").

A real `kiosk gateway` process (1 worker) on a fresh SQLite file, and on PostgreSQL too when
KIOSK_TEST_PG_URL or the PG* variables are set. One kiosk searches a demo invoice back to back
(every 10 ms) — first alone, then while 40 clients post sign-ins with made-up names as fast as they
are answered, each from an address of its own per attempt (X-Forwarded-For, as from a botnet behind
the reverse proxy: the per-address limit alone would stop one address after 20). Printed, each with
its goal:

- the search's p95 during the flood as a ratio to its p95 alone (goal <= 3x);
- the gateway's RSS growth during the flood (goal <= 200 MB);
- what the flood was answered (401 checked, 503 turned away at once, 429 limited).

Bounded: --alone-s and --flood-s seconds (8 and 15 by default), loopback only.

    .venv/bin/python bench/bench_login_flood.py [--alone-s 8] [--flood-s 15] [--flooders 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gateway_load import HOST, Conn, free_port, server
from bench_import import fresh_db, pg_admin

RATIO_GOAL = 3.0
RSS_GOAL_MB = 200.0
SEARCH_PAUSE_S = 0.01


def populate(url: str) -> tuple[str, tuple[str, str]]:
    """Migrate and seed; a kiosk token and a demo invoice (notice, check)."""
    from gateway.admin import add_kiosk, seed_demo
    from gateway.db import make_engine, migrate, session_factory
    from gateway.demo_data import DEMO_INVOICES

    engine = make_engine(url)
    migrate(engine)
    seed_demo(engine)
    with session_factory(engine).begin() as s:
        _kid, token = add_kiosk(s, "cesis", f"flood-{secrets.token_hex(3)}")
    engine.dispose()
    inv = DEMO_INVOICES[0]
    return token, (inv.notice_number, inv.check_value)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.95))] * 1000 if xs else float("nan")


async def searches(port: int, token: str, invoice: tuple[str, str], until: float) -> tuple[list[float], int]:
    """A kiosk searching back to back: (latencies, errors)."""
    conn = await Conn.open(port)
    lat: list[float] = []
    errors = 0
    body = {"notice_number": invoice[0], "check_value": invoice[1]}
    try:
        while time.monotonic() < until:
            t0 = time.perf_counter()
            status, _ = await conn.request("POST", "/api/v1/invoice-searches", body,
                                           {"Authorization": f"Bearer {token}"})
            lat.append(time.perf_counter() - t0)
            errors += status != 200
            await asyncio.sleep(SEARCH_PAUSE_S)
    finally:
        conn.close()
    return lat, errors


async def login(conn: Conn, csrf: str, address: str) -> int:
    """One sign-in post with a made-up name (Conn.request sends JSON; a form is written here)."""
    data = urlencode({"csrf": csrf, "name": f"Nav {secrets.token_hex(4)}", "password": "x" * 16}).encode()
    head = ["POST /admin/login HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(data)}",
            "Content-Type: application/x-www-form-urlencoded", f"Cookie: kac_admin_login={csrf}",
            f"X-Forwarded-For: {address}"]
    conn.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    status = int((await conn.reader.readline()).split()[1])
    length = 0
    while (line := await conn.reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    await conn.reader.readexactly(length)
    return status


async def flooder(port: int, until: float, answers: Counter[int]) -> None:
    conn = await Conn.open(port)
    try:
        _status, page = await conn.request("GET", "/admin/login")
        found = re.search(rb'name="csrf" value="([^"]+)"', page)
        assert found is not None
        csrf = found.group(1).decode()
        while time.monotonic() < until:
            address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
            answers[await login(conn, csrf, address)] += 1
    finally:
        conn.close()


async def sample_rss(pid: int, until: float, peak: list[float]) -> None:
    while time.monotonic() < until:
        peak[0] = max(peak[0], rss_mb(pid))
        await asyncio.sleep(0.1)


async def flood(port: int, pid: int, token: str, invoice: tuple[str, str], seconds: float,
                flooders: int) -> tuple[list[float], int, Counter[int], float]:
    until = time.monotonic() + seconds
    answers: Counter[int] = Counter()
    peak = [rss_mb(pid)]
    tasks = [asyncio.create_task(flooder(port, until, answers)) for _ in range(flooders)]
    tasks.append(asyncio.create_task(sample_rss(pid, until, peak)))
    await asyncio.sleep(0.5)  # the flood is on before the kiosk's first search is timed
    lat, errors = await searches(port, token, invoice, until)
    await asyncio.gather(*tasks)
    return lat, errors, answers, peak[0]


def run(kind: str, tmp: Path, alone_s: float, flood_s: float, flooders: int) -> bool:
    with fresh_db(kind, tmp) as url:
        token, invoice = populate(url)
        port = free_port()
        env = {**os.environ, "KAC_APPLICATIONS_KEY_FILE": str(tmp / "k")}
        cmd = [sys.executable, "-m", "kiosk", "gateway", "--db", url, "--host", HOST, "--port", str(port),
               "--skip-migrate"]
        with server(cmd, port, env) as proc:
            asyncio.run(searches(port, token, invoice, time.monotonic() + 1))  # warm up
            alone, alone_errors = asyncio.run(searches(port, token, invoice, time.monotonic() + alone_s))
            rss0 = rss_mb(proc.pid)
            during, flood_errors, answers, rss_peak = asyncio.run(
                flood(port, proc.pid, token, invoice, flood_s, flooders))
    ratio = p95(during) / p95(alone)
    growth = rss_peak - rss0
    ok = ratio <= RATIO_GOAL and growth <= RSS_GOAL_MB and not (alone_errors or flood_errors)
    print(f"\n{kind}: kiosk search p95 alone {p95(alone):.1f} ms ({len(alone)} searches), during a "
          f"{flooders}-way /admin/login flood {p95(during):.1f} ms ({len(during)} searches)")
    print(f"  ratio {ratio:.2f}x (goal <= {RATIO_GOAL:.0f}x)")
    print(f"  gateway RSS {rss0:.0f} MB before, {rss_peak:.0f} MB at most during the flood: "
          f"+{growth:.0f} MB (goal <= {RSS_GOAL_MB:.0f} MB)")
    print(f"  flood answered: {dict(sorted(answers.items()))} (401 checked, 503 turned away, 429 limited); "
          f"search errors {alone_errors + flood_errors}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alone-s", type=float, default=8.0)
    ap.add_argument("--flood-s", type=float, default=15.0)
    ap.add_argument("--flooders", type=int, default=40)
    args = ap.parse_args()
    kinds = ["sqlite"] + (["postgresql"] if pg_admin() is not None else [])
    print(f"login flood bench: {', '.join(kinds)}; {os.cpu_count()} CPUs")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            ok = run(kind, Path(tmp), args.alone_s, args.flood_s, args.flooders) and ok
    print("\nall goals met" if ok else "\nsome goal missed")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
