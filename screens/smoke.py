"""`kiosk run --smoke OUT.png`: wait until Home accepts taps, prove it with real taps through
Kivy's input path, and save a screenshot; also how long after the process started Home was ready
(docs/architecture.md, "Screens": start-up)."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any

from kivy.base import EventLoop
from kivy.input.motionevent import MotionEvent

log = logging.getLogger(__name__)


class SyntheticTouch(MotionEvent):
    """A single tap fed through Kivy's real input path (EventLoop -> Window -> widgets)."""

    def __init__(self, x: float, y: float) -> None:
        from kivy.core.window import Window

        super().__init__("smoke", 1, {"x": x / max(Window.width - 1, 1), "y": y / max(Window.height - 1, 1)},
                         is_touch=True, type_id="touch")
        self.profile = ["pos"]

    def depack(self, args: dict[str, float]) -> None:
        self.sx, self.sy = args["x"], args["y"]
        super().depack(args)


async def tap_widget(widget: Any, frames: int = 2) -> None:
    touch = SyntheticTouch(*widget.to_window(*widget.center))
    EventLoop.post_dispatch_input("begin", touch)
    await _frames(frames)
    EventLoop.post_dispatch_input("end", touch)
    await _frames(frames)


async def _frames(n: int) -> None:
    """Let the Kivy loop (running on this asyncio loop) draw n frames."""
    for _ in range(n):
        await asyncio.sleep(1 / 30)


def process_age_s() -> float | None:
    """Seconds since this process started (Linux /proc; None elsewhere), for start-up figures."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


async def smoke_check(app: Any, out: Path, timeout_s: float = 30.0) -> str | None:
    """Wait until Home accepts taps, prove it by tapping, save a screenshot. None = success."""
    from kivy.core.window import Window

    deadline = time.monotonic() + timeout_s
    while not app.ready:
        if time.monotonic() > deadline:
            return f"the home screen did not become ready within {timeout_s:.0f} s"
        await asyncio.sleep(0.01)
    age = process_age_s()
    if age is not None:
        log.info("home screen ready %.3f s after process start", age)
        app.ready_after_s = age
    home = app.shell.screens["home"]
    toggle = home.ids.high_contrast
    visit = app.services.visit
    for expected in (True, False):
        await tap_widget(toggle)
        if visit.high_contrast is not expected or toggle.active is not expected:
            return f"a tap on the high-contrast button did not switch it to {expected}"
    await _frames(2)
    out.parent.mkdir(parents=True, exist_ok=True)
    shot = Window.screenshot(name=str(out.with_suffix("")) + "-.png")
    if not shot or not Path(shot).exists():
        return "the screenshot was not written"
    os.replace(shot, out)
    return None
