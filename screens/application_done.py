"""Done: the registration number (or why there is none yet), what happens next, and the printed
acknowledgement (the demo's preview printer shows the paper on screen)."""

from __future__ import annotations

import dataclasses
from typing import Any

from kivy.properties import BooleanProperty, OptionProperty, StringProperty

from common.i18n import N_
from kiosk.applications import Acknowledgement, PrintedAck, Status, application_visit
from screens.base import GalleryState, KioskScreen, register_screen
from screens.widgets import TR

TITLES = {
    "received": N_("Your application has been sent"),
    "will_be_sent": N_("Your application is saved"),
    "awaiting_identity": N_("Please sign the printed application"),
}
NOT_PRINTED = N_("The paper could not be printed. Please ask the librarian for a copy.")
# An identity form prints two slips: say which one goes where.
TAKE_ONE = N_("Take your paper from the printer below the screen.")
TAKE_BOTH = N_("Take both papers from the printer below the screen: sign the application and give "
               "it to the librarian; keep your slip.")


@register_screen
class ApplicationDoneScreen(KioskScreen):
    screen_name = "application_done"
    order = 24
    speech_text = N_("Your application is done. Take the printed paper. Touch Finish when you "
                     "are ready.")

    status = OptionProperty("received", options=list(TITLES))
    title = StringProperty("")
    registration_no = StringProperty("")
    status_text = StringProperty("")
    service_notice = StringProperty("")
    printing = BooleanProperty(False)
    print_ok = BooleanProperty(False)
    print_message = StringProperty("")
    preview = StringProperty("")

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.show_back = False
        self.ack: Acknowledgement | None = None
        self.printed: PrintedAck | None = None
        TR.bind(_=lambda *_a: self._texts())

    def reset(self) -> None:
        self.ack = None
        self.printed = None
        self.title = self.registration_no = self.status_text = self.service_notice = ""
        self.print_message = self.preview = ""
        self.printing = self.print_ok = False

    def show_acknowledgement(self, ack: Acknowledgement) -> None:
        self.ack = ack
        self.printed = None
        self.preview = ""
        self.printing = True
        self.print_ok = False
        self._texts()

    def show_printed(self, printed: PrintedAck | None) -> None:
        """None when printing failed outright."""
        self.printed = printed
        self.printing = False
        self.print_ok = bool(printed and printed.printed)
        self.preview = str(printed.preview_png) if printed and printed.preview_png else ""
        self._texts()

    def _texts(self) -> None:
        ack = self.ack
        if ack is None:
            return
        self.status = ack.status
        self.title = TR._(TITLES[ack.status])
        self.registration_no = ack.registration_no or ""
        # The fixed wording follows a language switch; the form's own texts stay as sent.
        self.status_text = dataclasses.replace(ack, lang=TR.lang).status_text()
        self.service_notice = ack.service_notice
        if self.printing:
            self.print_message = TR._("Printing your paper…")
        elif self.printed is not None and self.printed.printed:
            self.print_message = TR._(TAKE_BOTH if ack.needs_signature else TAKE_ONE)
        else:
            self.print_message = TR._(NOT_PRINTED)

    def speech(self) -> str:
        parts = [self.title]
        if self.registration_no:
            parts.append(TR._("Registration number: {number}", number=" ".join(self.registration_no)))
        parts += [self.status_text, self.service_notice, self.print_message]
        return " ".join(p for p in parts if p)

    def finish(self) -> None:
        self.shell.end_visit()

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        return [GalleryState("received", lambda s: _demo_done(s, "general-application", "received")),
                GalleryState("pending", lambda s: _demo_done(s, "general-application",
                                                             "will_be_sent")),
                GalleryState("identity", lambda s: _demo_done(s, "heating-allowance",
                                                              "awaiting_identity"))]


def _demo_done(screen: ApplicationDoneScreen, service_code: str, status: Status) -> None:
    """A real acknowledgement of the demo answers, and its paper rendered like the preview printer."""
    from screens.form_step import demo_wizard

    demo_wizard(screen, service_code)
    ack, printed = application_visit(screen.services).sample_acknowledgement(status)
    screen.show_acknowledgement(ack)
    screen.show_printed(printed)
