"""What the librarian's desk screens share: their base, the desk bar, and the guard that locks.

The guard (one per shell, made when the desk is first reached) keeps the desk's promises
(docs/architecture.md, "The librarian's desk"): it locks on "Lock", after `[desk]
inactivity_lock_s` without a touch (counted on Kivy's clock, like the resident's inactivity), and
whenever the resident's Home returns; locking ends the visit, so nothing the librarian saw stays
on screen. While the desk is open the resident's inactivity reset waits (the visit is busy "desk")
and a badge with the librarian's name, "Desk" and "Lock" floats over the resident screens (a
taken-over visit goes on there). Desk screens reached without a session show Home instead.
Not a screen itself (no @register_screen); no rules here: they are `kiosk.desk`'s.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from kivy.clock import Clock, ClockEvent
from kivy.lang import Builder
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.desk.messages import message
from kiosk.desk.service import DeskService, desk_of
from screens.base import KioskScreen
from screens.widgets import TR

log = logging.getLogger(__name__)

DESK_SCREENS = ("desk_pin", "desk_home", "desk_find", "desk_person", "desk_cash",
                "desk_review", "desk_reprint",
                # the counters, the cash shift and the statistics (screens.desk_counters, ...)
                "desk_counters", "desk_shift", "desk_stats")
BUSY = "desk"  # the visit's busy marker while the desk is open
_GUARDS: weakref.WeakKeyDictionary[Any, DeskGuard] = weakref.WeakKeyDictionary()


def desk_text(code: str, params: dict[str, str] | None = None) -> str:
    return message(code, TR.lang, **(params or {})) if code else ""


def run(coro: Coroutine[Any, Any, Any], done: Callable[[Any], None] | None = None) -> None:
    """Run a desk coroutine on the loop (closed unrun when there is none: the gallery), then
    `done(result)` on it; a desk task, so ending the visit never cancels it halfway."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        coro.close()
        return

    async def wrapped() -> None:
        result = await coro
        if done is not None:
            done(result)

    task = loop.create_task(wrapped())
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)


_RUNNING: set[asyncio.Task[Any]] = set()


class DeskGuard:
    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.desk: DeskService = desk_of(shell.services.backend)
        self.lock_after_s = shell.services.config.desk.inactivity_lock_s
        self.badge = DeskBadge(guard=self)
        self._event: ClockEvent | None = None
        self._window: Any = None
        self.desk.session.observe(self._on_session)
        shell.manager.bind(current=self._on_screen)

    @property
    def signed_in(self) -> bool:
        return self.desk.session.signed_in

    def open_pin(self) -> None:
        """The hidden gesture on Home: the PIN pad."""
        self.shell.go("desk_pin")

    # -- locking -----------------------------------------------------------------------------
    def lock(self, reason: str) -> None:
        session = self.desk.session.drop(reason)
        if session is not None:
            run(self.desk.session.close(session, reason))

    def _on_session(self, what: str) -> None:
        from kivy.core.window import Window

        visit = self.shell.services.visit
        if what == "signed-in":
            visit.set_busy(BUSY, True)
            if self._window is None:
                self._window = Window
                Window.bind(on_touch_down=self._on_touch)
            self._arm()
            self._place_badge(self.shell.manager.current)
            return
        # locked: forget the screen's state and the visit (unmasked names, a taken-over cart)
        self._cancel()
        if self._window is not None:
            self._window.unbind(on_touch_down=self._on_touch)
            self._window = None
        self._place_badge("")
        visit.set_busy(BUSY, False)
        if self.shell.manager.current != "home" or visit.data:
            self.shell.end_visit()

    def _on_screen(self, _manager: Any, name: str) -> None:
        if name == "home" and self.signed_in:
            self.lock("the resident's home screen returned")
        self._place_badge(name)

    # -- inactivity --------------------------------------------------------------------------
    def _on_touch(self, *_args: Any) -> bool:
        self._arm()
        return False  # observed, never consumed

    def _arm(self) -> None:
        self._cancel()
        if self.signed_in:
            self._event = Clock.schedule_once(self._expire, self.lock_after_s)

    def _cancel(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _expire(self, _dt: float) -> None:
        self._event = None
        if self.desk.payments.busy:  # a card payment at the desk is waiting for the terminal
            self._arm()
            return
        self.lock("inactivity")

    # -- the badge over the resident screens -------------------------------------------------
    def _place_badge(self, screen: str) -> None:
        root = self.shell.root
        # Desk screens (any DeskScreen) carry their own bar.
        desk_screen = screen in DESK_SCREENS or isinstance(self.shell.screens.get(screen),
                                                           DeskScreen)
        wanted = self.signed_in and screen != "" and not desk_screen
        self.badge.operator = self.desk.operator
        if wanted and self.badge.parent is None:
            root.add_widget(self.badge)
        elif not wanted and self.badge.parent is not None:
            root.remove_widget(self.badge)


def desk_guard(shell: Any) -> DeskGuard:
    """The shell's guard, made on first use (the Home gesture or a desk screen)."""
    guard = _GUARDS.get(shell)
    if guard is None:
        guard = _GUARDS[shell] = DeskGuard(shell)
    return guard


class DeskBadge(BoxLayout):
    """Floats over resident screens while the desk is open: who, back to the desk, lock."""

    guard = ObjectProperty(None)
    operator = StringProperty("")


class DeskBar(BoxLayout):
    """The bottom row of every desk screen: back to the desk's home, and Lock."""

    screen = ObjectProperty(None, allownone=True, rebind=True)


class DeskScreen(KioskScreen):
    """Base of the desk screens: only with a session (else Home), the desk, the message line."""

    needs_session = True
    notice = StringProperty("")  # the translated message line (code kept for language switches)

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.show_back = False
        self.show_librarian = False
        self._code = ""
        self._params: dict[str, str] = {}
        TR.bind(lang=lambda *_a: self._retranslate())

    @property
    def guard(self) -> DeskGuard:
        return desk_guard(self.shell)

    @property
    def desk(self) -> DeskService:
        return self.guard.desk

    def on_pre_enter(self, *_args: Any) -> None:
        if self.needs_session and not self.desk.session.signed_in:
            Clock.schedule_once(self._leave_if_locked, 0)
            return
        self.refresh()

    def _leave_if_locked(self, _dt: float) -> None:
        # Checked when it fires: a screen reached without a session (history, a stray `go`)
        # shows Home; one whose session was opened meanwhile (the gallery) stays.
        if not self.desk.session.signed_in and self.shell.manager.current == self.name:
            self.shell.home()

    def refresh(self) -> None:
        """Show the desk's state (override)."""

    def say(self, code: str, **params: str) -> None:
        self._code, self._params = code, params
        self._retranslate()

    def _retranslate(self) -> None:
        self.notice = desk_text(self._code, self._params)

    def desk_home(self) -> None:
        self.shell.go("desk_home")

    def lock(self) -> None:
        self.guard.lock("Lock pressed")


def _load_kv() -> None:
    path = str(Path(__file__).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


_load_kv()
