"""The desk's counters: one big button per kind and category with today's count on it, and "Undo
last" (the same librarian, within 10 minutes). Taps go through the journal's outbox
(kiosk.desk.counters); this screen only shows the board and forwards taps
(docs/architecture.md, "Counters, shifts and statistics")."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from common.i18n import N_
from kiosk.desk import BUTTONS, CounterButton, CountersBoard, counters_of
from screens.base import GalleryState, register_screen
from screens.desk_common import DeskScreen, run
from screens.widgets import TR, KButton


class CounterKey(KButton):
    """One kind (and category): its name and today's count."""

    column = StringProperty("")
    msgid = StringProperty("")
    count = NumericProperty(0)


@register_screen
class DeskCountersScreen(DeskScreen):
    screen_name = "desk_counters"
    order = 207
    speech_text = N_("Counters of today's work.")

    can_undo = BooleanProperty(False)
    pending = NumericProperty(0)
    last = StringProperty("")  # the msgid of the last tap's button

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.keys: dict[str, CounterKey] = {}
        for button in BUTTONS:
            key = CounterKey(column=button.column, msgid=button.label)
            key.bind(on_release=lambda k, b=button: self.tap(b))
            self.keys[button.column] = key
            self.ids.key_grid.add_widget(key)
        self._observed: CountersBoard | None = None
        TR.bind(lang=lambda *_a: self._show())

    @property
    def board(self) -> CountersBoard:
        board = counters_of(self.services.backend)
        if self._observed is not board:
            board.observe(self._on_board)
            self._observed = board
        return board

    def reset(self) -> None:
        self.say("")
        self.last = ""

    def refresh(self) -> None:
        run(self.board.refresh())
        self._show()
        Clock.schedule_once(lambda _dt: self._show(), 1)

    def _on_board(self) -> None:
        self._show()

    def _show(self) -> None:
        board = self._observed
        if board is None:
            return
        for column, key in self.keys.items():
            key.count = board.counts.get(column, 0)
        self.can_undo = board.can_undo()
        self.pending = board.pending

    def tap(self, button: CounterButton) -> None:
        self.last = button.label
        self.say("")
        run(self.board.tap(button), lambda _tap: self._show())

    def undo(self) -> None:
        run(self.board.undo_last(), self._undone)

    def _undone(self, done: bool) -> None:
        self.last = ""
        self._show()
        if not done:
            self.say("nothing-to-undo")

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        from screens.desk_gallery import signed_in

        def counted(s: DeskCountersScreen) -> None:
            signed_in(s)
            _ = s.board
            for n, key in enumerate(s.keys.values()):
                key.count = (7 * n + 3) % 11
            s.last, s.can_undo, s.pending = BUTTONS[2].label, True, 2

        return [GalleryState("", counted)]
