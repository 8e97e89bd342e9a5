"""The privacy notice (GDPR Art. 13) before sending, then the sending itself.

The legal basis is the municipality's public task, not consent, so there is nothing to tick: the
resident reads the notice and presses Send. Sending runs as a visit task awaiting `flow.submit()`
(the journal's outbox makes it safe); the acknowledgement is then printed while the done screen
already shows the result.
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from common.i18n import N_
from screens.base import GalleryState, KioskScreen, register_screen
from screens.widgets import TR, KLabel
from screens.wizard import PRINTED_KEY, flow_of, show, spawn

log = logging.getLogger(__name__)

REFUSED = N_("The municipality did not accept this application. Please ask the librarian.")
FAILED = N_("The application could not be sent. Please ask the librarian.")


class NoticeParagraph(KLabel):
    pass


@register_screen
class PrivacyScreen(KioskScreen):
    screen_name = "privacy"
    order = 23
    speech_text = N_("Before sending: how the municipality uses your data. Read it, then touch "
                     "Send the application.")

    sending = BooleanProperty(False)
    message = StringProperty("")

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.paragraphs: list[str] = []
        TR.bind(_=lambda *_a: self.refresh())

    def reset(self) -> None:
        self.sending = False
        self.message = ""
        self.paragraphs = []
        self.ids.notice.clear_widgets()

    def refresh(self) -> None:
        flow = flow_of(self.services)
        box = self.ids.notice
        box.clear_widgets()
        self.paragraphs = flow.privacy_notice() if flow is not None else []
        for text in self.paragraphs:
            box.add_widget(NoticeParagraph(text=text))
        self.ids.scroll.scroll_y = 1

    def speech(self) -> str:
        return " ".join([TR._(self.speech_text)] + self.paragraphs)

    def go_back(self) -> None:
        if self.sending:
            return
        review = self.shell.screens["form_review"]
        review.refresh()
        show(self.shell, "form_review")

    # -- sending ---------------------------------------------------------------------------
    def send(self) -> None:
        if self.sending or flow_of(self.services) is None:
            return
        self.sending = True
        self.message = ""
        spawn(self.services, self._send())

    async def _send(self) -> None:
        from kiosk.flows.application_flow import SubmissionRejected

        flow = flow_of(self.services)
        visit = self.services.visit
        try:
            with visit.busy_while("application"):
                ack = await flow.submit()
        except SubmissionRejected as exc:
            self.sending = False
            if exc.code == "validation-error" and flow.phase == "steps":
                # The flow moved to the first question the final check refused.
                step = self.shell.screens["form_step"]
                step.render(entering="first")
                show(self.shell, "form_step")
                return
            log.warning("application refused by the gateway: %s", exc.code)
            self.message = TR._(REFUSED)
            return
        except Exception:
            log.exception("sending the application failed")
            self.sending = False
            self.message = TR._(FAILED)
            return
        self.sending = False
        done = self.shell.screens["application_done"]
        done.show_acknowledgement(ack)
        show(self.shell, "application_done")
        await self._print(ack, done)

    async def _print(self, ack: Any, done: Any) -> None:
        from printer.application_port import print_acknowledgement, status_base

        backend = self.services.backend
        cfg = self.services.config
        done.printing = True
        try:
            with self.services.visit.busy_while("printer"):
                printed = await print_acknowledgement(
                    backend.printer, ack, backend.receipts.header,
                    status_url_base=status_base(cfg.printer.verify_url_base), demo=cfg.demo)
        except Exception:
            log.exception("printing the application acknowledgement failed")
            printed = None
        self.services.visit.data[PRINTED_KEY] = printed
        done.show_printed(printed)

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        return [GalleryState("", _demo_privacy)]


def _demo_privacy(screen: PrivacyScreen) -> None:
    from screens.form_step import demo_flow

    demo_flow(screen, "heating-allowance")
    screen.refresh()
