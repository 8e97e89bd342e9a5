"""Soak: thousands of simulated visits through the real app, headless, in one process — memory,
file descriptors and the journal must stay flat (docs/architecture.md, "Running unattended").

The real KioskApp with the demo's services (embedded gateway, terminal simulator, preview printer)
on its asyncio loop; visits by real taps through Kivy's input path (bench_tap's `Bench`), in turn:

- pay:      Home -> find -> type a notice and check value -> invoices -> confirm -> pay (1 cent,
            so the demo invoice never runs out) -> outcome with the receipt -> Done;
- apply:    Home -> list -> the general application, typed and answered -> review -> privacy
            notice -> send -> acknowledgement printed -> Finish;
- abandon:  Home -> find, a few digits typed, then Back to Home;
- time out: Home -> find, a few digits typed, then nothing: the inactivity warning and the reset.

Every `--sample` visits: RSS, open file descriptors, threads, the journal's size (database + WAL)
and the receipt spool's size; personal data is purged from the journal then (as the daily purge
would after its retention period), so "journal bounded" means: per-payment growth of the money
records only, the WAL truncated, no personal data left in settled payments. Reported: RSS growth
from visit `--baseline` to the end (bound: 10 MB), fd and thread counts, journal bytes per visit.

    .venv/bin/python bench/bench_soak.py [--visits 10000] [--sample 500] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_tap import Bench, application_path, headless_demo_app  # noqa: E402

RSS_GROWTH_BOUND_MB = 10.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


async def pay_visit(b: Bench, notice: str, check: str) -> None:
    from dataclasses import replace

    from kiosk.payments import payment_visit

    shell = b.app.shell
    home, find, invoices = shell.screens["home"], shell.screens["find"], shell.screens["invoices"]
    confirm, outcome = shell.screens["confirm"], shell.screens["outcome"]
    await b.until(lambda: home.payments_ready, "payments ready")
    await b.tap(home.choices["pay"], "pay: home -> find", b.on("find"))
    for d in notice + check:
        find.ids.keypad.dispatch("on_key", d)
    await b.tap(find.ids.find, "pay: find -> invoices", b.on("invoices"))
    cart = payment_visit(b.app.services.visit).cart
    line = cart.lines[0]
    cart.lines[0] = replace(line, invoice=line.invoice.model_copy(update={"due_now_cents": 1}))
    invoices.refresh()
    await b.frames(1)
    await b.tap(invoices.ids.proceed, "pay: invoices -> confirm", b.on("confirm"))
    await b.tap(confirm.ids.pay, "pay: confirm -> pay", b.on("pay"))
    await b.until(b.on("outcome"), "the terminal's answer")
    await b.until(lambda: outcome.result is not None, "the outcome")
    if outcome.kind != "paid":
        raise RuntimeError(f"payment not paid: {outcome.kind} {outcome.code}")
    await b.frames(2)
    await b.tap(outcome.buttons["done"], "pay: outcome -> home", b.on("home"))


async def abandon_visit(b: Bench) -> None:
    shell = b.app.shell
    find = shell.screens["find"]
    await b.tap(shell.screens["home"].choices["pay"], "abandon: home -> find", b.on("find"))
    for d in "2026":
        find.ids.keypad.dispatch("on_key", d)
    await b.frames(1)
    back = find.ids.nav.ids.back if "nav" in find.ids else None
    if back is not None:
        await b.tap(back, "abandon: back", b.on("home"))
    else:
        shell.end_visit()
        await b.frames(1)


async def timeout_visit(b: Bench) -> None:
    shell = b.app.shell
    find = shell.screens["find"]
    before = shell.visits_ended
    await b.tap(shell.screens["home"].choices["pay"], "timeout: home -> find", b.on("find"))
    for d in "2026":
        find.ids.keypad.dispatch("on_key", d)
    # Nobody touches the screen: the real watcher's warning, then the reset (short times here).
    idle = shell.idle
    saved = idle.warning_s, idle.reset_s
    idle.warning_s, idle.reset_s = 0.3, 0.2
    idle.activity()
    try:
        await b.until(lambda: shell.visits_ended > before and shell.manager.current == "home",
                      "the inactivity reset", timeout=30)
    finally:
        idle.warning_s, idle.reset_s = saved


def sample(app: Any, data: Path, visits: int) -> dict[str, Any]:
    backend = app.services.backend
    journal = backend.journal
    journal.purge_personal_data(0)  # as the daily purge does after the retention period
    gc.collect()
    jpath = Path(journal.path) if hasattr(journal, "path") else data / "journal.sqlite3"
    wal = jpath.with_name(jpath.name + "-wal")
    with journal._lock:  # a read for the report, not a rule: are settled payments purged?
        left = journal._db.execute(
            "SELECT COUNT(*) FROM payments WHERE personal_purged = 0 AND money_state IN "
            "('POSTED', 'VOID', 'REVERSED')").fetchone()[0]
    return {"visits": visits, "rss_mb": round(rss_mb(), 1), "fds": len(os.listdir("/proc/self/fd")),
            "threads": threading.active_count(),
            "journal_bytes": jpath.stat().st_size, "wal_bytes": wal.stat().st_size if wal.exists() else 0,
            "settled_with_personal_data": left,
            "spool_bytes": folder_bytes(data / "spool"), "gc_objects": len(gc.get_objects())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=500, help="sample every N visits")
    parser.add_argument("--baseline", type=int, default=1000, help="RSS growth is measured from here")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    app, services = headless_demo_app("kac-bench-soak-", simulated_delay_s=0.0)
    data = Path(services.config.kiosk.data_dir)
    from gateway.demo_data import demo_invoice

    inv = demo_invoice("2026000457")
    samples: list[dict[str, Any]] = []
    errors: list[str] = []
    t_start = time.monotonic()

    async def scenario() -> None:
        try:
            await services.backend.start()
            while not app.ready:
                await asyncio.sleep(0.01)
            # Memory, not timing: no slide animation, a short touch.
            from kivy.uix.screenmanager import NoTransition

            app.shell.manager.transition = NoTransition()
            b = Bench(app, rest_frames=1)
            samples.append(sample(app, data, 0))
            kinds = ("pay", "apply", "abandon", "timeout")
            for n in range(1, args.visits + 1):
                kind = kinds[(n - 1) % 4]
                if kind == "pay":
                    await pay_visit(b, inv.notice_number, inv.check_value)
                elif kind == "apply":
                    await application_path(b)
                elif kind == "abandon":
                    await abandon_visit(b)
                else:
                    await timeout_visit(b)
                b.samples.clear()
                if n % args.sample == 0:
                    s = sample(app, data, n)
                    samples.append(s)
                    rate = n / (time.monotonic() - t_start)
                    print(f"visit {n:6d}: RSS {s['rss_mb']:7.1f} MB  fds {s['fds']:3d}  threads "
                          f"{s['threads']:2d}  journal {s['journal_bytes'] / 1024:8.0f} KB  WAL "
                          f"{s['wal_bytes'] / 1024:6.0f} KB  spool {s['spool_bytes'] / 1024:7.0f} KB  "
                          f"({rate:.1f} visits/s)", flush=True)
        except Exception as exc:
            import traceback

            traceback.print_exc()
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            app.stop()

    async def run() -> None:
        task = asyncio.get_running_loop().create_task(scenario())
        await app.async_run(async_lib="asyncio")
        await task

    asyncio.run(run())
    if errors:
        print(f"bench_soak failed after {len(samples) - 1} samples: {errors[0]}", file=sys.stderr)
        return 1
    return report(samples, args)


def report(samples: list[dict[str, Any]], args: argparse.Namespace) -> int:
    base = next((s for s in samples if s["visits"] >= args.baseline), samples[0])
    last = samples[-1]
    growth = last["rss_mb"] - base["rss_mb"]
    payments = last["visits"] // 4 - base["visits"] // 4
    per_payment = (last["journal_bytes"] - base["journal_bytes"]) / max(payments, 1)
    fds = [s["fds"] for s in samples if s["visits"] >= base["visits"]]
    threads = [s["threads"] for s in samples if s["visits"] >= base["visits"]]
    print(f"visits {last['visits']}: RSS {base['rss_mb']} MB at visit {base['visits']} -> "
          f"{last['rss_mb']} MB (growth {growth:+.1f} MB, bound {RSS_GROWTH_BOUND_MB:g} MB)")
    print(f"open fds {min(fds)}..{max(fds)}, threads {min(threads)}..{max(threads)}; journal "
          f"{per_payment:.0f} bytes per payment, WAL after purge {last['wal_bytes']} bytes, settled "
          f"payments still holding personal data {last['settled_with_personal_data']}")
    if args.json is not None:
        args.json.write_text(json.dumps({"samples": samples, "rss_growth_mb": growth}, indent=1))
    ok = (growth <= RSS_GROWTH_BOUND_MB and max(fds) - min(fds) <= 5
          and last["settled_with_personal_data"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
