"""The desk's PIN pad: the librarian picks their name from the location's list and types the PIN.

Reached by the hidden gesture on Home or on "Ask the librarian" (screens.desk_gesture); Cancel
goes back there. The PIN shows as dots and is forgotten after every try (kiosk.desk.session).
The guard also shows it to the signed-in librarian when the PIN is no longer fresh (`reauth`):
only their name, "Continue" goes on with what they asked for, Cancel goes back without it.
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
    reauth = BooleanProperty(False)  # the signed-in librarian confirms the PIN (desk_common)

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.buttons: dict[str, OperatorToggle] = {}

    def reset(self) -> None:
        self.busy = False
        self.reauth = False
        self.say("")
        self.dots = self.operator = ""
        if self.shell.services.backend is not None:
            self.desk.session.pin.reset()

    def confirm(self) -> None:
        """Shown by the guard to the signed-in librarian: their name only, the PIN again."""
        self.reauth = True
        self.desk.session.pin.reset()
        self.say("pin-stale")

    def refresh(self) -> None:
        if self.reauth and self.desk.session.signed_in:
            self.show_operators([self.desk.operator])
            self.say("pin-stale")
            return
        self.reauth = False
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
        if self.reauth:
            run(self.desk.session.reconfirm(), self._confirmed)
        else:
            run(self.desk.sign_in(), self._signed_in)

    def _signed_in(self, code: str) -> None:
        self.busy = False
        self._sync()
        if code == "signed-in":
            self.say("")
            self.shell.go("desk_home")
        else:
            self.say(code)

    def _confirmed(self, code: str) -> None:
        self.busy = False
        self._sync()
        if code != "pin-confirmed":
            self.say(code)
            return
        self.say("")
        self.reauth = False
        self.shell.back()
        self.guard.resume()

    def cancel(self) -> None:
        """Back where the gesture was made (Home, or the resident's "Ask the librarian"), or,
        confirming the PIN, back to the screen whose action waited for it (not done)."""
        self.desk.session.pin.reset()
        self.say("")
        if self.reauth:
            self.reauth = False
            self.guard.forget_pending()
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

        def again(s: DeskPinScreen) -> None:
            from screens.desk_gallery import signed_in

            signed_in(s)
            s.reauth = True
            s.show_operators([s.desk.operator])
            s.say("pin-stale")

        return [GalleryState("", names), GalleryState("typing", typed),
                GalleryState("wrong-pin", wrong), GalleryState("locked", locked),
                GalleryState("pin-again", again)]
