"""Cold start of the kiosk against a bare Kivy "hello" app, measured in the same run.

kiosk:  `kiosk run --smoke OUT.png` (process start -> Home accepting taps, proven by two real taps,
        screenshot, exit).
hello:  the same environment, one Label, first frame, screenshot, exit.

Both are run N times, alternating, each in a fresh process. Reported per side: median wall time
(whole process) and median "ready" time (process start -> first frame with the UI ready, from
/proc); then the kiosk/hello ratios.

    .venv/bin/python bench/bench_startup.py [-n 7]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HELLO = r'''
import asyncio, os, sys
from pathlib import Path
from kivy.config import Config
Config.set("graphics", "width", "1280"); Config.set("graphics", "height", "800")
for k, _ in Config.items("input"):
    Config.remove_option("input", k)
Config.set("input", "mouse", "mouse,disable_multitouch,disable_hover")
from kivy.app import App
from kivy.uix.label import Label

def process_age_s():
    start = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    return float(Path("/proc/uptime").read_text().split()[0]) - start / os.sysconf("SC_CLK_TCK")

class Hello(App):
    frames = 0
    def build(self):
        from kivy.core.window import Window
        Window.bind(on_flip=self._flip)
        return Label(text="Labdien! Здравствуйте!", font_size="40sp")
    def _flip(self, *a):
        self.frames += 1

async def main(out):
    app = Hello()
    async def scenario():
        while app.frames == 0:
            await asyncio.sleep(0.01)
        print(f"ready {process_age_s():.3f}")
        from kivy.core.window import Window
        shot = Window.screenshot(name=out[:-4] + "-.png")
        os.replace(shot, out)
        app.stop()
    task = asyncio.get_running_loop().create_task(scenario())
    await app.async_run(async_lib="asyncio")
    await task

asyncio.run(main(sys.argv[1]))
'''


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "SDL_"))}
    e.pop("DISPLAY", None)
    e.pop("WAYLAND_DISPLAY", None)
    e.update({"KIVY_NO_ARGS": "1", "KIVY_NO_CONFIG": "1", "KIVY_NO_FILELOG": "1",
              "KIVY_LOG_MODE": "PYTHON", "KIVY_WINDOW": "sdl2", "SDL_VIDEODRIVER": "offscreen",
              "SDL_AUDIODRIVER": "dummy"})
    e.setdefault("KIOSK_SYSTEM_CONFIG", "/nonexistent/kiosk.toml")
    return e


def run_once(cmd: list[str], tmp: Path) -> tuple[float, float]:
    e = env()
    e["KIOSK_DATA_DIR"] = str(tmp / "data")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=e, capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    m = re.search(r"ready ([0-9.]+)", proc.stdout)
    return wall, float(m.group(1)) if m else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=7, help="runs per side (default 7)")
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {"kiosk": [], "hello": []}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        hello = tmp / "hello_app.py"  # a file: App.load_kv needs the class's source file
        hello.write_text(HELLO, encoding="utf-8")
        cmds = {
            "kiosk": [sys.executable, "-m", "kiosk", "run", "--smoke", str(tmp / "kiosk.png")],
            "hello": [sys.executable, str(hello), str(tmp / "hello.png")],
        }
        run_once(cmds["hello"], tmp)  # warm the page cache once; not counted
        for i in range(args.n):
            order = ("kiosk", "hello") if i % 2 == 0 else ("hello", "kiosk")
            for side in order:
                results[side].append(run_once(cmds[side], tmp))
    med = {side: (statistics.median(w for w, _ in r), statistics.median(x for _, x in r))
           for side, r in results.items()}
    print(f"runs per side: {args.n} (alternating), python {sys.version.split()[0]}")
    for side in ("hello", "kiosk"):
        wall, ready = med[side]
        print(f"{side:6s} median wall {wall:.3f} s   median ready {ready:.3f} s")
    print(f"ratio kiosk/hello: wall {med['kiosk'][0] / med['hello'][0]:.2f}x, "
          f"ready {med['kiosk'][1] / med['hello'][1]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
