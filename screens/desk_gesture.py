"""The hidden way to the librarian's desk: a long press in one corner of Home (and of "Ask the
librarian", where a resident's visit is still going on and can be taken over: Home ends it).

`[desk] corner` and `hold_s` (default top-left, 3 s) say where and how long. The corner holds
nothing a resident taps; the press is observed, never consumed, and a finger that leaves the
corner or lifts early does nothing. The PIN pad that opens still needs a librarian's PIN
(docs/architecture.md, "The librarian's desk").
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock, ClockEvent
from kivy.metrics import dp
from kivy.properties import ObjectProperty
from kivy.uix.widget import Widget

CORNER_DP = 110  # about 17 mm on a 1280 px / 270 mm panel: a finger, not a stray palm
_POS = {"top-left": {"x": 0, "top": 1}, "top-right": {"right": 1, "top": 1},
        "bottom-left": {"x": 0, "y": 0}, "bottom-right": {"right": 1, "y": 0}}


class CornerHold(Widget):
    """An invisible square in the configured corner of its screen."""

    screen = ObjectProperty(None)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        desk = self.screen.services.config.desk
        self.hold_s = desk.hold_s
        self.size_hint = (None, None)
        self.size = (dp(CORNER_DP), dp(CORNER_DP))
        self.pos_hint = dict(_POS[desk.corner])
        self._event: ClockEvent | None = None
        self._touch: Any = None

    def on_touch_down(self, touch: Any) -> bool:
        if self._touch is None and self.collide_point(*touch.pos) and \
                self.screen.services.backend is not None:
            self._touch = touch
            touch.grab(self)
            self._event = Clock.schedule_once(self._held, self.hold_s)
        return False  # observed only: the touch goes on to whatever is beneath

    def on_touch_move(self, touch: Any) -> bool:
        if touch is self._touch and not self.collide_point(*touch.pos):
            self._release()
        return False

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is self:
            touch.ungrab(self)
        if touch is self._touch:
            self._release()
        return False

    def _release(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        self._touch = None

    def _held(self, _dt: float) -> None:
        self._event = None
        self._touch = None
        shell = self.screen.shell
        if shell.manager.current == self.screen.name:
            from screens.desk_common import desk_guard

            desk_guard(shell).open_pin()
