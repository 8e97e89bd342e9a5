"""The kiosk under systemd's watchdog (docs/architecture.md, "Running unattended").

A real AF_UNIX datagram socket plays systemd's notify socket; the real `kiosk run --smoke` (and the
real KioskApp driven in its own process) talk to it through $NOTIFY_SOCKET and $WATCHDOG_USEC.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, sock: str, watchdog_usec: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "SDL_"))}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.update(KIOSK_DATA_DIR=str(tmp_path / "data"),
               KIOSK_SYSTEM_CONFIG=str(tmp_path / "no-system-config.toml"),
               NOTIFY_SOCKET=sock, WATCHDOG_USEC=str(watchdog_usec))
    return env


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    """A datagram socket bound where systemd would put its notify socket."""
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.05)
    yield sock
    sock.close()


def _collect(sock: socket.socket, proc: subprocess.Popen[str], timeout: float = 90
             ) -> list[tuple[float, str]]:
    """Every message until the process exits: (seconds since start, message)."""
    t0 = time.monotonic()
    got: list[tuple[float, str]] = []
    while True:
        try:
            got.append((time.monotonic() - t0, sock.recv(4096).decode()))
            continue
        except TimeoutError:
            pass
        if proc.poll() is not None:
            break
        if time.monotonic() - t0 > timeout:
            proc.kill()
            raise AssertionError(f"the process did not end within {timeout} s; got {got}")
    return got


def _first(got: list[tuple[float, str]], prefix: str) -> int:
    return next(i for i, (_t, m) in enumerate(got) if m.startswith(prefix))


def test_smoke_run_says_ready_pings_the_watchdog_and_says_stopping(tmp_path, notify_socket):
    env = _env(tmp_path, notify_socket.getsockname(), watchdog_usec=400_000)  # ping every 0.2 s
    # As under cage: the unit's main process (here a shell, there cage) is the kiosk's parent, and
    # systemd's WATCHDOG_PID names it, not the kiosk.
    kiosk = f'"{sys.executable}" -m kiosk run --smoke "{tmp_path / "s.png"}"'
    proc = subprocess.Popen(["/bin/sh", "-c", f"WATCHDOG_PID=$$ {kiosk}; exit $?"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    got = _collect(notify_socket, proc)
    out, err = proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    messages = [m for _t, m in got]
    assert sum(m.startswith("READY=1") for m in messages) == 1, messages
    ready = _first(got, "READY=1")
    pings = [t for t, m in got[ready:] if m == "WATCHDOG=1"]
    assert len(pings) >= 3, messages  # periodic, from the UI loop, while Home is up
    assert messages[-1] == "STOPPING=1" and messages.count("STOPPING=1") == 1
    # READY comes once Home accepts taps: the smoke check's taps come after it.
    assert "smoke test passed" in out


FREEZE_DRIVER = r"""
import asyncio, json, sys, threading, time
from kiosk.config import parse
from kiosk.speech import SilentSpeech
from launcher.run import build_services
from screens.kivy_env import apply_kivy_environment

mode = sys.argv[1]
data = {}
if mode == "nightly":
    from datetime import datetime
    from common.clock import RIGA
    data = {"service": {"nightly_restart": datetime.now(RIGA).strftime("%H:%M"),
                        "nightly_restart_window_min": 5}}
cfg = parse(data, demo=True)
apply_kivy_environment(cfg, headless=True)
from screens import app as app_mod
app_mod.configure_kivy(cfg, windowed=True)
from kivy.clock import Clock
from kivy.base import EventLoop

services = build_services(cfg, speech=SilentSpeech())
app = app_mod.KioskApp(services)
found = {}

def freeze(_dt):
    # Block the UI loop on purpose, as a hung callback would; another thread keeps running.
    app.notifier.status("freezing")
    time.sleep(2.0)
    app.notifier.status("thawed")

def alive():
    while not found.get("done"):
        app.notifier.status("thread-alive")
        time.sleep(0.1)

async def scenario():
    while not app.ready:
        await asyncio.sleep(0.01)
    if mode == "freeze":
        threading.Thread(target=alive, daemon=True).start()
        await asyncio.sleep(1.0)
        Clock.schedule_once(freeze, 0)
        await asyncio.sleep(1.5)
        found["done"] = True
        app.stop()
        return
    # nightly: a visit is under way (a tap armed the idle watcher): no restart, however long.
    app.shell.idle.activity()
    # ... and the kiosk has been up for a day (a tick before this saw a fresh start: forget it).
    app.nightly.started = app.nightly.started.replace(year=app.nightly.started.year - 1)
    app.nightly._done_for = None
    await asyncio.sleep(1.0)
    found["stopped_during_visit"] = EventLoop.status != "started"
    app.shell.end_visit()
    for _ in range(300):
        if app.restart_requested:
            break
        await asyncio.sleep(0.05)
    found["restart_requested"] = app.restart_requested

