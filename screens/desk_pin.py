"""The desk's PIN pad: the librarian picks their name from the location's list and types the PIN.

Reached only by the hidden gesture on Home or on "Ask the librarian" (screens.desk_gesture); Cancel
goes back there. The PIN shows as dots and is forgotten after
every try (kiosk.desk.session).
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from common.i18n import N_
from screens.base import GalleryState, register_screen
from screens.desk_common import DeskScreen, run
from screens.keypad import CLEAR, ERASE, Keypad  # noqa: F401  (used by desk_pin.kv)
from screens.widgets import KToggle


class OperatorToggle(KToggle):
    operator = StringProperty("")


@register_screen
class DeskPinScreen(DeskScreen):
    screen_name = "desk_pin"
    order = 200
    needs_session = False
    speech_text = N_("Librarian sign-in.")

    dots = StringProperty("")
    operator = StringProperty("")
    busy = BooleanProperty(False)

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.buttons: dict[str, OperatorToggle] = {}

    def reset(self) -> None:
        self.busy = False
        self.say("")
        self.dots = self.operator = ""
        if self.shell.services.backend is not None:
            self.desk.session.pin.reset()

    def refresh(self) -> None:
        self._sync()
        run(self.desk.session.operators(), self.show_operators)

    def show_operators(self, names: list[str]) -> None:
        box = self.ids.operators
        box.clear_widgets()
        self.buttons = {}
        for name in names:
            btn = OperatorToggle(operator=name, label=name)
            btn.bind(on_release=lambda b: self.choose(b.operator))
            box.add_widget(btn)
            self.buttons[name] = btn
        if len(names) == 1:
            self.choose(names[0])
        self._sync()

    def _sync(self) -> None:
        pin = self.desk.session.pin
        self.dots, self.operator = pin.dots, pin.operator
        for name, btn in self.buttons.items():
            btn.active = name == pin.operator

    def choose(self, name: str) -> None:
        self.desk.session.pin.choose(name)
        self.say("")
        self._sync()

    def on_keypad(self, value: str) -> None:
        pin = self.desk.session.pin
        if value == ERASE:
            pin.erase()
        elif value == CLEAR:
            pin.clear()
        else:
            pin.type_digit(value)
        self._sync()

    def sign_in(self) -> None:
        if self.busy:
            return
        self.busy = True
        run(self.desk.sign_in(), self._signed_in)

    def _signed_in(self, code: str) -> None:
        self.busy = False
        self._sync()
        if code == "signed-in":
            self.say("")
            self.shell.go("desk_home")
        else:
            self.say(code)

    def cancel(self) -> None:
        """Back where the gesture was made: Home, or the resident's "Ask the librarian"."""
        self.desk.session.pin.reset()
        self.say("")
        self.shell.back()

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        def names(s: DeskPinScreen) -> None:
            s.show_operators(["Anna Bērziņa", "Ilze Ozoliņa"])

        def typed(s: DeskPinScreen) -> None:
            names(s)
            s.choose("Anna Bērziņa")
            for d in "1234":
                s.on_keypad(d)

        def wrong(s: DeskPinScreen) -> None:
            typed(s)
            s.say("pin-wrong")

        def locked(s: DeskPinScreen) -> None:
            names(s)
            s.choose("Anna Bērziņa")
            s.say("operator-locked")

        return [GalleryState("", names), GalleryState("typing", typed),
                GalleryState("wrong-pin", wrong), GalleryState("locked", locked)]
