"""The guard that locks the librarian's desk, one per shell, made when the desk is first reached
(docs/architecture.md, "The librarian's desk").

It locks on "Lock", after `[desk] inactivity_lock_s` without a touch (counted on Kivy's clock, like
the resident's inactivity, with a countdown floating over the screen for its last seconds), and
whenever the resident's Home returns; locking ends the visit, so nothing the librarian saw stays
on screen. Once the PIN is not fresh, it shows the PIN pad before a lookup, cash, or the way back
into the desk from a resident screen. While the desk is open the resident's inactivity reset
waits (the visit is busy "desk") and a badge with the librarian's name, "Desk" and "Lock" floats
over the resident screens (a taken-over visit goes on there). The badge and the countdown's kv
rules sit beside them (desk_guard.kv). No rules here: they are `kiosk.desk`'s.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock, ClockEvent
from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.desk.service import DeskService, desk_of
from screens.desk_tasks import run
from screens.widgets import load_kv_beside

DESK_SCREENS = ("desk_pin", "desk_home", "desk_find", "desk_person", "desk_cash",
                "desk_review", "desk_reprint",
                # the counters, the cash shift and the statistics (screens.desk_counters, ...)
                "desk_counters", "desk_shift", "desk_stats")
BUSY = "desk"  # the visit's busy marker while the desk is open
WARN_S = 20.0  # the countdown before the desk locks shows for at most this long
_GUARDS: weakref.WeakKeyDictionary[Any, DeskGuard] = weakref.WeakKeyDictionary()


class DeskGuard:
    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.desk: DeskService = desk_of(shell.services.backend)
        self.lock_after_s = shell.services.config.desk.inactivity_lock_s
        # The countdown shows for the last third of the idle time, at most WARN_S seconds.
        self.warn_s = min(WARN_S, self.lock_after_s / 3)
        self.badge = DeskBadge(guard=self)
        self.countdown = DeskCountdown(guard=self)
        self._tick: ClockEvent | None = None
        self._window: Any = None
        self._last_touch = 0.0
        self._pending: Callable[[], None] | None = None
        self._screen = str(shell.manager.current)
        # The PIN's freshness runs on the clock the inactivity runs on (Kivy's).
        self.desk.session.count_on(_kivy_now)
        self.desk.session.observe(self._on_session)
        shell.manager.bind(current=self._on_screen)
        if self.signed_in:  # signed in before the guard was made (the core's own sign-in)
            self._on_session("signed-in")

    @property
    def signed_in(self) -> bool:
        return self.desk.session.signed_in

    def open_pin(self) -> None:
        """The hidden gesture on Home: the PIN pad."""
        self.shell.go("desk_pin")

    # -- the PIN again (docs/architecture.md, "The librarian's desk") --------------------------
    def fresh_or_ask(self, then: Callable[[], None]) -> bool:
        """True when the PIN is fresh; else the PIN pad asks the librarian for it again and
        `then` runs once it is confirmed (Cancel forgets it)."""
        if self.desk.session.pin_fresh():
            return True
        self.ask_pin(then)
        return False

    def ask_pin(self, then: Callable[[], None], back_to: str = "") -> None:
        self._pending = then
        self.shell.screens["desk_pin"].confirm()
        if back_to:  # the desk screen shown without the PIN leaves no trace in the history
            self.shell.history.append(back_to)
            self.shell.manager.current = "desk_pin"
        else:
            self.shell.go("desk_pin")

    def resume(self) -> None:
        then, self._pending = self._pending, None
        if then is not None and self.signed_in:
            then()

    def forget_pending(self) -> None:
        self._pending = None

    def open_desk(self) -> None:
        """The badge's "Desk" on a resident screen: the desk's home, the PIN first if stale."""
        if self.fresh_or_ask(self.desk_home):
            self.desk_home()

    def desk_home(self) -> None:
        self.shell.go("desk_home")

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
                Window.bind(on_touch_down=self._on_touch, on_key_down=self._on_touch)
            self._arm()
            self._place_badge(self.shell.manager.current)
            return
        # locked: forget the screen's state and the visit (unmasked names, a taken-over cart)
        self._cancel()
        self._pending = None
        if self._window is not None:
            self._window.unbind(on_touch_down=self._on_touch, on_key_down=self._on_touch)
            self._window = None
        self._place_badge("")
        visit.set_busy(BUSY, False)
        if self.shell.manager.current != "home" or visit.data:
            self.shell.end_visit()

    def _on_screen(self, _manager: Any, name: str) -> None:
        came_from, self._screen = self._screen, name
        if name == "home" and self.signed_in:
            self.lock("the resident's home screen returned")
        elif (self.signed_in and self._desk_screen(name) and name != "desk_pin"
              and came_from and not self._desk_screen(came_from)
              and not self.desk.session.pin_fresh()):
            # Back from a resident screen into the desk: never without a fresh PIN.
            Clock.schedule_once(lambda _dt: self._bounce(name, came_from), 0)
        self._place_badge(name)

    def _bounce(self, name: str, came_from: str) -> None:
        if (self.shell.manager.current == name and self.signed_in
                and not self.desk.session.pin_fresh()):
            self.ask_pin(lambda: self.shell.go(name), back_to=came_from)

    def _desk_screen(self, name: str) -> bool:
        # A screen of the desk's kind (screens.desk_common.DeskScreen) says so itself.
        return name in DESK_SCREENS or bool(getattr(self.shell.screens.get(name), "desk_screen", False))

    # -- inactivity --------------------------------------------------------------------------
    def _on_touch(self, *_args: Any) -> bool:
        self._last_touch = _kivy_now()
        self._show_countdown(0)
        return False  # observed, never consumed

    def _arm(self) -> None:
        self._cancel()
        self._last_touch = _kivy_now()
        if self.signed_in:
            self._tick = Clock.schedule_interval(self._check, 1.0)

    def _cancel(self) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        self._show_countdown(0)

    def _check(self, _dt: float) -> None:
        if not self.signed_in:
            self._cancel()
            return
        now = _kivy_now()
        if self.desk.payments.busy:  # a card payment at the desk is waiting for the terminal
            self._last_touch = now
        left = self.lock_after_s - (now - self._last_touch)
        if left <= 0:
            self.lock("inactivity")
        else:
            self._show_countdown(math.ceil(left) if left <= self.warn_s else 0)

    def _show_countdown(self, seconds: int) -> None:
        self.countdown.seconds = seconds
        root = self.shell.root
        if seconds and self.countdown.parent is None:
            root.add_widget(self.countdown)
        elif not seconds and self.countdown.parent is not None:
            root.remove_widget(self.countdown)

    # -- the badge over the resident screens -------------------------------------------------
    def _place_badge(self, screen: str) -> None:
        root = self.shell.root
        # Desk screens (any DeskScreen) carry their own bar.
        wanted = self.signed_in and screen != "" and not self._desk_screen(screen)
        self.badge.operator = self.desk.operator
        if wanted and self.badge.parent is None:
            root.add_widget(self.badge)
        elif not wanted and self.badge.parent is not None:
            root.remove_widget(self.badge)


def _kivy_now() -> float:
    return float(Clock.get_time())


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


class DeskCountdown(Label):
    """Floats over the desk and the resident screens opened from it for the idle time's last
    seconds; a touch on it (or anywhere) keeps the desk open and nothing under it is pressed."""

    guard = ObjectProperty(None)
    seconds = NumericProperty(0)

    def on_touch_down(self, touch: Any) -> bool:
        return bool(self.collide_point(*touch.pos))


load_kv_beside(__file__)