async def run():
    task = asyncio.get_running_loop().create_task(scenario())
    await app.async_run(async_lib="asyncio")
    await asyncio.wait_for(task, 10)

asyncio.run(run())
print(json.dumps(found), flush=True)
"""


def _driver(tmp_path: Path, sock: socket.socket, mode: str, watchdog_usec: int
            ) -> tuple[list[tuple[float, str]], str]:
    env = _env(tmp_path, sock.getsockname(), watchdog_usec)
    proc = subprocess.Popen([sys.executable, "-c", FREEZE_DRIVER, mode], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    got = _collect(sock, proc)
    out, err = proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    return got, out


def test_a_frozen_ui_loop_stops_the_watchdog_pings(tmp_path, notify_socket):
    got, _out = _driver(tmp_path, notify_socket, "freeze", watchdog_usec=200_000)  # every 0.1 s
    start, end = _first(got, "STATUS=freezing"), _first(got, "STATUS=thawed")
    frozen_for = got[end][0] - got[start][0]
    assert frozen_for >= 1.9
    during = [m for _t, m in got[start:end]]
    # The pings come from the UI loop: none while it is blocked, though the process lives on
    # (another thread kept talking) — systemd would see the watchdog expire and restart it.
    assert "WATCHDOG=1" not in during, during
    assert during.count("STATUS=thread-alive") >= 10
    before = [t for t, m in got[_first(got, "READY=1"):start] if m == "WATCHDOG=1"]
    assert len(before) >= 4  # it was pinging before the freeze
    assert max(b - a for a, b in itertools.pairwise(before)) < 0.6
    assert "WATCHDOG=1" in [m for _t, m in got[end:]]  # and again once the loop runs


def test_nightly_restart_waits_for_an_idle_home(tmp_path, notify_socket):
    got, out = _driver(tmp_path, notify_socket, "nightly", watchdog_usec=2_000_000)
    found = json.loads(out.strip().splitlines()[-1])
    assert found == {"stopped_during_visit": False, "restart_requested": True}
    assert [m for _t, m in got][-1] == "STOPPING=1"


# -- the protocol and the schedule, without a process ----------------------------------------

def test_notifier_sends_datagrams_and_is_silent_without_systemd(tmp_path, notify_socket):
    from kiosk.sd_notify import Notifier

    n = Notifier(address=notify_socket.getsockname(), watchdog_usec="30000000")
    assert n.ping_interval_s() == 15.0
    assert n.ready("up") and n.watchdog() and n.stopping()
    assert [notify_socket.recv(100) for _ in range(3)] == [b"READY=1\nSTATUS=up", b"WATCHDOG=1",
                                                          b"STOPPING=1"]
    n.close()
    quiet = Notifier(address="", watchdog_usec="")
    assert not quiet.enabled and quiet.ping_interval_s() == 0 and quiet.ready() is False


def test_watchdog_pid_of_the_parent_counts_as_ours():
    """Under cage, systemd's WATCHDOG_PID is cage's (the unit's main process, our parent)."""
    from kiosk.sd_notify import Notifier

    assert Notifier(address="x", watchdog_usec="30000000",
                    watchdog_pid=str(os.getppid())).ping_interval_s() == 15.0
    assert Notifier(address="x", watchdog_usec="30000000",
                    watchdog_pid=str(os.getpid())).ping_interval_s() == 15.0
    assert Notifier(address="x", watchdog_usec="30000000", watchdog_pid="1").ping_interval_s() == 0


def test_notifier_reaches_an_abstract_socket():
    from kiosk.sd_notify import Notifier

    name = f"kac-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(2)
    try:
        assert Notifier(address="@" + name).watchdog()
        assert sock.recv(100) == b"WATCHDOG=1"
    finally:
        sock.close()


def test_nightly_schedule_in_riga_time_once_per_night():
    from datetime import UTC, datetime, timedelta

    from kiosk.nightly_restart import NightlyRestart, parse_hhmm

    started = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    n = NightlyRestart("03:30", 60, started=started)
    at = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)  # 03:30 in Riga (UTC+2 in November)
    assert not n.due(at - timedelta(minutes=1), idle=True)
    assert not n.due(at + timedelta(minutes=5), idle=False)  # a visit: wait
    assert n.due(at + timedelta(minutes=6), idle=True)
    assert not n.due(at + timedelta(minutes=7), idle=True)  # once a night
    assert not n.due(at + timedelta(days=1, minutes=61), idle=True)  # past the window: skipped
    late = NightlyRestart("03:30", 60, started=at - timedelta(minutes=10))
    assert not late.due(at + timedelta(minutes=1), idle=True)  # started just before: not tonight
    assert NightlyRestart("", 60, started=started).due(at, idle=True) is False
    with pytest.raises(ValueError):
        parse_hhmm("3.30")
