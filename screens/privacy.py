"""The privacy notice (GDPR Art. 13) before sending, then the sending itself.

The legal basis is the municipality's public task, not consent, so there is nothing to tick: the
resident reads the notice and presses Send. The notice opens on its plain first layer (who, why,
how long, your rights, whom to ask: `kiosk.applications.privacy_plain`); the legal text is one tap away.
The visit's application path sends and then prints (`ApplicationVisit.send`, the journal's outbox
makes it safe); this screen forwards the tap and shows what comes back, the done screen showing
the result while the paper prints.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from common.i18n import N_
from kiosk.applications import Acknowledgement, application_visit, plain_notice
from screens.base import GalleryState, KioskScreen, register_screen
from screens.widgets import TR, KLabel
from screens.wizard import show, spawn, wizard_of


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
    legal = BooleanProperty(False)  # the full legal text instead of the plain first layer

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.paragraphs: list[str] = []
        TR.bind(_=lambda *_a: self.refresh())

    def reset(self) -> None:
        self.sending = False
        self.message = ""
        self.legal = False
        self.paragraphs = []
        self.ids.notice.clear_widgets()

    def on_pre_enter(self, *_args: Any) -> None:
        self.legal = False  # every arrival opens on the plain layer

    def on_legal(self, *_args: Any) -> None:
        self.refresh()

    def toggle_legal(self) -> None:
        self.legal = not self.legal

    def refresh(self) -> None:
        wizard = wizard_of(self.services)
        box = self.ids.notice
        box.clear_widgets()
        if wizard is None:
            self.paragraphs = []
        elif self.legal:
            self.paragraphs = wizard.privacy_notice()
        else:
            self.paragraphs = [f"[b]{head}[/b]  {text}" for head, text in
                               plain_notice(wizard.form, wizard.lang, wizard.controller)]
        for text in self.paragraphs:
            box.add_widget(NoticeParagraph(text=text, markup=not self.legal))
        self.ids.scroll.scroll_y = 1

    def speech(self) -> str:
        return " ".join([TR._(self.speech_text), *(p.replace("[b]", "").replace("[/b]", "")
                                                   for p in self.paragraphs)])

    def go_back(self) -> None:
        if self.sending:
            return
        review = self.shell.screens["form_review"]
        review.refresh()
        show(self.shell, "form_review")

    # -- sending ---------------------------------------------------------------------------
    def send(self) -> None:
        if self.sending or wizard_of(self.services) is None:
            return
        self.sending = True
        self.message = ""
        spawn(self.services, self._send())

    async def _send(self) -> None:
        outcome = await application_visit(self.services).send(on_sent=self._sent)
        self.sending = False
        if outcome.status == "correct":
            step = self.shell.screens["form_step"]
            step.render(entering="first")
            show(self.shell, "form_step")
        elif outcome.status == "sent":
            self.shell.screens["application_done"].show_printed(outcome.printed)
        else:
            self.message = outcome.message(TR.lang)

    def _sent(self, ack: Acknowledgement) -> None:
        """Sent: the result on the done screen while the paper prints."""
        self.sending = False
        self.shell.screens["application_done"].show_acknowledgement(ack)
        show(self.shell, "application_done")

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        def legal(s: PrivacyScreen) -> None:
            _demo_privacy(s)
            s.legal = True

        return [GalleryState("", _demo_privacy), GalleryState("legal", legal)]


def _demo_privacy(screen: PrivacyScreen) -> None:
    from screens.form_step import demo_wizard

    demo_wizard(screen, "heating-allowance")
    screen.refresh()
