"""What the librarian's desk screens share: their base (`DeskScreen`) and the desk bar.

Desk screens are only shown with a session (else Home), through the guard that locks the desk
(screens.desk_guard); their coroutines run as desk tasks (screens.desk_tasks.run). Not a screen
itself (no @register_screen); no rules here: they are `kiosk.desk`'s.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.desk import DeskService, message
from screens.base import KioskScreen
from screens.desk_guard import BUSY, DESK_SCREENS, DeskGuard, desk_guard
from screens.desk_tasks import run
from screens.widgets import TR, load_kv_beside

__all__ = ["BUSY", "DESK_SCREENS", "DeskBar", "DeskGuard", "DeskScreen", "desk_guard", "desk_text", "run"]


def desk_text(code: str, params: dict[str, str] | None = None) -> str:
    return message(code, TR.lang, **(params or {})) if code else ""


class DeskBar(BoxLayout):
    """The bottom row of every desk screen: back to the desk's home, and Lock."""

    screen = ObjectProperty(None, allownone=True, rebind=True)


class DeskScreen(KioskScreen):
    """Base of the desk screens: only with a session (else Home), the desk, the message line."""

    needs_session = True
    desk_screen = True  # the guard shows no badge over it: it carries its own bar
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


load_kv_beside(__file__)
