"""A big numeric keypad (own widget: Kivy's VKeyboard pops up, has small keys and no locking).

Its kv rules sit beside it (keypad.kv) with the digit display it types into (`DigitField`) and the
display's caption (`FieldLabel`): Find and four desk screens use them."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty
from kivy.uix.gridlayout import GridLayout

from screens.widgets import KButton, load_kv_beside

ERASE = "erase"
CLEAR = "clear"


class KeypadKey(KButton):
    value = StringProperty("")


class KeypadGrid(GridLayout):
    """Digits 1-9, then Clear, 0, Erase. Dispatches `on_key(value)`: a digit, ERASE or CLEAR.
    Its two kinds differ in size only: `Keypad` as tall as its keys, `FillKeypad` (Find) shares
    the height it is given among its rows (keypad.kv)."""

    __events__ = ("on_key",)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.keys: dict[str, KeypadKey] = {}
        for value in ("1", "2", "3", "4", "5", "6", "7", "8", "9", CLEAR, "0", ERASE):
            key = KeypadKey(value=value)
            key.bind(on_release=lambda k: self.dispatch("on_key", k.value))
            self.keys[value] = key
            self.add_widget(key)

    def on_key(self, value: str) -> None:
        pass


class Keypad(KeypadGrid):
    """As tall as its keys (the desk's screens)."""


class FillKeypad(KeypadGrid):
    """Rows share the given height: bigger keys on a bigger panel (Find)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        for key in self.keys.values():
            key.size_hint_y = 1  # the grid's forced row height, not the key's own


load_kv_beside(__file__)
