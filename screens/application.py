"""The list of applications a resident can submit, grouped, from the gateway's catalogue.

The list and each definition come from the gateway through the visit's application path
(`kiosk.applications.visit`); when it cannot be reached the screen says so plainly and offers to try
again: an application started from a stale local copy could be refused later.
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.properties import BooleanProperty, OptionProperty, StringProperty

from common.i18n import N_
from common.schema import ServiceEntry
from kiosk.applications import application_visit, current_application, message, shipped_forms
from screens.base import GalleryState, KioskScreen, register_screen
from screens.widgets import TR, KButton, KLabel
from screens.wizard import show, spawn

log = logging.getLogger(__name__)


class FormButton(KButton):
    service_code = StringProperty("")
    detail = StringProperty("")


class GroupHeading(KLabel):
    pass


@register_screen
class ApplicationScreen(KioskScreen):
    screen_name = "application"
    order = 20
    speech_text = N_("Choose the application you want to submit. Touch its name. The questions "
                     "come one at a time.")

    state = OptionProperty("loading", options=["loading", "list", "unavailable"])
    opening = BooleanProperty(False)
    message = StringProperty("")

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.buttons: dict[str, FormButton] = {}
        TR.bind(_=lambda *_a: self._render())

    # -- visit -----------------------------------------------------------------------------
    def reset(self) -> None:
        self.state = "loading"
        self.opening = False
        self.message = ""
        self.ids.forms.clear_widgets()
        self.buttons = {}

    def on_pre_enter(self, *_args: Any) -> None:
        av = current_application(self.services.visit)
        if av is not None and av.catalogue is not None:
            self.state = "list"
            self._render()
        else:
            self.load()

    def go_back(self) -> None:
        self.shell.home()

    # -- the catalogue ---------------------------------------------------------------------
    def load(self) -> None:
        self.state = "loading"
        self.message = ""
        spawn(self.services, self._load())

    async def _load(self) -> None:
        if not await application_visit(self.services).load_catalogue():
            self.state = "unavailable"
            return
        self.state = "list"
        self._render()

    def show_catalogue(self, entries: list[ServiceEntry]) -> None:
        application_visit(self.services).catalogue = entries
        self.state = "list"
        self._render()

    def _render(self) -> None:
        box = self.ids.forms
        box.clear_widgets()
        self.buttons = {}
        av = current_application(self.services.visit)
        for group in av.catalogue_groups(TR.lang) if av is not None else []:
            box.add_widget(GroupHeading(text=group.heading))
            for entry in group.entries:
                btn = FormButton(service_code=entry.service_code, label=entry.title,
                                 detail=entry.detail)
                btn.bind(on_release=lambda b: self.open_form(b.service_code))
                box.add_widget(btn)
                self.buttons[entry.service_code] = btn

    # -- opening one form ------------------------------------------------------------------
    def open_form(self, service_code: str) -> None:
        if self.opening:
            return
        self.opening = True
        self.message = ""
        spawn(self.services, self._open(service_code))

    async def _open(self, service_code: str) -> None:
        try:
            wizard = await application_visit(self.services).open_form(service_code)
        finally:
            self.opening = False
        if wizard is None:
            self.message = message("form-unavailable", TR.lang)
            return
        self.begin()

    def begin(self) -> None:
        """The wizard is ready: its first question."""
        step = self.shell.screens["form_step"]
        step.begin()
        show(self.shell, "form_step")

    # -- gallery ---------------------------------------------------------------------------
    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        return [GalleryState("", _demo_catalogue)]


def _demo_catalogue(screen: ApplicationScreen) -> None:
    screen.show_catalogue([ServiceEntry.model_validate(f.catalogue_entry())
                           for _, f in sorted(shipped_forms().items())])
