"""The application path of one visit, without a window: the list, opening a form, the privacy
notice, sending and printing (`kiosk.applications.visit`), on the embedded gateway and the preview
printer. The screens only forward taps to these calls and render what they return."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from common.forms.schema import SubmissionProblem
from common.i18n import gettext
from common.schema import FormDocument, ServiceEntry
from kiosk.applications.paper import ack_document, job_id_for
from kiosk.applications.service import Acknowledgement, SubmissionRejected
from kiosk.applications.visit import (
    APPLICATION_KEY,
    ApplicationVisit,
    application_visit,
    current_application,
    shipped_forms,
)
from kiosk.backend import Backend
from kiosk.gateway_client import GatewayError
from kiosk.services import Services, make_services
from printer.application_port import preview_path

VALMIERA = "Valmieras novada pašvaldība"
VALMIERA_DPO = "Valmieras novada pašvaldības datu aizsardzības speciālists, dati@valmierasnovads.lv"
GENERAL = {"subject": "Bedre ceļā", "text": "Lūdzu salabot.", "full_name": "Anna Ķēniņa",
           "reply_channel": "library"}


def _services(backend: Backend) -> Services:
    return make_services(backend.config, backend=backend)


def _fill(av: ApplicationVisit, answers: dict[str, Any]) -> None:
    wizard = av.wizard
    assert wizard is not None
    while wizard.phase == "steps":
        for _ in range(2):  # an answer may show a later field of the same step
            for f in wizard.visible_fields():
                if f.is_input and f.code in answers:
                    assert wizard.set_answer(f.code, answers[f.code]).ok, f.code
        assert wizard.next(), wizard.errors
    assert wizard.phase == "review"


class _Busy:
    """Records the visit's busy markers in order, as `Visit.busy_while` would set them."""

    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.active: set[str] = set()

    @contextmanager
    def __call__(self, reason: str) -> Iterator[None]:
        self.reasons.append(reason)
        self.active.add(reason)
        try:
            yield
        finally:
            self.active.discard(reason)


# -- the controller named in the notice and on paper (GDPR Art. 13) ---------------------------
def test_notice_and_paper_name_the_configured_municipality(backend_factory) -> None:
    backend = backend_factory(kiosk={"municipality": VALMIERA, "dpo_contact": VALMIERA_DPO})
    services = _services(backend)

    async def go() -> tuple[list[str], Any]:
        av = application_visit(services)
        assert await av.open_form("general-application") is not None
        assert av.wizard is not None
        notice = av.wizard.privacy_notice()
        _fill(av, GENERAL)
        outcome = await av.send(on_sent=lambda _ack: None)
        return notice, outcome

    notice, outcome = asyncio.run(go())
    assert notice[0] == gettext("Your data is processed by {controller}.", "lv", controller=VALMIERA)
    assert VALMIERA_DPO in " ".join(notice) and "Cēsu" not in " ".join(notice)
    assert outcome.status == "sent" and outcome.printed is not None and outcome.printed.printed
    # The paper names the municipality in its header, from the same configuration.
    assert ack_document(outcome.acknowledgement, backend.receipts.header).header.municipality == VALMIERA


# -- the list ----------------------------------------------------------------------------------
def test_catalogue_from_the_gateway_grouped_in_order_with_the_identity_note(backend_factory) -> None:
    services = _services(backend_factory())
    av = application_visit(services)
    assert asyncio.run(av.load_catalogue()) and av.catalogue
    groups = av.catalogue_groups("lv")
    assert [g.heading for g in groups][:2] == [gettext("Social assistance", "lv"),
                                               gettext("Building and land", "lv")]
    for group in groups:
        assert [e.title for e in group.entries] == sorted(e.title for e in group.entries)
    entries = {e.service_code: e for g in groups for e in g.entries}
    note = gettext("You will sign the printed application; the librarian checks your ID.", "lv")
    assert note in entries["heating-allowance"].detail  # signed on paper, checked by the librarian
    assert note not in entries["general-application"].detail
    assert entries["heating-allowance"].title == shipped_forms()["heating-allowance"].title.get("lv")


class _DownForms:
    async def list_services(self) -> list[ServiceEntry]:
        raise GatewayError("gateway-unreachable")

    async def get_form(self, service_code: str) -> FormDocument:
        raise GatewayError("gateway-unreachable")


class _BrokenForms:
    async def list_services(self) -> list[ServiceEntry]:
        return []

    async def get_form(self, service_code: str) -> FormDocument:
        return FormDocument(definition={"service_code": service_code}, json_schema={})


def test_unreachable_gateway_leaves_no_list_and_no_form(backend_factory) -> None:
    services = _services(backend_factory())
    av = application_visit(services)
    av.ports = dataclasses.replace(av.ports, forms_api=_DownForms())
    assert not asyncio.run(av.load_catalogue())
    assert av.catalogue is None and av.catalogue_groups("lv") == []
    assert asyncio.run(av.open_form("general-application")) is None and av.wizard is None
    av.ports = dataclasses.replace(av.ports, forms_api=_BrokenForms())
    assert asyncio.run(av.open_form("general-application")) is None and av.wizard is None


