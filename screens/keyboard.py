"""On-screen keyboards drawn by the kiosk itself (Kivy's VKeyboard has no Latvian or Russian
layout): a letter keyboard with a Latvian and a Russian (ЙЦУКЕН) layout plus a
digits/symbols page, and a numeric keypad. Both only emit events; the screen owns the text.

    kb = LetterKeyboard(layout="lv")
    kb.bind(on_key=lambda kb, ch: ..., on_backspace=lambda kb: ...)

Latvian letters have their own row (no long-press: elderly residents cannot discover it);
capitals come from a one-shot Shift, the way phone keyboards work.
"""

from __future__ import annotations

from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

import screens.widgets  # noqa: F401  (kv globals `tr`/`theme`)
from common.i18n import N_

SHIFT, BACK, SPACE, LANG, SYMBOLS, LETTERS = "{shift}", "{back}", "{space}", "{lang}", "{sym}", "{abc}"

# Rows of keys; a row is a space-separated string, tokens in braces are function keys.
LAYOUTS: dict[str, list[str]] = {
    "lv": [
        "ā č ē ģ ī ķ ļ ņ š ū ž",
        "q w e r t y u i o p",
        "a s d f g h j k l",
        "{shift} z x c v b n m",
    ],
    "ru": [
        "й ц у к е н г ш щ з х ъ",
        "ф ы в а п р о л д ж э",
        "я ч с м и т ь б ю ё",
        "{shift} 1 2 3 4 5 6 7 8 9 0",
    ],
    "symbols": [
        "1 2 3 4 5 6 7 8 9 0",
        "- / : ; ( ) € & @ \"",
        ". , ? ! ' + # % _ *",
        "№ = < > [ ] § $ ~ |",
    ],
}
BOTTOM_ROW = {"letters": "{sym} {lang} , {space} . - @ {back}",
              "symbols": "{abc} {lang} , {space} . - @ {back}"}
# Relative key widths (a letter is 1).
WIDTHS = {SHIFT: 1.6, BACK: 1.8, SPACE: 4.0, LANG: 1.5, SYMBOLS: 1.5, LETTERS: 1.5}
SYMBOL_GLYPHS = {SHIFT: "\u21E7", BACK: "\u232B"}
# The switch key names the layout it switches TO, in that layout's own script.
SWITCH_LABELS = {"lv": "РУС", "ru": "LAT"}
SPACE_LABEL = N_("space")

NUMPAD_ROWS = ["1 2 3", "4 5 6", "7 8 9", "{extra} 0 {back}"]


def layout_for_language(lang: str) -> str:
    """The visit's language picks the first layout: Russian visits start on Cyrillic."""
    return "ru" if lang == "ru" else "lv"


class KeyButton(ButtonBehavior, Label):
    """One key: `key` is what it types (or a function token), `label` what it shows."""

    key = StringProperty("")
    label = StringProperty("")
    symbol = BooleanProperty(False)  # draw `label` with the symbol font (arrows, backspace)
    role = OptionProperty("secondary", options=["primary", "secondary", "selected", "warning"])
    weight = NumericProperty(1.0)


class KeyRow(BoxLayout):
    pass


