"""The application acknowledgement on paper: a real submit on the embedded gateway, printed by the
preview printer (PNG decoded, QR read back) and by a fake network printer that runs out of paper."""

from __future__ import annotations

from typing import Any

import zxingcpp
from PIL import Image

from common.forms.loading import default_forms_dir, load_forms
from kiosk.applications.paper import (
    HELD_PREFIX,
    ack_document,
    paper_document,
    print_acknowledgement,
    status_base,
)
from kiosk.applications.privacy_notice import DataController
from kiosk.applications.wizard import ApplicationWizard
from printer.documents import ApplicationToSign


def _wizard(backend: Any, code: str, answers: dict[str, Any], lang: str = "lv") -> ApplicationWizard:
    forms, _ = load_forms(default_forms_dir())
    wizard = ApplicationWizard(form=forms[code], service=backend.applications,
                               controller=DataController.from_config(backend.config), lang=lang)
    while wizard.phase == "steps":
        for _ in range(2):  # an answer may show a later field of the same step
            for f in wizard.visible_fields():
                if f.is_input and f.code in answers:
                    assert wizard.set_answer(f.code, answers[f.code]).ok, f.code
        assert wizard.next(), wizard.errors
    assert wizard.phase == "review"
    return wizard


GENERAL = {"subject": "Bedre ceļā pie Ūdru mājām", "text": "Lūdzu salabot.",
           "full_name": "Anna Ķēniņa", "reply_channel": "library"}
FIREWOOD = {"full_name": "Jānis Bērziņš", "personal_code": "120375-12340",
            "address": "Zosēni, Ābeļu iela 2", "household_size": "3", "income_status": "none",
            "monthly_income": "640,50", "heating_type": "wood", "firewood_m3": "12,5",
            "payment_method": "bank", "iban": "LV80BANK0000435195001", "declaration": True}


def _qr(path: Any) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(path))]


def test_received_acknowledgement_prints_with_the_registration_qr(backend_factory) -> None:
    backend = backend_factory()

    async def go() -> Any:
        wizard = _wizard(backend, "general-application", GENERAL)
        ack = await wizard.submit()
        printed = await print_acknowledgement(
            backend.printer, ack, backend.receipts.header,
            status_url_base=status_base(backend.config.printer.verify_url_base), demo=True)
        return ack, printed

    import asyncio

    ack, printed = asyncio.run(go())
    assert ack.status == "received" and ack.registration_no.startswith("KAC-")
    assert printed.printed and printed.preview_png is not None
    assert _qr(printed.preview_png) == [f"https://kac.cesis.lv/a/{ack.registration_no}"]
    assert backend.printer.spool.pending() == []
    # The paper says what the resident typed (Latvian letters), never a personal code.
    doc = ack_document(ack, backend.receipts.header)
    assert doc.registration_no == ack.registration_no
    assert "Bedre ceļā pie Ūdru mājām" in [v for _, v in doc.summary]
    assert ack.service_notice in doc.next_steps


def test_identity_form_prints_the_copy_to_sign_and_the_residents_slip(backend_factory) -> None:
    import asyncio

    backend = backend_factory()

    async def go() -> Any:
        wizard = _wizard(backend, "heating-allowance", FIREWOOD, lang="ru")
        ack = await wizard.submit()
        return ack, await print_acknowledgement(backend.printer, ack, backend.receipts.header,
                                                demo=True)

    ack, printed = asyncio.run(go())
    assert ack.status == "awaiting_identity" and ack.registration_no is None
    doc = paper_document(ack, backend.receipts.header)
    assert isinstance(doc, ApplicationToSign)
    assert doc.application_no == ack.application_id and doc.registration_no == ""
    # Every answer, income too, Latvian first; the personal code and the account only masked.
    by_label = {a.label: a for a in doc.answers}
    assert by_label["Mājsaimniecības kopējie ienākumi mēnesī (eiro)"].value == "640,50\xa0€"
    assert by_label["Kā tiek apkurināts mājoklis?"].value == "Ar malku"
    assert by_label["Kā tiek apkurināts mājoklis?"].value_own == "Дровами"
    flat = " ".join(f"{a.value} {a.value_own}" for a in doc.answers)
    assert "120375-12340" not in flat and "LV80BANK0000435195001" not in flat
    assert _qr(printed.preview_png) == [HELD_PREFIX + ack.application_id]


def test_paper_out_is_reported_and_the_job_stays_for_reprint(backend_factory) -> None:
    import asyncio
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "printer"))
    from fake_printer import FakePrinter

    with FakePrinter("paper_out") as fake:
        backend = backend_factory(printer={"device": "network", "host": "127.0.0.1",
                                           "port": fake.port, "timeout_s": 1.0})

        async def go() -> Any:
            wizard = _wizard(backend, "general-application", GENERAL)
            ack = await wizard.submit()
            return ack, await print_acknowledgement(backend.printer, ack,
                                                    backend.receipts.header)

        ack, printed = asyncio.run(go())
    assert not printed.printed and printed.error == "paper_out"
    assert [e.job_id for e in backend.printer.spool.pending()] == [f"app-{ack.application_id}"]
    assert ack.status == "received"  # the application itself is safe whatever the paper does
