"""Shared widgets and the two kv globals every screen's .kv uses: `tr` and `theme`.

`tr._("Pay invoices")` in kv is bound to the `_` property of the process-wide KvTranslator: when
the visit's language changes, `_` is replaced by a new callable and Kivy re-evaluates every bound
expression, so all visible text switches live. Screens are built once, so the number of bindings
is fixed (no per-visit observers; see the soak test). The KvTranslator itself observes the core
`common.i18n.Translator`, which holds it weakly.

The shared widgets take their colours from their own `palette`, which follows the theme through a
weak binding (Kivy holds a bound method weakly and calls it through a strong reference): rows a
screen builds and removes are never kv-bound to the global theme's colours, so a removed row can
neither be kept alive by the theme nor die in the middle of a theme change
(docs/architecture.md, "Screens").
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from kivy.event import EventDispatcher
from kivy.lang import Builder, global_idmap
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from common.i18n import DEFAULT_LANGUAGE, Translator, gettext
from screens.fonts import register_fonts
from screens.theme import Theme, collector_paused


def _translate(lang: str, msgid: str, /, **params: Any) -> str:
    return gettext(msgid, lang, **params)


class KvTranslator(EventDispatcher):
    """Kivy-side mirror of the core Translator: `lang` and `_` are properties kv can bind."""

    lang = StringProperty(DEFAULT_LANGUAGE)
    _ = ObjectProperty(partial(_translate, DEFAULT_LANGUAGE))

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._hook: _Hook | None = None

    def attach(self, translator: Translator) -> None:
        """Follow this core translator (replacing any earlier one, which then forgets us)."""
        self._hook = _Hook(self)
        translator.observe(self._hook.on_switch)
        self.set_lang(translator.lang)

    def set_lang(self, lang: str) -> None:
        # `_` first: whoever observes `lang` must already get texts in the new language.
        with collector_paused():  # see screens.theme.collector_paused
            self._ = partial(_translate, lang)
            self.lang = lang


class _Hook:
    """The weakly held observer: replacing it detaches the KvTranslator from an old Translator."""

    def __init__(self, owner: KvTranslator) -> None:
        self.owner = owner

    def on_switch(self, lang: str) -> None:
        self.owner.set_lang(lang)


register_fonts()
TR = KvTranslator()
THEME = Theme()
# kv globals, like `app`: every .kv may say `tr._("...")` and `theme.bg` without an import.
global_idmap["tr"] = TR
global_idmap["theme"] = THEME


class _FollowsTheme:
    """The theme's palette as the widget's own `palette` property (see the module docstring)."""

    def _follow_theme(self) -> None:
        THEME.bind(palette=self._on_theme_palette)  # a bound method: held weakly by Kivy

    def _on_theme_palette(self, _theme: Theme, palette: dict[str, Any]) -> None:
        self.palette = palette


class KLabel(_FollowsTheme, Label):
    """Body text: theme colour, wraps to its width, grows with its text (survives 1.5x text)."""

    role = StringProperty("fg")
    palette = ObjectProperty(None)  # the theme's, kept current by _FollowsTheme
    # The default size as a unit string (re-evaluated when Metrics.fontscale changes), not a kv
    # class-rule binding: with a class rule `font_size: theme.font_body`, a kv instance override
    # (`font_size: theme.font_small`) lost to the class rule after every fontscale change
    # (Kivy calls the earlier binding last), so "larger text" made small labels big.
    font_size = NumericProperty("30sp")  # = Theme.font_body

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("palette", THEME.palette)  # before the kv rules first read it
        super().__init__(**kw)
        self._follow_theme()


class KButton(_FollowsTheme, ButtonBehavior, Label):
    """A big touch target (>= theme.target high) with a coloured background role."""

    role = OptionProperty("primary", options=["primary", "secondary", "selected", "warning"])
    palette = ObjectProperty(None)  # the theme's, kept current by _FollowsTheme
    font_size = NumericProperty("36sp")  # = Theme.font_choice (see KLabel.font_size)
    label = StringProperty("")  # the (translated) text; `text` adds the symbol as markup
    symbol = StringProperty("")  # a DejaVuSans glyph shown before the text (Roboto lacks arrows)

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("palette", THEME.palette)
        super().__init__(**kw)
        self._follow_theme()


class KToggle(KButton):
    """A button that shows whether it is on (selected colours + a check mark, or a radio mark
    when it is one of several that exclude each other: `single`)."""

    active = BooleanProperty(False)
    single = BooleanProperty(False)


def load_kv_beside(module_file: str) -> None:
    """Load the .kv file beside a widget's module once (kv rules must not be loaded twice): each
    shared widget's rules sit beside it, loaded when its module is imported."""
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


def load_kv() -> None:
    """Load widgets.kv once."""
    load_kv_beside(__file__)


load_kv()
