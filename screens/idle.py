"""Inactivity: warn after `warning_s` without input, end the visit `reset_s` later.

Time goes through Kivy's Clock (looked up at each scheduling), so a test that pushes a fake
Kivy clock drives it without waiting. Window touch/key events are observed, never consumed. The
countdown starts with the first input of a visit (an untouched Home has nothing to wipe and
must not chime at an empty room) and stands still while the visit is busy (terminal, printer).
While the warning shows, the seconds left are counted down on it (`IdleHost.countdown`), so a
resident sees how long they have.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

from kivy.clock import Clock, ClockEvent

from kiosk.visit import Visit


class IdleHost(Protocol):
    """What the watcher needs of the shell (`screens.shell.Shell`, which builds the watcher: a
    protocol keeps this module from importing it back)."""

    visit: Visit

    def show_warning(self) -> None: ...

    def hide_warning(self) -> None: ...

    def end_visit(self) -> None: ...

    def countdown(self, seconds: int) -> None: ...


class IdleWatcher:
    def __init__(self, shell: IdleHost, warning_s: float, reset_s: float) -> None:
        self.shell = shell
        self.warning_s = warning_s
        self.reset_s = reset_s
        self.armed = False
        self.warning_shown = False
        self._event: ClockEvent | None = None
        self._ticker: ClockEvent | None = None
        self._deadline = 0.0
        self._window: Any = None

    def start(self) -> None:
        from kivy.core.window import Window

        if self._window is None:
            self._window = Window
            Window.bind(on_touch_down=self._on_input, on_key_down=self._on_input)

    def stop(self) -> None:
        if self._window is not None:
            self._window.unbind(on_touch_down=self._on_input, on_key_down=self._on_input)
            self._window = None
        self._cancel()

    def _on_input(self, *_args: Any) -> bool:
        self.activity()
        return False  # never consume: the touch goes on to the widgets

    def activity(self) -> None:
        self.armed = True
        if self.warning_shown:
            self.warning_shown = False
            self.shell.hide_warning()
        self._schedule(self.warning_s, self._warn)

    def disarm(self) -> None:
        self.armed = False
        self.warning_shown = False
        self._cancel()

    def busy_changed(self, busy: bool) -> None:
        if busy:
            self._cancel()
            if self.warning_shown:
                self.warning_shown = False
                self.shell.hide_warning()
        elif self.armed:
            self._schedule(self.warning_s, self._warn)

    @property
    def pending(self) -> bool:
        return self._event is not None

    def _warn(self, _dt: float) -> None:
        self._event = None
        if self.shell.visit.busy:
            return
        self.warning_shown = True
        self._deadline = Clock.time() + self.reset_s
        self.shell.countdown(self.seconds_left)
        self.shell.show_warning()
        self._schedule(self.reset_s, self._expire)
        self._ticker = Clock.schedule_interval(self._count, 0.25)

    @property
    def seconds_left(self) -> int:
        """Whole seconds until the visit ends (0 when no warning is showing)."""
        if not self.warning_shown:
            return 0
        return max(0, math.ceil(self._deadline - Clock.time() - 1e-6))

    def _count(self, _dt: float) -> None:
        self.shell.countdown(self.seconds_left)

    def _expire(self, _dt: float) -> None:
        self._event = None
        if self.shell.visit.busy:
            return
        self.shell.end_visit()

    def _schedule(self, delay: float, callback: Any) -> None:
        self._cancel()
        if self.shell.visit.busy:
            return
        self._event = Clock.schedule_once(callback, delay)

    def _cancel(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