class LetterKeyboard(BoxLayout):
    """Letters (Latvian or Russian), digits and symbols; Shift is one-shot."""

    layout = OptionProperty("lv", options=["lv", "ru"])
    page = OptionProperty("letters", options=["letters", "symbols"])
    shift = BooleanProperty(False)

    __events__ = ("on_key", "on_backspace")

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.keys: dict[str, KeyButton] = {}
        self._pages: dict[str, tuple[list[KeyRow], dict[str, KeyButton]]] = {}
        self._build()
        self.bind(layout=self._rebuild, page=self._rebuild, shift=self._relabel)
        from screens.widgets import TR

        TR.bind(_=self._relabel)  # the space bar's word follows the visit's language

    # -- events (defaults) ------------------------------------------------------------------
    def on_key(self, text: str) -> None:
        pass

    def on_backspace(self) -> None:
        pass

    # -- building ----------------------------------------------------------------------------
    def _rebuild(self, *_args: Any) -> None:
        self._build()

    def _build(self) -> None:
        # Each page is built once and reused: widgets rebuilt per switch leak memory over weeks
        # (docs/architecture.md, "Screens").
        name = "symbols" if self.page == "symbols" else self.layout
        if name not in self._pages:
            self._pages[name] = self._make_page(name)
        rows, keys = self._pages[name]
        self.clear_widgets()
        for row in rows:
            self.add_widget(row)
        self.keys = keys
        self._relabel()

    def _make_page(self, name: str) -> tuple[list[KeyRow], dict[str, KeyButton]]:
        keys: dict[str, KeyButton] = {}
        built: list[KeyRow] = []
        rows = LAYOUTS[name] + [BOTTOM_ROW["symbols" if name == "symbols" else "letters"]]
        widest = max(sum(WIDTHS.get(t, 1.0) for t in row.split(" ")) for row in rows)
        for row in rows:
            tokens = row.split(" ")
            # Shorter rows are centred, so every letter key has the same width.
            margin = (widest - sum(WIDTHS.get(t, 1.0) for t in tokens)) / 2
            box = KeyRow()
            if margin:
                box.add_widget(Widget(size_hint_x=margin))
            for token in tokens:
                btn = KeyButton(key=token, weight=WIDTHS.get(token, 1.0))
                btn.bind(on_release=self._pressed)
                box.add_widget(btn)
                keys[token] = btn
            if margin:
                box.add_widget(Widget(size_hint_x=margin))
            built.append(box)
        return built, keys

    def _relabel(self, *_args: Any) -> None:
        from screens.widgets import TR

        for token, btn in self.keys.items():
            btn.symbol = token in SYMBOL_GLYPHS
            if token in SYMBOL_GLYPHS:
                btn.label = SYMBOL_GLYPHS[token]
            elif token == SPACE:
                btn.label = TR._(SPACE_LABEL)
            elif token == LANG:
                btn.label = SWITCH_LABELS[self.layout]
            elif token == SYMBOLS:
                btn.label = "123?"
            elif token == LETTERS:
                btn.label = "ABC" if self.layout == "lv" else "АБВ"
            else:
                btn.label = token.upper() if self.shift else token
            btn.role = ("selected" if token == SHIFT and self.shift
                        else "primary" if token in (BACK,) else "secondary")

    # -- typing ------------------------------------------------------------------------------
    def key_for(self, char: str) -> KeyButton | None:
        """The key that types `char` on the current page (a capital: its lower-case key)."""
        return self.keys.get(char) or self.keys.get(char.lower())

    def _pressed(self, btn: KeyButton) -> None:
        self.press(btn.key)

    def press(self, token: str) -> None:
        if token == SHIFT:
            self.shift = not self.shift
        elif token == BACK:
            self.dispatch("on_backspace")
        elif token == SPACE:
            self.dispatch("on_key", " ")
        elif token == LANG:
            self.layout = "ru" if self.layout == "lv" else "lv"
            self.page = "letters"
        elif token == SYMBOLS:
            self.page = "symbols"
        elif token == LETTERS:
            self.page = "letters"
        else:
            text = token.upper() if self.shift else token
            if self.shift:
                self.shift = False
            self.dispatch("on_key", text)

    def reset(self, lang: str) -> None:
        self.shift = False
        self.page = "letters"
        self.layout = layout_for_language(lang)


class NumPad(GridLayout):
    """Digits in the telephone order of a card terminal's keypad (1 2 3 on top), backspace, and
    one extra key the field needs: `,` for amounts, `-` for a personal code, `+` for a phone."""

    extra = StringProperty("")

    __events__ = ("on_key", "on_backspace")

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.keys: dict[str, KeyButton] = {}
        for row in NUMPAD_ROWS:
            for token in row.split(" "):
                btn = KeyButton(key=token)
                if token == BACK:
                    btn.label, btn.symbol, btn.role = SYMBOL_GLYPHS[BACK], True, "primary"
                elif token != "{extra}":
                    btn.label = token
                btn.bind(on_release=self._pressed)
                self.add_widget(btn)
                self.keys[token] = btn
        self.bind(extra=self._set_extra)
        self._set_extra()

    def on_key(self, text: str) -> None:
        pass

    def on_backspace(self) -> None:
        pass

    def _set_extra(self, *_args: Any) -> None:
        btn = self.keys["{extra}"]
        btn.label = self.extra
        btn.disabled = not self.extra
        btn.opacity = 1 if self.extra else 0

    def key_for(self, char: str) -> KeyButton | None:
        if char == self.extra and char:
            return self.keys["{extra}"]
        return self.keys.get(char)

    def _pressed(self, btn: KeyButton) -> None:
        if btn.key == BACK:
            self.dispatch("on_backspace")
        elif btn.key == "{extra}":
            if self.extra:
                self.dispatch("on_key", self.extra)
        else:
            self.dispatch("on_key", btn.key)


Builder.load_string("""
#:import escape kivy.utils.escape_markup

<KeyButton>:
    markup: True
    text: ("[font=KioskSymbols]" + self.label + "[/font]") if self.symbol else escape(self.label)
    color: theme.palette["ink_" + self.role]
    disabled_color: list(self.color[:3]) + [0.5]
    font_size: theme.font_body
    bold: True
    halign: "center"
    valign: "middle"
    size_hint_x: self.weight
    canvas.before:
        Color:
            rgba: theme.palette["selected" if self.state == "down" else self.role]
        RoundedRectangle:
            pos: self.x + dp(3), self.y + dp(3)
            size: self.width - dp(6), self.height - dp(6)
            radius: [theme.radius / 2]
        Color:
            rgba: theme.outline
        Line:
            rounded_rectangle:
                (self.x + dp(3), self.y + dp(3), self.width - dp(6), self.height - dp(6),
                theme.radius / 2)
            width: theme.outline_width / 2

<KeyRow>:
    spacing: 0

<LetterKeyboard>:
    orientation: "vertical"

<NumPad>:
    cols: 3
""")
