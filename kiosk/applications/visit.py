"""One visit's application path in plain Python: the catalogue, the form being filled in, sending
and the paper.

Lives in `Visit.data` under APPLICATION_KEY, so the end of the visit (`Visit.end`: Home, Done, the
idle reset) forgets every answer with the rest of the visit. Screens forward taps to it and render
what it returns; the rules (what the list shows in which order, what a refused submission leads
to, printing after sending) are tested without a window (docs/architecture.md, "Screens" and
"Applications").
"""

from __future__ import annotations

import functools
import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from common.forms.definition import FormDefinition
from common.forms.loading import DefinitionError, default_forms_dir, load_forms, parse_definition
from common.i18n import N_, gettext
from common.schema import FormDocument, ServiceEntry
from kiosk.applications.paper import paper_document, print_acknowledgement, status_base
from kiosk.applications.privacy_notice import DataController
from kiosk.applications.service import Acknowledgement, ApplicationService, Status, SubmissionRejected
from kiosk.applications.wizard import ApplicationWizard
from kiosk.gateway_client import GatewayError
from kiosk.visit import Visit
from printer.application_port import PrintedAck
from printer.documents import Header
from printer.render import render

if TYPE_CHECKING:
    from kiosk.services import Services
    from printer.service import ReceiptPrinter

log = logging.getLogger(__name__)

APPLICATION_KEY = "application"

GROUP_NAMES = {
    "social": N_("Social assistance"),
    "construction": N_("Building and land"),
    "general": N_("Other questions"),
}
GROUP_ORDER = ("social", "construction", "general")

MESSAGES: dict[str, str] = {
    "form-unavailable": N_("This application cannot be opened now. Please try again later or ask "
                           "the librarian."),
    "refused": N_("The municipality did not accept this application. Please ask the librarian."),
    "failed": N_("The application could not be sent. Please ask the librarian."),
    "identity-note": N_("You will sign the printed application; the librarian checks your ID."),
}

# "sent": the acknowledgement is there (and printed, or why not); "correct": the final check
# refused an answer and the wizard is back on that question; "refused" / "failed": say so.
SendStatus = Literal["sent", "correct", "refused", "failed"]
BusyWhile = Callable[[str], AbstractContextManager[None]]


def message(code: str, lang: str) -> str:
    return gettext(MESSAGES[code], lang)


class FormsCatalogue(Protocol):
    async def list_services(self) -> list[ServiceEntry]: ...

    async def get_form(self, service_code: str) -> FormDocument: ...


@contextmanager
def _never_busy(_reason: str) -> Iterator[None]:
    yield


@dataclass(frozen=True)
class ApplicationPorts:
    """What the application path reaches of the long-lived services, and the settings it needs."""

    forms_api: FormsCatalogue
    service: ApplicationService
    printer: ReceiptPrinter
    header: Header
    controller: DataController
    status_url_base: str = ""
    demo: bool = False

    @classmethod
    def from_services(cls, services: Services) -> ApplicationPorts:
        backend = services.backend
        if backend is None:
            raise RuntimeError("the application path needs the kiosk's services (no backend)")
        cfg = services.config
        return cls(forms_api=backend.forms_api, service=backend.applications,
                   printer=backend.printer, header=backend.receipts.header,
                   controller=DataController.from_config(cfg),
                   status_url_base=status_base(cfg.printer.verify_url_base), demo=cfg.demo)


@dataclass(frozen=True)
class CatalogueEntry:
    service_code: str
    title: str
    detail: str  # the description, and the identity note for forms signed on paper


@dataclass(frozen=True)
class CatalogueGroup:
    heading: str
    entries: list[CatalogueEntry]


@dataclass(frozen=True)
class SendOutcome:
    status: SendStatus
    acknowledgement: Acknowledgement | None = None
    printed: PrintedAck | None = None  # None when sent but the printing failed outright

    def message(self, lang: str) -> str:
        return message(self.status, lang) if self.status in MESSAGES else ""


def _text(value: dict[str, str] | None, lang: str) -> str:
    """A catalogue text in `lang`, else in Latvian (every form has its Latvian text)."""
    if not value:
        return ""
    return value.get(lang) or value.get("lv") or ""


