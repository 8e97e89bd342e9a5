"""A fake Kivy clock: time moves only when a test advances it (asynckivy's idea)."""

from __future__ import annotations

from typing import Any


class FakeKivyClock:
    def __init__(self) -> None:
        from kivy.clock import ClockBase
        from kivy.context import Context

        self.now = 1000.0
        self.clock = ClockBase()
        self.clock._max_fps = 0
        self.clock.time = lambda: self.now
        self.context = Context(init=False)
        self.context["Clock"] = self.clock

    def __enter__(self) -> FakeKivyClock:
        self.context.push()
        self.clock.start_clock()
        self.clock.tick()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.clock.stop_clock()
        self.context.pop()

    def advance(self, seconds: float, frames: int = 2) -> None:
        from kivy.base import EventLoop

        self.now += seconds
        for _ in range(frames):
            EventLoop.idle()
