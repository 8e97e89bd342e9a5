"""Cold start of the kiosk against a bare Kivy "hello" app, measured in the same run.

prod:   `kiosk run --config PROD.toml --smoke OUT.png` with a production config (a gateway URL,
        a signing key, the terminal simulator, the preview printer): process start -> Home
        accepting taps, proven by two real taps, screenshot, exit. FastAPI, SQLAlchemy and the
        gateway must not load (checked with `-X importtime` once per run).
demo:   the same without a config: the embedded demo gateway opens in a worker thread after Home.
hello:  the same environment, one Label, first frame, screenshot, exit.

All run N times, in rotating order, each in a fresh process. Reported per side: median wall time
(whole process), median "ready" time (process start -> first frame with the UI ready, from /proc)
and median peak RSS; then the ratios to hello.

    .venv/bin/python bench/bench_startup.py [-n 7] [--config PROD.toml]
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


GATEWAY_MODULES = ("fastapi", "sqlalchemy", "starlette", "alembic", "uvicorn", "gateway")


def run_once(cmd: list[str], tmp: Path, *, importtime: bool = False) -> tuple[float, float, float, str]:
    """(wall s, ready s, peak RSS MB, stderr) of one fresh process."""
    e = env()
    e["KIOSK_DATA_DIR"] = str(tmp / "data")
    if importtime:
        cmd = [cmd[0], "-X", "importtime", *cmd[1:]]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=e, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{stderr[-2000:]}")
    m = re.search(r"ready ([0-9.]+)", stdout)
    return wall, float(m.group(1)) if m else float("nan"), usage.ru_maxrss / 1024, stderr


def imported_gateway_modules(importtime_stderr: str) -> list[str]:
    found = set()
    for line in importtime_stderr.splitlines():
        name = line.rsplit("|", 1)[-1].strip()
        if name.split(".")[0] in GATEWAY_MODULES:
            found.add(name.split(".")[0])
    return sorted(found)


def production_config(tmp: Path) -> Path:
    """A production kiosk's config: no embedded gateway, a real signing key."""
    from common.signing import generate_kiosk_key

    generate_kiosk_key(tmp / "signing.pem")
    (tmp / "gateway.token").write_text("bench\n", encoding="utf-8")
    cfg = tmp / "kiosk.toml"
    cfg.write_text(f"""[kiosk]
id = "bench-1"
data_dir = "{tmp / 'prod-data'}"
signing_key_file = "{tmp / 'signing.pem'}"
[gateway]
url = "http://127.0.0.1:9"
token_file = "{tmp / 'gateway.token'}"
[display]
fullscreen = false
width_px = 1280
height_px = 800
""", encoding="utf-8")
    return cfg


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=7, help="runs per side (default 7)")
    parser.add_argument("--config", type=Path, default=None,
                        help="production config for the prod side (default: one made here)")
    args = parser.parse_args()
    sides = ("hello", "prod", "demo")
    results: dict[str, list[tuple[float, float, float, str]]] = {s: [] for s in sides}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        hello = tmp / "hello_app.py"  # a file: App.load_kv needs the class's source file
        hello.write_text(HELLO, encoding="utf-8")
        prod_cfg = args.config or production_config(tmp)
        cmds = {
            "prod": [sys.executable, "-m", "kiosk", "run", "--config", str(prod_cfg),
                     "--smoke", str(tmp / "prod.png")],
            "demo": [sys.executable, "-m", "kiosk", "run", "--smoke", str(tmp / "demo.png")],
            "hello": [sys.executable, str(hello), str(tmp / "hello.png")],
        }
        run_once(cmds["hello"], tmp)  # warm the page cache once; not counted
        leaked = imported_gateway_modules(run_once(cmds["prod"], tmp, importtime=True)[3])
        for i in range(args.n):
            for side in sides[i % 3:] + sides[:i % 3]:
                results[side].append(run_once(cmds[side], tmp))
    med = {side: tuple(statistics.median(r[k] for r in rs) for k in range(3))
           for side, rs in results.items()}
    print(f"runs per side: {args.n} (rotating order), python {sys.version.split()[0]}")
    for side in sides:
        wall, ready, rss = med[side]
        print(f"{side:6s} median wall {wall:.3f} s   median ready {ready:.3f} s   "
              f"median peak RSS {rss:.0f} MB")
    for side in ("prod", "demo"):
        print(f"ratio {side}/hello: wall {med[side][0] / med['hello'][0]:.2f}x, "
              f"ready {med[side][1] / med['hello'][1]:.2f}x, peak RSS {med[side][2] / med['hello'][2]:.2f}x")
    print("gateway modules imported by the production run: " + (", ".join(leaked) or "none"))
    return 1 if leaked else 0


if __name__ == "__main__":
    raise SystemExit(main())