@dataclass
class ApplicationVisit:
    ports: ApplicationPorts
    lang: str = "lv"
    busy_while: BusyWhile = _never_busy  # the visit's marker: no inactivity reset meanwhile
    catalogue: list[ServiceEntry] | None = None  # the gateway's services list, once loaded
    wizard: ApplicationWizard | None = None
    printed: PrintedAck | None = None

    def follow_language(self, lang: str) -> None:
        self.lang = lang
        if self.wizard is not None and self.wizard.lang != lang:
            self.wizard.switch_language(lang)

    # -- the catalogue -------------------------------------------------------------------------
    async def load_catalogue(self) -> bool:
        """The list from the gateway; False when it cannot be reached (an application started
        from a stale local copy could be refused later, so there is no fallback)."""
        try:
            entries = await self.ports.forms_api.list_services()
        except GatewayError as exc:
            log.warning("services list unavailable: %s", exc.code)
            return False
        self.catalogue = entries
        return True

    def catalogue_groups(self, lang: str) -> list[CatalogueGroup]:
        """The list as shown: known groups first in their order, titles alphabetical."""
        groups: dict[str, list[ServiceEntry]] = {}
        for entry in self.catalogue or []:
            groups.setdefault(entry.group, []).append(entry)
        order = [g for g in GROUP_ORDER if g in groups] + sorted(g for g in groups if g not in GROUP_ORDER)
        shown = []
        for group in order:
            msgid = GROUP_NAMES.get(group)
            entries = []
            for entry in sorted(groups[group], key=lambda e: _text(e.title, lang)):
                detail = _text(entry.description, lang)
                if entry.identity != "none":
                    detail = (detail + "\n" if detail else "") + message("identity-note", lang)
                entries.append(CatalogueEntry(entry.service_code, _text(entry.title, lang), detail))
            shown.append(CatalogueGroup(gettext(msgid, lang) if msgid else group, entries))
        return shown

    # -- one form ------------------------------------------------------------------------------
    async def open_form(self, service_code: str) -> ApplicationWizard | None:
        """Fetch the definition and start filling it in; None when it cannot be opened now."""
        try:
            document = await self.ports.forms_api.get_form(service_code)
            form = parse_definition(document.definition, service_code)
        except GatewayError as exc:
            log.warning("form %s unavailable: %s", service_code, exc.code)
            return None
        except (DefinitionError, KeyError, TypeError):
            log.exception("form %s from the gateway is not valid", service_code)
            return None
        return self.start(form)

    def start(self, form: FormDefinition) -> ApplicationWizard:
        self.printed = None
        self.wizard = ApplicationWizard(form=form, service=self.ports.service,
                                        controller=self.ports.controller, lang=self.lang)
        return self.wizard

    def abandon(self) -> None:
        """The resident leaves the application: its answers go, the list stays for this visit."""
        self.wizard = None
        self.printed = None

    # -- sending and the paper -----------------------------------------------------------------
    async def send(self, on_sent: Callable[[Acknowledgement], None]) -> SendOutcome:
        """Submit the answers, then print the acknowledgement. `on_sent` runs in between, so the
        result is on screen while the paper prints (the journal's outbox already keeps it safe)."""
        wizard = self.wizard
        if wizard is None:
            raise RuntimeError("no application to send")
        try:
            with self.busy_while("application"):
                ack = await wizard.submit()
        except SubmissionRejected as exc:
            if exc.code == "validation-error" and wizard.phase == "steps":
                return SendOutcome("correct")  # the wizard moved to the first answer refused
            log.warning("application refused by the gateway: %s", exc.code)
            return SendOutcome("refused")
        except Exception:
            log.exception("sending the application failed")
            return SendOutcome("failed")
        on_sent(ack)
        return SendOutcome("sent", ack, await self.print_acknowledgement(ack))

    async def print_acknowledgement(self, ack: Acknowledgement) -> PrintedAck | None:
        """Print it; None when printing failed outright (a printer problem is in `PrintedAck`)."""
        p = self.ports
        try:
            with self.busy_while("printer"):
                printed: PrintedAck | None = await print_acknowledgement(
                    p.printer, ack, p.header, status_url_base=p.status_url_base, demo=p.demo)
        except Exception:
            log.exception("printing the application acknowledgement failed")
            printed = None
        self.printed = printed
        return printed

    def sample_acknowledgement(self, status: Status) -> tuple[Acknowledgement, PrintedAck]:
        """The gallery's done screen: a real acknowledgement of the answers so far and its paper
        rendered as the preview printer would, without sending or printing anything."""
        wizard = self.wizard
        if wizard is None:
            raise RuntimeError("no application to acknowledge")
        service = self.ports.service
        reg = "KAC-2026-000318" if status == "received" else None
        ack = service.acknowledgement(wizard.form, wizard.submitted_answers(), wizard.lang,
                                      "7F3A9C21D0", service.clock.now(), status, reg)
        doc = paper_document(ack, self.ports.header, status_url_base=self.ports.status_url_base,
                             demo=True)
        path = Path(tempfile.mkdtemp(prefix="kac-ack-")) / f"ack-{status}-{ack.lang}.png"
        path.write_bytes(render(doc, self.ports.printer.model, ack.lang).png())
        return ack, PrintedAck("demo", True, path)


def application_visit(services: Services) -> ApplicationVisit:
    """This visit's application path (made on first use; gone when the visit is wiped)."""
    visit = services.visit
    av = current_application(visit)
    if av is None:
        av = visit.data[APPLICATION_KEY] = ApplicationVisit(
            ApplicationPorts.from_services(services), lang=visit.language,
            busy_while=visit.busy_while)
    return av


def current_application(visit: Visit) -> ApplicationVisit | None:
    """The visit's application path if one was started; its wizard follows the visit's language."""
    av: ApplicationVisit | None = visit.data.get(APPLICATION_KEY)
    if av is not None:
        av.follow_language(visit.language)
    return av


@functools.lru_cache(maxsize=1)
def shipped_forms() -> dict[str, FormDefinition]:
    """The definitions shipped in config/forms (the gallery's demo; the kiosk asks the gateway)."""
    forms, _errors = load_forms(default_forms_dir())
    return forms
