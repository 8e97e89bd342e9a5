"""The screen base and the screen registry.

A screen is a `KioskScreen` subclass in a module of the `screens` package, decorated with
`@register_screen`. The shell imports every module of the package (`discover()`), builds each
registered screen ONCE and calls `reset()` on all of them at the end of every visit; a screen is
never rebuilt (rebuilding leaks memory over weeks; docs/architecture.md, "Screens"). A `<module>.kv` file beside the
module is loaded once, automatically, and holds layout only.

    @register_screen
    class FindScreen(KioskScreen):
        screen_name = "find"
        speech_text = N_("Type the notice number and the check value from your invoice.")

        def reset(self) -> None:
            self.ids.number.text = ""

        @classmethod
        def gallery_states(cls) -> list[GalleryState]:
            return [GalleryState(""), GalleryState("error", lambda s: s.show_error("..."))]
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from common.i18n import LANGUAGES
from screens.widgets import TR, KButton

# Endonyms, deliberately untranslated: a resident must find their language whatever is shown.
LANGUAGE_NAMES = {"lv": "Latviešu", "en": "English", "ru": "Русский"}


class ScreenHost(Protocol):
    """What the base needs of the shell around a screen (`screens.shell.Shell`). A protocol, not an
    import: the shell imports this module to build the screens (docs/architecture.md, "Layers")."""

    services: Any
    history: list[str]

    def speak(self, text: str) -> None: ...

    def stop_speaking(self) -> None: ...

    def home(self) -> bool: ...

    def go(self, name: str) -> None: ...

    def back(self) -> None: ...


@dataclass(frozen=True)
class GalleryState:
    """One picture of a screen in `kiosk gallery`: a name ("" = as after reset) and a function
    that puts demo data on the freshly reset screen."""

    name: str = ""
    prepare: Callable[[KioskScreen], None] | None = None


class KioskScreen(Screen):
    """Base of every screen: built once, `reset()` per visit, plain-language `speech_text`."""

    screen_name: ClassVar[str] = ""
    # An English msgid (mark it with N_); read aloud on request and with warnings.
    speech_text: ClassVar[str] = ""
    # Order in the gallery and in the manager (home first).
    order: ClassVar[int] = 100
    # The previous step of the path Back returns to ("" = the screen shown before this one): a
    # step, not the history, so Back after "Try again" leads to the list, never to the failure
    # (docs/architecture.md, "Screens").
    back_to: ClassVar[str] = ""
    # Whether Back / "Start over" / "Ask the librarian" / the languages make sense here (the nav
    # bar in base.kv reads these).
    show_back = BooleanProperty(True)
    show_start_over = BooleanProperty(True)
    show_librarian = BooleanProperty(True)
    show_languages = BooleanProperty(True)
    # True while this screen's text is read aloud (set by `Shell.speak`): "Read aloud" becomes
    # "Stop reading" so the resident sees that it is speaking.
    speaking = BooleanProperty(False)
    shell = ObjectProperty(None, rebind=True)

    def __init__(self, shell: ScreenHost, **kw: Any) -> None:
        super().__init__(name=self.screen_name, **kw)
        self.shell = shell

    @property
    def services(self) -> Any:
        """The core services (`kiosk.services.Services`): config, translator, clock, speech,
        visit, and the ports later issues add."""
        return self.shell.services

    # -- hooks --------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything of the last visit (texts typed, selections, errors). Override."""

    def speech(self) -> str:
        """The translated plain-language text for this screen (override for dynamic text)."""
        return self.services.translator._(self.speech_text) if self.speech_text else ""

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        return [GalleryState("")]

    # -- actions screens and kv call ----------------------------------------------------------
    def speak(self) -> None:
        """Read aloud, or stop reading when it already does (the same button)."""
        if self.speaking:
            self.shell.stop_speaking()
        else:
            self.shell.speak(self.speech())

    def go(self, name: str) -> None:
        self.shell.go(name)

    def go_back(self) -> None:
        if self.back_to:
            self.shell.history.clear()
            self.shell.go(self.back_to)
        else:
            self.shell.back()

    def start_over(self) -> None:
        """Forget this visit's work (cart, typed digits, answers) and show Home; the resident's
        language, text size and contrast stay: the same person starts again (`Shell.home`, the
        visit boundary)."""
        self.shell.home()

    def set_language(self, lang: str) -> None:
        self.services.visit.set_language(lang)

    def ask_librarian(self) -> None:
        self.shell.go("librarian")


class NavBar(BoxLayout):
    """Back / Start over / Read aloud / Ask the librarian / the languages; a screen's kv adds
    `NavBar: screen: root`."""

    # rebind: the kv expressions `root.screen.show_back` must follow the screen once it is set.
    screen = ObjectProperty(None, allownone=True, rebind=True)


class LanguageBar(BoxLayout):
    """The other configured languages, each in its own name, on every screen (a resident
    who picked the wrong language on Home must not have to start again). The language shown is
    not offered: the screen's own text says which it is. Built once, when its screen is set."""

    screen = ObjectProperty(None, allownone=True, rebind=True)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.toggles: dict[str, NavLanguageToggle] = {}
        TR.bind(lang=lambda *_a: self._mark())

    def on_screen(self, _inst: object, screen: KioskScreen | None) -> None:
        if screen is None or self.toggles:
            return
        if screen.shell is None:  # kv rules run before KioskScreen.__init__ sets the shell
            screen.fbind("shell", lambda *_a: self.on_screen(self, screen))
            return
        configured = screen.services.config.kiosk.languages
        for lang in LANGUAGES:
            if lang in configured:
                btn = NavLanguageToggle(lang=lang, label=LANGUAGE_NAMES[lang])
                btn.bind(on_release=lambda b: self.screen.set_language(b.lang))
                self.toggles[lang] = btn
        self._mark()

    def _mark(self) -> None:
        """Show every configured language but the current one, in the configured order."""
        shown = [b for lang, b in self.toggles.items() if lang != TR.lang]
        if list(reversed(self.children)) != shown:
            self.clear_widgets()
            for btn in shown:
                self.add_widget(btn)


class NavLanguageToggle(KButton):
    lang = StringProperty("")


_T = TypeVar("_T", bound=type[KioskScreen])
_REGISTRY: dict[str, type[KioskScreen]] = {}


def register_screen(cls: _T) -> _T:
    if not cls.screen_name:
        raise ValueError(f"{cls.__name__} has no screen_name")
    other = _REGISTRY.get(cls.screen_name)
    if other is not None and other is not cls:
        raise ValueError(f"screen {cls.screen_name!r} registered twice ({other.__name__}, {cls.__name__})")
    _load_kv_beside(cls)
    _REGISTRY[cls.screen_name] = cls
    return cls


def _load_kv_beside(cls: type) -> None:
    module = importlib.import_module(cls.__module__)
    kv = Path(module.__file__ or "").with_suffix(".kv")
    if kv.exists() and str(kv) not in Builder.files:
        Builder.load_file(str(kv))


def discover() -> dict[str, type[KioskScreen]]:
    """Import every module of the screens package so their @register_screen runs; the registry
    ordered by `order`, then name."""
    import screens

    for info in pkgutil.iter_modules(screens.__path__):
        importlib.import_module(f"screens.{info.name}")
    return registered()


def registered() -> dict[str, type[KioskScreen]]:
    return dict(sorted(_REGISTRY.items(), key=lambda kv: (kv[1].order, kv[0])))


_BASE_KV = str(Path(__file__).with_suffix(".kv"))
if _BASE_KV not in Builder.files:
    Builder.load_file(_BASE_KV)
