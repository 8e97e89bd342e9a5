"""What the application screens share: the visit's application path, and moving between them.

The path itself is plain Python (`kiosk.applications.visit.ApplicationVisit` in `visit.data`), so the
end of a visit (inactivity, Finish) wipes every answer with the rest of the visit. The wizard's own
Back follows the wizard (a step back, the review), not the shell's screen history, so moving
between wizard screens does not touch it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from kiosk.applications import ApplicationWizard, current_application

log = logging.getLogger(__name__)

WIZARD_SCREENS = ("application", "form_step", "form_review", "privacy", "application_done")


def wizard_of(services: Any) -> ApplicationWizard | None:
    """The form being filled in, if any (in the visit's language)."""
    av = current_application(services.visit)
    return av.wizard if av is not None else None


def show(shell: Any, name: str) -> None:
    """Switch to a wizard screen without growing the shell's history."""
    shell.services.speech.stop()
    shell.manager.current = shell.screens[name].name


def abandon(shell: Any) -> None:
    """The resident leaves the application: forget its answers, reset the wizard, Home."""
    av = current_application(shell.services.visit)
    if av is not None:
        av.abandon()
    for screen in shell.screens.built():
        if screen.name in WIZARD_SCREENS:
            screen.reset()
    shell.home()


def spawn(services: Any, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
    """A visit task; None (and the coroutine closed) when no asyncio loop runs (the gallery)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        coro.close()
        log.debug("no running asyncio loop: not started")
        return None
    return services.visit.spawn(coro)


def _load_kv() -> None:
    from kivy.factory import Factory
    from kivy.lang import Builder
    from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
    from kivy.uix.boxlayout import BoxLayout

    class WizardBar(BoxLayout):
        """Back / Start over / Read aloud / Ask the librarian / Next in one row, the helpers the
        nav bar's own (`NavButton`, screens/base.kv: every screen has "Start
        over"). The languages sit at the top of the wizard's screens (`LanguageBar`), not in
        this row: a second row would take the height the on-screen keyboard's 15 mm keys need,
        and seven buttons in one row break words at 1.5x text."""

        screen = ObjectProperty(None, allownone=True, rebind=True)
        next_label = StringProperty("")
        next_symbol = StringProperty("\u2192")
        next_enabled = BooleanProperty(True)

    Factory.register("WizardBar", cls=WizardBar)
    Builder.load_string('''
<WizardBar>:
    size_hint_y: None
    height: max(back.height, start_over.height, speak.height, librarian.height, next_button.height)
    spacing: theme.gap * 0.75
    NavButton:
        id: back
        symbol: "\\u2190"
        label: tr._("Back")
        size_hint_x: 0.8
        on_release: root.screen.go_back()
    NavButton:
        id: start_over
        symbol: "\\u21BA"
        label: tr._("Start over")
        on_release: root.screen.start_over()
    NavButton:
        id: speak
        symbol: "\\u25A0" if root.screen and root.screen.speaking else "\\u266B"
        label: tr._("Stop reading") if root.screen and root.screen.speaking else tr._("Read aloud")
        role: "selected" if root.screen and root.screen.speaking else "secondary"
        on_release: root.screen.speak()
    NavButton:
        id: librarian
        label: tr._("Ask the librarian")
        on_release: root.screen.ask_librarian()
    KButton:
        id: next_button
        role: "primary"
        symbol: root.next_symbol
        label: root.next_label
        size_hint_x: 1.3
        disabled: not root.next_enabled
        on_release: root.screen.next()
''')


_load_kv()
