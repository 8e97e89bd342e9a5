"""The shell around the screens: screen manager, navigation, DEMO banner, inactivity warning and
the end of a visit. Built once per process; the App shows `shell.root`, tests and the gallery
mount it without an App.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from kivy.cache import Cache
from kivy.core.audio import SoundLoader
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import ScreenManager, SlideTransition, TransitionBase

from common.i18n import N_
from common.paths import assets_dir
from screens.base import KioskScreen, discover
from screens.idle import IdleWatcher
from screens.scan import WedgeScanner
from screens.widgets import THEME, TR

log = logging.getLogger(__name__)

HOME = "home"
WARNING_SPEECH = N_("Are you still there? Touch the screen if you need more time.")


class ShellRoot(FloatLayout):
    demo = BooleanProperty(False)
    warning_visible = BooleanProperty(False)
    shell = ObjectProperty(None)
    warning = ObjectProperty(None, allownone=True)

    def on_warning_visible(self, _inst: object, visible: bool) -> None:
        # Added and removed rather than hidden: a hidden (disabled) widget still swallows touches.
        if self.warning is None:
            self.warning = IdleWarning(shell=self.shell)
        if visible and self.warning.parent is None:
            self.add_widget(self.warning)
        elif not visible and self.warning.parent is not None:
            self.remove_widget(self.warning)


class Shell:
    def __init__(self, services: Any, *, transition: TransitionBase | None = None) -> None:
        self.services = services
        self.visit = services.visit
        cfg = services.config
        TR.attach(services.translator)
        self._base_fontscale = Metrics.fontscale
        THEME.high_contrast = self.visit.high_contrast
        self.visit.observe(self._on_visit_change)

        self.root = ShellRoot(shell=self, demo=cfg.demo)
        self.manager: ScreenManager = self.root.ids.manager
        self.manager.transition = transition or SlideTransition(duration=0.25)
        self.screens: dict[str, KioskScreen] = {}
        for name, cls in discover().items():
            screen = cls(self)
            self.screens[name] = screen
            self.manager.add_widget(screen)
        self.manager.current = HOME
        self.history: list[str] = []
        timeouts = cfg.timeouts
        self.idle = IdleWatcher(self, timeouts.inactivity_warning_s, timeouts.inactivity_reset_s)
        self._chime = SoundLoader.load(str(assets_dir() / "sounds" / "chime.wav"))
        # The barcode scanner types into the window: a finished scan goes to the current screen.
        self.scanner = WedgeScanner(self._on_scan)
        self.visits_ended = 0

    # -- navigation ---------------------------------------------------------------------------
    def has_screen(self, name: str) -> bool:
        return name in self.screens

    @property
    def current(self) -> KioskScreen:
        return self.screens[self.manager.current]

    def go(self, name: str) -> None:
        if name not in self.screens:
            raise KeyError(f"no screen {name!r}")
        if name == self.manager.current:
            return
        self.services.speech.stop()
        self.history.append(self.manager.current)
        self.manager.current = name

    def back(self) -> None:
        self.services.speech.stop()
        self.manager.current = self.history.pop() if self.history else HOME

    def home(self) -> None:
        self.services.speech.stop()
        self.history.clear()
        self.manager.current = HOME

    # -- sound and speech ---------------------------------------------------------------------
    def speak(self, text: str) -> None:
        if text:
            self.services.speech.speak(text, self.visit.language)

    def chime(self) -> None:
        if self._chime is not None:
            self._chime.stop()
            self._chime.play()

    # -- inactivity ---------------------------------------------------------------------------
    def show_warning(self) -> None:
        self.root.warning_visible = True
        self.chime()
        self.speak(self.services.translator._(WARNING_SPEECH))

    def hide_warning(self) -> None:
        self.root.warning_visible = False

    def more_time(self) -> None:
        """The resident tapped "I need more time": keep the visit, start counting again."""
        self.hide_warning()
        self.idle.activity()

    def recover(self) -> None:
        """After an error in a UI callback: reset every screen and show Home; the visit's
        language and text size stay (the resident did nothing wrong)."""
        self.hide_warning()
        for screen in self.screens.values():
            try:
                screen.reset()
            except Exception:
                log.exception("reset of screen %s failed", screen.name)
        self.home()

    def end_visit(self) -> None:
        """Wipe everything of this visit: Home, default language, normal text and contrast."""
        self.idle.disarm()
        self.hide_warning()
        self.services.speech.stop()
        self.visit.wipe()
        for screen in self.screens.values():
            try:
                screen.reset()
            except Exception:
                log.exception("reset of screen %s failed", screen.name)
        self.home()
        # TextInput keeps a texture per distinct line for 60 s; over weeks of visits that is memory
        # the kiosk never gets back (docs/architecture.md, "Screens"): drop them now.
        for category in ("textinput.label", "textinput.width"):
            Cache.remove(category)
        gc.collect()
        self.visits_ended += 1

    def _on_visit_change(self, what: str) -> None:
        if what in ("large_text", "wiped"):
            scale = self.services.config.accessibility.large_text_scale if self.visit.large_text else 1.0
            Metrics.fontscale = self._base_fontscale * scale
        if what in ("high_contrast", "wiped"):
            THEME.high_contrast = self.visit.high_contrast
        if what == "busy":
            self.idle.busy_changed(self.visit.busy)

    def _on_scan(self, text: str) -> None:
        handler = getattr(self.current, "on_scan", None)
        if handler is not None and not self.root.warning_visible:
            handler(text)

    def start(self) -> None:
        """Begin watching for input (the App calls this once the window exists)."""
        self.idle.start()
        self.scanner.start()

    def stop(self) -> None:
        self.idle.stop()
        self.scanner.stop()
        self.services.speech.stop()


class IdleWarning(FloatLayout):
    """The visible half of the inactivity warning (the chime and speech are the audible half)."""

    shell = ObjectProperty(None)


def _load_kv() -> None:
    from pathlib import Path

    from kivy.lang import Builder

    path = str(Path(__file__).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


_load_kv()
