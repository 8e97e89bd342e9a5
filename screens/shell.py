"""The shell around the screens: screen manager, navigation, DEMO banner, inactivity warning and
the end of a visit. Built once per process; the App shows `shell.root`, tests and the gallery
mount it without an App.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from kivy.cache import Cache
from kivy.clock import Clock
from kivy.core.audio import SoundLoader
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import ScreenManager, SlideTransition, TransitionBase

from common.i18n import N_
from common.paths import assets_dir
from screens.base import KioskScreen, discover
from screens.idle import IdleWatcher
from screens.scan import WedgeScanner
from screens.screen_set import ScreenSet
from screens.theme import collector_paused, panel_text_scale
from screens.widgets import THEME, TR

log = logging.getLogger(__name__)

HOME = "home"
# A full collection takes hundreds of milliseconds on a kiosk's heap: run once the next visitor's
# Home has been drawn, not between the tap and that frame (docs/architecture.md, "Screens").
COLLECT_DELAY_S = 1.5
COLLECT_AFTER_VISITS = 20  # visits ending back to back (a soak, a stress test) still get collected
# Home's first frames come first; the other screens are built after them, one per frame.
BUILD_AFTER_S = 0.3
WARNING_SPEECH = N_("Are you still there? Touch the screen if you need more time.")


class ShellRoot(FloatLayout):
    demo = BooleanProperty(False)
    warning_visible = BooleanProperty(False)
    warning_seconds = NumericProperty(0)  # the inactivity warning's countdown (screens.idle)
    shell = ObjectProperty(None)
    warning = ObjectProperty(None, allownone=True)

    def on_warning_visible(self, _inst: object, visible: bool) -> None:
        # Added and removed rather than hidden: a hidden (disabled) widget still swallows touches.
        if self.warning is None:
            self.warning = IdleWarning(shell=self.shell, host=self)
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
        # Text sized from the panel's physical size (screens.theme.panel_text_scale); the
        # system's own scale is kept once, so a second shell in one process does not compound.
        display = cfg.display
        self._base_fontscale = _system_fontscale() * panel_text_scale(
            display.width_px, display.height_px, display.panel_width_mm)
        Metrics.fontscale = self._base_fontscale
        THEME.high_contrast = self.visit.high_contrast
        self.visit.observe(self._on_visit_change)

        self.root = ShellRoot(shell=self, demo=cfg.demo)
        self.manager: ScreenManager = self.root.ids.manager
        self.manager.transition = transition or SlideTransition(duration=0.25)
        self.screens = ScreenSet(discover(), lambda cls: cls(self), self.manager.add_widget)
        self.manager.current = self.screens[HOME].name
        self.history: list[str] = []
        timeouts = cfg.timeouts
        self.idle = IdleWatcher(self, timeouts.inactivity_warning_s, timeouts.inactivity_reset_s)
        self._chime = SoundLoader.load(str(assets_dir() / "sounds" / "chime.wav"))
        self._utterance = 0  # which reading aloud is the latest (Shell.speak)
        # The barcode scanner types into the window: a finished scan goes to the current screen.
        self.scanner = WedgeScanner(self._on_scan)
        self.visits_ended = 0
        self._uncollected = 0
        self._collect_soon = Clock.create_trigger(lambda _dt: self._collect(), COLLECT_DELAY_S)

    # -- navigation ---------------------------------------------------------------------------
    def has_screen(self, name: str) -> bool:
        return name in self.screens

    @property
    def current(self) -> KioskScreen:
        return self.screens[self.manager.current]

    def go(self, name: str) -> None:
        if name not in self.screens:
            raise KeyError(f"no screen {name!r}")
        self.screens[name]  # built on first use
        if name == self.manager.current:
            return
        if name == HOME:
            self.home()
            return
        self.services.speech.stop()
        self.history.append(self.manager.current)
        self.manager.current = name

    def back(self) -> None:
        if not self.history or self.history[-1] == HOME:
            self.home()
            return
        self.services.speech.stop()
        self.manager.current = self.history.pop()

    def home(self) -> bool:
        """Home by Back, "Start over" or any other way: the visit ends there (the visit boundary,
        docs/architecture.md "Screens"); the person keeps the language, text size and contrast
        they chose. False (and nothing changes) while a payment is in flight."""
        if not self._end_visit(keep_settings=True):
            return False
        self._count_down_unless_default()
        return True

    def choose_language(self, lang: str) -> None:
        """A language chosen on Home ends the visit and starts the next one in that language."""
        if lang != self.visit.language and self._end_visit(keep_settings=True):
            self.visit.set_language(lang)
            self._count_down_unless_default()

    # -- sound and speech ---------------------------------------------------------------------
    def speak(self, text: str) -> None:
        """Read `text` aloud; the current screen's `speaking` is true until it ends, so its
        "Read aloud" shows that it is reading and can stop it."""
        if not text:
            return
        screen = self.current
        self._utterance += 1
        mine = self._utterance

        def done() -> None:
            if self._utterance == mine:  # not an utterance this one replaced
                screen.speaking = False

        screen.speaking = True
        self.services.speech.speak(text, self.visit.language, done)

    def stop_speaking(self) -> None:
        self.services.speech.stop()

    def chime(self) -> bool:
        """Play the chime; False when there is none to play (the file failed to load), so no
        screen claims a sound called the librarian."""
        if self._chime is None:
            return False
        self._chime.stop()
        self._chime.play()
        return True

    # -- inactivity ---------------------------------------------------------------------------
    def countdown(self, seconds: int) -> None:
        self.root.warning_seconds = seconds

    def show_warning(self) -> None:
        if not self.idle.warning_shown:  # shown without the watcher (the gallery): full time
            self.root.warning_seconds = int(self.idle.reset_s)
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
        """After an error in a UI callback: Home, a new visit; the language and text size stay
        (the resident did nothing wrong). While a payment is in flight, its screen instead."""
        self.hide_warning()
        if not self.home() and "pay" in self.screens:
            self.manager.current = self.screens["pay"].name

    def end_visit(self) -> None:
        """Done and the idle reset: the visit ends and the next person gets the defaults."""
        if self._end_visit(keep_settings=False):
            self._count_down_unless_default()

    def _end_visit(self, *, keep_settings: bool) -> bool:
        """End the visit (docs/architecture.md, "Screens": the visit boundary): its cart, typed
        digits, answers and receipt preview go, every screen is reset, Home shows.
        `keep_settings=False` also restores the default language, text size and contrast.
        Refused while a payment is in flight: the money work and the screen waiting for its
        answer are never touched. Returns whether the visit ended."""
        backend = self.services.backend
        if not self.visit.end(keep_settings=keep_settings,
                              money_in_flight=backend is not None and backend.payments.busy):
            log.warning("a payment is in flight: the visit goes on")
            return False
        self.hide_warning()
        self.services.speech.stop()
        for screen in self.screens.built():
            try:
                screen.reset()
            except Exception:
                log.exception("reset of screen %s failed", screen.name)
        self.history.clear()
        self.manager.current = HOME
        if backend is not None:
            backend.visit_ended()  # the receipt previews on screen were this visit's only
        # TextInput keeps a texture per distinct line for 60 s; over weeks of visits that is memory
        # the kiosk never gets back (docs/architecture.md, "Screens"): drop them now.
        for category in ("textinput.label", "textinput.width"):
            Cache.remove(category)
        if not keep_settings:  # the resident has left: a full collection disturbs nobody soon
            self._uncollected += 1
            self._collect_soon.cancel()  # one collection, once visits stop ending for a while
            if self._uncollected >= COLLECT_AFTER_VISITS:  # they never stop: collect now
                self._collect()
            else:
                self._collect_soon()
        self.visits_ended += 1
        return True

    def _collect(self) -> None:
        self._uncollected = 0
        gc.collect()

    def _count_down_unless_default(self) -> None:
        """An untouched Home waits silently; one still in someone's chosen settings counts down
        as any visit does, so the next person gets the defaults back (screens.idle)."""
        if self.visit.default_settings:
            self.idle.disarm()
        elif not self.idle.armed:  # usually the tap that ended the visit has armed it already
            self.idle.activity()

    def _on_visit_change(self, what: str) -> None:
        if what in ("large_text", "wiped"):
            scale = self.services.config.accessibility.large_text_scale if self.visit.large_text else 1.0
            with collector_paused():  # every sp size re-evaluates: see screens.theme
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
        """Begin watching for input (the App calls this once the window exists), and build the
        screens not built yet, one per frame, once Home is on screen (screens.screen_set)."""
        self.idle.start()
        self.scanner.start()
        self._build_event = Clock.schedule_once(self._build_rest, BUILD_AFTER_S)

    def _build_rest(self, _dt: float) -> None:
        self._build_event = Clock.schedule_interval(lambda _dt: self.screens.build_next(), 0)

    def stop(self) -> None:
        if getattr(self, "_build_event", None) is not None:
            self._build_event.cancel()
        self.idle.stop()
        self.scanner.stop()
        self.services.speech.stop()


_SYSTEM_FONTSCALE: list[float] = []


def _system_fontscale() -> float:
    if not _SYSTEM_FONTSCALE:
        _SYSTEM_FONTSCALE.append(float(Metrics.fontscale))
    return _SYSTEM_FONTSCALE[0]


class IdleWarning(FloatLayout):
    """The visible half of the inactivity warning (the chime and speech are the audible half)."""

    shell = ObjectProperty(None)
    host = ObjectProperty(None, rebind=True)  # the ShellRoot, whose warning_seconds it shows


def _load_kv() -> None:
    from pathlib import Path

    from kivy.lang import Builder

    path = str(Path(__file__).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


_load_kv()
