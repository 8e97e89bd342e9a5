"""Ask the librarian: where to find them; a chime calls them over."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from common.i18n import N_
from screens.base import KioskScreen, register_screen


def display_location(location: str) -> str:
    """`zoseni` -> `Zoseni`; a configured display name with capitals is shown as written."""
    return location[:1].upper() + location[1:] if location.islower() else location


@register_screen
class LibrarianScreen(KioskScreen):
    screen_name = "librarian"
    order = 90
    speech_text = N_(
        "The librarian will help you. A sound has called them. If nobody comes, please go to "
        "the library desk."
    )
    location = StringProperty("")

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.show_librarian = False
        self.location = display_location(self.services.config.kiosk.location)

    def on_enter(self, *_args: object) -> None:
        self.shell.chime()
