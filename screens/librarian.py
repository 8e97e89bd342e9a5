"""Ask the librarian: where to find them; a chime calls them over, and the screen says so only
when the chime could be played."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from common.i18n import N_
from screens.base import KioskScreen, register_screen
from screens.desk_gesture import CornerHold

NO_CHIME_SPEECH = N_("The librarian will help you at the library desk. Please go there.")


@register_screen
class LibrarianScreen(KioskScreen):
    screen_name = "librarian"
    order = 90
    speech_text = N_(
        "The librarian will help you. A sound has called them. If nobody comes, please go to "
        "the library desk."
    )
    location = StringProperty("")
    # Whether the chime played on entering: the text says a sound called the librarian only then.
    called = BooleanProperty(False)

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.show_librarian = False
        # The library's name residents know, never the location code.
        self.location = self.services.config.kiosk.location_name
        # The librarian who came over reaches the desk from here without ending the resident's
        # visit (Home ends it), so the visit can be taken over (screens.desk_gesture).
        self.corner_hold = CornerHold(screen=self)
        self.add_widget(self.corner_hold)

    def on_enter(self, *_args: object) -> None:
        self.called = self.shell.chime()

    def speech(self) -> str:
        return self.services.translator._(self.speech_text if self.called else NO_CHIME_SPEECH)
