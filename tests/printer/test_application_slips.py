"""A form that waits for the librarian's ID check prints two slips, read back
from the real ESC/POS bytes.

The copy to sign is the application to the municipality: every answer (income too) with its
Latvian label and value, the resident's language under it when the visit was not Latvian, the
personal code and account only masked, signature and date lines, and none of the wording that
contradicted it before ("keep this paper", a "pending" registration number). The resident's slip,
in their language, says what happens next.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from escpos_decode import Decoded, decode, model_pages

from common.forms.definition import FieldDef, FormDefinition
from common.forms.field_types import display_value
from common.forms.loading import default_forms_dir, load_forms
from common.forms.routing import applicable_fields
from common.i18n import gettext
from kiosk.applications.paper import HELD_PREFIX, paper_document
from kiosk.applications.service import Acknowledgement, ApplicationService
from printer.documents import Header
from printer.models import get_model
from printer.render import render

HEADER = Header("Cēsu novada pašvaldība", "Zosēnu bibliotēka", "demo-zoseni-1")
WHEN = datetime(2026, 11, 27, 12, 5, tzinfo=UTC)
ADDRESS = "Ķemeri, Ūdens iela 3, Ģipkas Žīguļi, čūskas ķēķis, Āņa māja"  # every Latvian letter
ANSWERS: dict[str, Any] = {
    "full_name": "Jānis Bērziņš", "personal_code": "120375-12340", "address": ADDRESS,
    "household_size": 4, "income_status": "low_income", "monthly_income": 64050,
    "income_sources": ["salary", "pension"], "heating_type": "wood", "firewood_m3": 12.5,
    "payment_method": "bank", "iban": "LV80BANK0000435195001", "declaration": True,
}
CONTRADICTIONS = ("Keep this paper: quote the registration number when you ask about your "
                  "application.", "pending", "Registration no.")


def _form() -> FormDefinition:
    forms, _errors = load_forms(default_forms_dir())
    return forms["heating-allowance"]


def _ack(lang: str) -> Acknowledgement:
    # Only the paper is built here: no journal, no gateway.
    service = ApplicationService(None, None, kiosk_id=HEADER.kiosk_id,  # type: ignore[arg-type]
                                 location=HEADER.location)
    return service.acknowledgement(_form(), ANSWERS, lang, "7F3A9C21D0", WHEN,
                                   "awaiting_identity", None)


def _slips(lang: str) -> tuple[Decoded, str, str, list[str]]:
    """The decoded job, the copy to sign and the resident's slip as flat text, and the QR codes."""
    model = get_model("generic-80")  # CP1257 for Latvian, CP1251 for Cyrillic: both are text
    ack = _ack(lang)
    job = decode(render(paper_document(ack, HEADER, demo=False), model, lang).escpos,
                 model_pages(model))
    cut = next(i for i, e in enumerate(job.events) if e.kind == "cut")
    assert job.events[-1].kind == "cut" and cut < len(job.events) - 1, "two slips, each cut"

    def flat(events: list[Any]) -> str:
        return " ".join(" ".join(e.text for e in events if e.kind == "text").split())

    return job, flat(job.events[:cut]), flat(job.events[cut + 1:]), [e.text for e in job.of("qr")]


def _shown(f: FieldDef, lang: str) -> str:
    return " ".join(display_value(f, ANSWERS.get(f.code), lang).replace("\u00a0", " ").split())


@pytest.mark.parametrize("lang", ["lv", "ru", "en"])
def test_copy_to_sign_carries_every_answer_in_latvian_with_the_residents_language(lang: str) -> None:
    job, signed, _slip, qrs = _slips(lang)
    assert not job.of("raster"), "no line fell back to a raster: Latvian and Cyrillic print as text"

    fields = applicable_fields(_form(), ANSWERS)
    assert {"monthly_income", "income_sources", "income_status"} <= {f.code for f in fields}
    for f in fields:
        assert " ".join(f.label.get("lv").split()) in signed, f.code
        assert _shown(f, "lv") in signed, f.code
        if lang != "lv":
            assert " ".join(f.label.get(lang).split()) in signed, (f.code, lang)
            assert _shown(f, lang) in signed, (f.code, lang)
    assert "640,50 €" in signed and "Darba alga, Pensija" in signed
    assert ADDRESS in signed and "Jānis Bērziņš" in signed
    # The personal code and the account never in full.
    assert "120375-12340" not in signed and "LV80BANK0000435195001" not in signed
    assert "120375-1****" in signed and "LV80 **** 5001" in signed

    # The application's own wording is Latvian first; the resident's language under it.
    assert "IESNIEGUMS" in signed and "Pabalsts kurināmā iegādei" in signed
    assert "Paraksts: ____" in signed and "Datums: ____" in signed
    assert "Iesnieguma numurs kioskā 7F3A9C21D0" in signed
    if lang != "lv":
        assert gettext("Signature", lang) in signed and gettext("APPLICATION", lang) in signed
        assert _form().title.get(lang) in signed
    # Nothing that contradicts a paper handed over: no "keep this", no number that is not one.
    for msgid in CONTRADICTIONS:
        for any_lang in {"lv", lang}:
            assert gettext(msgid, any_lang) not in signed, (msgid, any_lang)
    assert gettext("Your slip: keep it", "lv") not in signed
    assert qrs == [HELD_PREFIX + "7F3A9C21D0"]  # the librarian's scanner finds the held form


@pytest.mark.parametrize("lang", ["lv", "ru", "en"])
def test_residents_slip_says_what_happens_next_in_their_language(lang: str) -> None:
    _job, _signed, slip, _qrs = _slips(lang)
    for msgid in ("Your slip: keep it", "What happens next",
                  "1. Sign the application (the other slip) and give it to the librarian together "
                  "with your ID document.",
                  "2. The librarian checks your ID and sends the application to the municipality.",
                  "3. The municipality registers the application and answers you:"):
        assert gettext(msgid, lang) in slip, (msgid, lang)
    assert _form().service_notice.get(lang) in slip
    assert _form().title.get(lang) in slip
    assert gettext("Application number in the kiosk", lang) + " 7F3A9C21D0" in slip
    for msgid in CONTRADICTIONS:
        assert gettext(msgid, lang) not in slip, msgid
    # No answers on the slip a resident keeps (and may lose): no name, address or income.
    assert "Jānis" not in slip and "640" not in slip and ADDRESS not in slip


def test_forms_without_an_id_check_keep_the_single_acknowledgement() -> None:
    forms, _errors = load_forms(default_forms_dir())
    service = ApplicationService(None, None, kiosk_id=HEADER.kiosk_id,  # type: ignore[arg-type]
                                 location=HEADER.location)
    answers = {"subject": "Bedre", "text": "Lūdzu salabot.", "full_name": "Anna Ķēniņa",
               "reply_channel": "library"}
    ack = service.acknowledgement(forms["general-application"], answers, "lv", "1A2B3C4D5E", WHEN,
                                  "received", "KAC-2026-000318")
    model = get_model("generic-80")
    job = decode(render(paper_document(ack, HEADER), model, "lv").escpos, model_pages(model))
    assert len(job.of("cut")) == 1
    assert gettext("APPLICATION RECEIVED", "lv") in [t.strip() for t in job.texts]
