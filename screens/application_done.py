"""Done: the registration number (or why there is none yet), what happens next, and the printed
acknowledgement (the demo's preview printer shows the paper on screen)."""

from __future__ import annotations

import dataclasses
from typing import Any

from kivy.properties import BooleanProperty, OptionProperty, StringProperty

from common.i18n import N_
from screens.base import GalleryState, KioskScreen, register_screen
from screens.widgets import TR

TITLES = {
    "received": N_("Your application has been sent"),
    "will_be_sent": N_("Your application is saved"),
    "awaiting_identity": N_("Please sign the printed application"),
}


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
        self.ack: Any = None
        self.printed: Any = None
        TR.bind(_=lambda *_a: self._texts())

    def reset(self) -> None:
        self.ack = None
        self.printed = None
        self.title = self.registration_no = self.status_text = self.service_notice = ""
        self.print_message = self.preview = ""
        self.printing = self.print_ok = False

    def show_acknowledgement(self, ack: Any) -> None:
        self.ack = ack
        self.printed = None
        self.preview = ""
        self.printing = True
        self.print_ok = False
        self._texts()

    def show_printed(self, printed: Any) -> None:
        """`printer.application_port.PrintedAck`, or None when printing failed outright."""
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
        from printer.application_port import NOT_PRINTED

        if self.printing:
            self.print_message = TR._("Printing your paper…")
        elif self.printed is not None and self.printed.printed:
            self.print_message = TR._("Take your paper from the printer below the screen.")
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


def _demo_done(screen: ApplicationDoneScreen, service_code: str, status: str) -> None:
    """A real acknowledgement of the demo answers, and its paper rendered like the preview printer."""
    import tempfile
    from pathlib import Path

    from printer.application_port import PrintedAck, ack_document, status_base
    from printer.render import render
    from screens.form_step import demo_flow

    flow = demo_flow(screen, service_code)
    service = screen.services.backend.applications
    now = service.clock.now()
    reg = "KAC-2026-000318" if status == "received" else None
    ack = service.acknowledgement(flow.form, flow.submitted_answers(), flow.lang, "7F3A9C21D0",
                                  now, status, reg)
    backend = screen.services.backend
    doc = ack_document(ack, backend.receipts.header,
                       status_url_base=status_base(screen.services.config.printer.verify_url_base),
                       demo=True)
    png = render(doc, backend.printer.model, ack.lang).png()
    path = Path(tempfile.mkdtemp(prefix="kac-ack-")) / f"ack-{status}-{ack.lang}.png"
    path.write_bytes(png)
    screen.show_acknowledgement(ack)
    screen.show_printed(PrintedAck("demo", True, path))