# -- the visit owns it: language, leaving, the idle reset --------------------------------------
def test_language_follows_the_visit_and_abandon_keeps_only_the_list(backend_factory) -> None:
    services = _services(backend_factory())
    visit = services.visit
    assert current_application(visit) is None  # nothing is made by merely looking
    av = application_visit(services)
    av.catalogue = [f.catalogue_entry() for f in shipped_forms().values()]
    wizard = av.start(shipped_forms()["general-application"])
    assert wizard.lang == "lv"
    visit.set_language("ru")
    assert current_application(visit) is av and wizard.lang == "ru"
    assert wizard.privacy_notice()[0] == gettext("Your data is processed by {controller}.", "ru",
                                                 controller=services.config.kiosk.municipality)
    av.abandon()
    assert av.wizard is None and av.printed is None and av.catalogue
    av.start(shipped_forms()["general-application"])
    visit.wipe()
    assert APPLICATION_KEY not in visit.data and current_application(visit) is None


# -- sending -----------------------------------------------------------------------------------
def test_send_shows_the_result_before_printing_and_keeps_the_visit_busy(backend_factory) -> None:
    backend = backend_factory()
    av = application_visit(_services(backend))
    busy = _Busy()
    av.busy_while = busy
    seen: list[tuple[Acknowledgement, set[str], Any]] = []

    def on_sent(ack: Acknowledgement) -> None:
        seen.append((ack, set(busy.active), preview_path(backend.printer, job_id_for(ack))))

    async def go() -> Any:
        await av.open_form("general-application")
        _fill(av, GENERAL)
        return await av.send(on_sent=on_sent)

    outcome = asyncio.run(go())
    [(ack, active, paper)] = seen
    assert outcome.status == "sent" and outcome.acknowledgement is ack and ack.status == "received"
    assert active == set() and paper is None  # on screen before the paper was even rendered
    assert busy.reasons == ["application", "printer"]
    assert outcome.printed is av.printed and outcome.printed is not None and outcome.printed.printed
    assert outcome.printed.preview_png is not None and outcome.printed.preview_png.exists()
    assert av.wizard is not None and av.wizard.phase == "done"


def test_final_check_refusal_returns_to_the_question(backend_factory, monkeypatch) -> None:
    import common.forms.schema as schema

    av = application_visit(_services(backend_factory()))
    av.start(shipped_forms()["general-application"])
    _fill(av, GENERAL)
    monkeypatch.setattr(schema, "check_submission", lambda form, answers, today: [
        SubmissionProblem("/answers/full_name", "too_long", {"max": "1"})])
    sent: list[Acknowledgement] = []
    outcome = asyncio.run(av.send(on_sent=sent.append))
    assert outcome.status == "correct" and not sent and outcome.message("lv") == ""
    wizard = av.wizard
    assert wizard is not None and wizard.phase == "steps"
    assert "full_name" in [f.code for f in wizard.visible_fields()]
    assert wizard.errors["full_name"].error == "too_long"


@pytest.mark.parametrize(("error", "status", "msgid"), [
    (SubmissionRejected("form-version-unknown", []), "refused",
     "The municipality did not accept this application. Please ask the librarian."),
    (RuntimeError("journal full"), "failed",
     "The application could not be sent. Please ask the librarian."),
])
def test_refused_or_failed_send_says_so_and_stays_on_review(backend_factory, monkeypatch,
                                                            error: Exception, status: str,
                                                            msgid: str) -> None:
    backend = backend_factory()
    av = application_visit(_services(backend))
    av.start(shipped_forms()["general-application"])
    _fill(av, GENERAL)

    async def refuse(*_a: Any, **_kw: Any) -> Acknowledgement:
        raise error

    monkeypatch.setattr(backend.applications, "submit", refuse)
    sent: list[Acknowledgement] = []
    outcome = asyncio.run(av.send(on_sent=sent.append))
    assert outcome.status == status and outcome.acknowledgement is None and not sent
    assert outcome.message("ru") == gettext(msgid, "ru")
    assert av.wizard is not None and av.wizard.phase == "review"  # the resident may try again


def test_printer_failure_after_sending_is_reported_not_raised(backend_factory, monkeypatch) -> None:
    backend = backend_factory()
    av = application_visit(_services(backend))
    av.start(shipped_forms()["general-application"])
    _fill(av, GENERAL)

    async def broken(*_a: Any, **_kw: Any) -> None:
        raise OSError("usb gone")

    monkeypatch.setattr(backend.printer, "print_document", broken)
    outcome = asyncio.run(av.send(on_sent=lambda _ack: None))
    assert outcome.status == "sent" and outcome.acknowledgement is not None
    assert outcome.printed is None and av.printed is None  # the done screen says "ask for a copy"


def test_gallery_sample_is_rendered_without_sending(backend_factory) -> None:
    backend = backend_factory()
    av = application_visit(_services(backend))
    av.start(shipped_forms()["general-application"])
    _fill(av, GENERAL)
    ack, printed = av.sample_acknowledgement("will_be_sent")
    assert ack.status == "will_be_sent" and ack.registration_no is None
    assert printed.printed and printed.preview_png is not None and printed.preview_png.exists()
    assert backend.printer.spool.pending() == [] and not backend.journal.outbox_pending()

