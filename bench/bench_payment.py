"""From "approved" to the receipt at the printer: how long a resident waits after the terminal says yes.

The demo set-up, built by `open_backend` like the app does: the embedded gateway (real HTTP over
ASGI, SQLite), the simulator driver with no delay, the printer on the preview device (PNG + bytes into
the spool, as the demo shows them) or `--printer file`. For each of N payments, the clock starts
when the terminal's answer reaches the kiosk (the driver's `pay` returns APPROVED) and stops when
the receipt's ESC/POS bytes are handed to the printer device (also reported: when the device has
them). Between the two: journaling the approval, the receipt number, posting to the gateway,
signing, rendering. Reported as medians and as a ratio to one bare gateway `/health` call measured
in the same run, so the figure travels between machines.

    .venv/bin/python bench/bench_payment.py [--runs N] [--printer preview|file]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.demo_data import DEMO_INVOICES  # noqa: E402
from kiosk import config  # noqa: E402
from kiosk.payments import Cart, Verdict  # noqa: E402
from launcher.embedded import open_backend  # noqa: E402


def build(data_dir: Path, printer: str) -> Any:
    sections: dict[str, Any] = {
        "kiosk": {"data_dir": str(data_dir)},
        "terminal": {"simulated_delay_s": 0.0, "scenarios": True},
        "printer": {"device": printer, "path": str(data_dir / "printer.out")},
    }
    cfg = config.parse(sections).model_copy(update={"demo": True})
    return open_backend(cfg)


async def bench(runs: int, printer: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-payment-") as tmp:
        backend = build(Path(tmp), printer)
        marks: dict[str, float] = {}
        driver = backend.terminal.driver
        device = backend.printer.printer
        real_pay, real_print = driver.pay, device.print_job

        async def timed_pay(*args: Any, **kw: Any) -> Any:
            out = await real_pay(*args, **kw)
            marks["approved"] = time.perf_counter()
            return out

        async def timed_print(data: bytes, **kw: Any) -> Any:
            marks.setdefault("bytes_out", time.perf_counter())
            try:
                return await real_print(data, **kw)
            finally:
                marks.setdefault("printed", time.perf_counter())

        driver.pay = timed_pay
        device.print_job = timed_print
        try:
            await backend.start()
            invoices = [i for i in DEMO_INVOICES if i.balance_cents >= 5000]
            views = []
            for inv in invoices:
                found = await backend.gateway.search_invoices(inv.notice_number, inv.check_value)
                views.append(found.invoices[0])
            health, to_bytes, to_printed, whole = [], [], [], []
            for i in range(runs + 1):  # the first run warms caches and connections
                t0 = time.perf_counter()
                await backend.gateway.health()
                h = time.perf_counter() - t0
                cart = Cart()
                cart.add(views[i % len(views)].model_copy(update={"due_now_cents": 100}))
                marks.clear()
                t0 = time.perf_counter()
                result = await backend.payments.pay(cart, lang="lv")
                total = time.perf_counter() - t0
                if result.verdict is not Verdict.PAID or not result.printed:
                    raise SystemExit(f"run {i}: {result}")
                if i == 0:
                    continue
                health.append(h)
                whole.append(total)
                to_bytes.append(marks["bytes_out"] - marks["approved"])
                to_printed.append(marks["printed"] - marks["approved"])
        finally:
            await backend.aclose()
    med = statistics.median
    return {"runs": runs, "printer": printer,
            "health_ms": med(health) * 1e3,
            "approved_to_bytes_ms": med(to_bytes) * 1e3,
            "approved_to_printed_ms": med(to_printed) * 1e3,
            "pay_ms": med(whole) * 1e3,
            "approved_to_bytes_per_health": med(to_bytes) / med(health),
            "pay_per_health": med(whole) / med(health)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--printer", choices=["preview", "file"], default="preview")
    args = parser.parse_args()
    r = asyncio.run(bench(args.runs, args.printer))
    print(f"payment bench: {r['runs']} payments, demo set-up, {r['printer']} printer (medians)")
    print(f"  gateway /health call            {r['health_ms']:8.2f} ms")
    print(f"  approved -> receipt bytes out   {r['approved_to_bytes_ms']:8.2f} ms"
          f"   = {r['approved_to_bytes_per_health']:.1f} x health")
    print(f"  approved -> printer has them    {r['approved_to_printed_ms']:8.2f} ms")
    print(f"  whole pay()                     {r['pay_ms']:8.2f} ms"
          f"   = {r['pay_per_health']:.1f} x health")
    out = ROOT / "bench" / "_results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"bench_payment-{r['printer']}.json").write_text(json.dumps(r, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
