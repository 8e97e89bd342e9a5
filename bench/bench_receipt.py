"""Payment receipt: bytes and render time in text mode vs whole-raster mode, in one run.

    .venv/bin/python bench/bench_receipt.py [--rounds N]

Text mode = the model's fixed code pages (raster only for lines a page cannot encode, and the QR on
printers without native QR); raster mode = the same layout printed as one image (unknown printers).
Also prints the transfer time at serial speeds, where raster receipts are too slow.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from printer.compose import compose
from printer.escpos_output import render_escpos
from printer.models import get_model
from printer.samples import sample


def measure(model_name: str, raster: bool, rounds: int) -> tuple[int, float]:
    model = get_model(model_name)
    if raster:
        model = model.with_raster_only()
    doc = sample("payment")
    times = []
    size = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        data = render_escpos(compose(doc, model, "lv"), model)
        times.append(time.perf_counter() - t0)
        size = len(data)
    return size, statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    measure("generic-80", False, 2)  # warm up fonts and the escpos profile cache
    print(f"payment receipt (3 invoices, card lines, signed QR), median of {args.rounds} renders")
    print(f"{'model':16} {'mode':7} {'bytes':>8} {'render ms':>10} {'9600 Bd s':>10} {'115200 Bd s':>12}")
    for name in ("generic-80", "tm-t88v", "generic-58"):
        rows = {}
        for raster in (False, True):
            size, secs = measure(name, raster, args.rounds)
            rows[raster] = (size, secs)
            mode = "raster" if raster else "text"
            print(f"{name:16} {mode:7} {size:8d} {secs * 1000:10.1f} {size * 10 / 9600:10.1f} "
                  f"{size * 10 / 115200:12.2f}")
        (tb, tt), (rb, rt) = rows[False], rows[True]
        print(f"{name:16} ratio raster/text: bytes x{rb / tb:.1f}, render time x{rt / tt:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
