"""The list of applications a resident can submit, grouped, from the gateway's catalogue.

The list and each definition come from the gateway (`forms_api.list_services()` /
`get_form(code)`); when it cannot be reached the screen says so plainly and offers to try again:
an application started from a stale local copy could be refused later.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from kivy.properties import BooleanProperty, OptionProperty, StringProperty

from common.forms.definition import (
    DefinitionError,
    FormDefinition,
    default_forms_dir,
    load_forms,
    parse_definition,
)
from common.i18n import N_
from screens.base import GalleryState, KioskScreen, register_screen
from screens.widgets import TR, KButton, KLabel
from screens.wizard import CATALOGUE_KEY, FLOW_KEY, show, spawn

log = logging.getLogger(__name__)

GROUP_NAMES = {
    "social": N_("Social assistance"),
    "construction": N_("Building and land"),
    "general": N_("Other questions"),
}
GROUP_ORDER = ("social", "construction", "general")


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
        if self.services.visit.data.get(CATALOGUE_KEY) is not None:
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
        from kiosk.gateway_client import GatewayError

        try:
            services = await self.services.backend.forms_api.list_services()
        except GatewayError as exc:
            log.warning("services list unavailable: %s", exc.code)
            self.state = "unavailable"
            return
        self.show_catalogue(services)

    def show_catalogue(self, services: list[dict[str, Any]]) -> None:
        self.services.visit.data[CATALOGUE_KEY] = services
        self.state = "list"
        self._render()

    def _render(self) -> None:
        box = self.ids.forms
        box.clear_widgets()
        self.buttons = {}
        catalogue = self.services.visit.data.get(CATALOGUE_KEY) or []
        lang = TR.lang
        groups: dict[str, list[dict[str, Any]]] = {}
        for entry in catalogue:
            groups.setdefault(entry.get("group", ""), []).append(entry)
        order = [g for g in GROUP_ORDER if g in groups] + sorted(g for g in groups if g not in GROUP_ORDER)
        for group in order:
            msgid = GROUP_NAMES.get(group)
            box.add_widget(GroupHeading(text=TR._(msgid) if msgid else group))
            for entry in sorted(groups[group], key=lambda e: _text(e.get("title"), lang)):
                detail = _text(entry.get("description"), lang)
                if entry.get("identity", "none") != "none":
                    detail = (detail + "\n" if detail else "") + TR._(
                        "You will sign the printed application; the librarian checks your ID.")
                btn = FormButton(service_code=entry["service_code"],
                                 label=_text(entry.get("title"), lang), detail=detail)
                btn.bind(on_release=lambda b: self.open_form(b.service_code))
                box.add_widget(btn)
                self.buttons[entry["service_code"]] = btn

    # -- opening one form ------------------------------------------------------------------
    def open_form(self, service_code: str) -> None:
        if self.opening:
            return
        self.opening = True
        self.message = ""
        spawn(self.services, self._open(service_code))

    async def _open(self, service_code: str) -> None:
        from kiosk.gateway_client import GatewayError

        try:
            data = await self.services.backend.forms_api.get_form(service_code)
            form = parse_definition(data["definition"], service_code)
        except GatewayError as exc:
            log.warning("form %s unavailable: %s", service_code, exc.code)
            self.message = TR._("This application cannot be opened now. Please try again later "
                                "or ask the librarian.")
            return
        except (DefinitionError, KeyError, TypeError):
            log.exception("form %s from the gateway is not valid", service_code)
            self.message = TR._("This application cannot be opened now. Please try again later "
                                "or ask the librarian.")
            return
        finally:
            self.opening = False
        self.start(form)

    def start(self, form: FormDefinition) -> None:
        from kiosk.flows.application_flow import ApplicationFlow

        flow = ApplicationFlow(form=form, service=self.services.backend.applications,
                               lang=self.services.visit.language)
        self.services.visit.data[FLOW_KEY] = flow
        step = self.shell.screens["form_step"]
        step.begin()
        show(self.shell, "form_step")

    # -- gallery ---------------------------------------------------------------------------
    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        return [GalleryState("", _demo_catalogue)]


def _text(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("lv") or "")
    return str(value or "")


@functools.lru_cache(maxsize=1)
def local_forms() -> dict[str, FormDefinition]:
    """The shipped definitions (gallery and tests; the kiosk itself asks the gateway)."""
    forms, _errors = load_forms(default_forms_dir())
    return forms


def _demo_catalogue(screen: ApplicationScreen) -> None:
    screen.show_catalogue([f.catalogue_entry() for _, f in sorted(local_forms().items())])
