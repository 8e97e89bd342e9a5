"""The desk home's row for the counters, the shift and the statistics (desk_more_jobs.kv); the
shift's button warns when a shift was left open over midnight (checked at every sign-in,
docs/architecture.md, "Counters, shifts and statistics")."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.desk import ShiftDesk, counters_of, shift_of
from screens.widgets import load_kv_beside


class DeskMoreJobs(BoxLayout):
    """Three buttons; the shift's says "left open since yesterday" while the shift desk says so."""

    screen = ObjectProperty(None, allownone=True, rebind=True)
    over_midnight = BooleanProperty(False)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._watched: ShiftDesk | None = None

    def on_screen(self, *_args: Any) -> None:
        Clock.schedule_once(self._watch, 0)

    def _watch(self, _dt: float = 0) -> None:
        backend = getattr(getattr(self.screen, "services", None), "backend", None)
        if backend is None or self._watched is not None:
            return
        self._watched = shift_of(backend)
        self._watched.observe(self._update)
        counters_of(backend)  # sends counter taps left in the journal (kiosk.desk.counters)
        self._update()

    def _update(self) -> None:
        self.over_midnight = bool(self._watched and self._watched.over_midnight)

    def open(self, name: str) -> None:
        self._watch()
        self.screen.go(name)


load_kv_beside(__file__)
