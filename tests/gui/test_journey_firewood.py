"""A Russian-speaking resident applies for the firewood
(heating) allowance on the real screens and gets two slips.

Typed by taps on the on-screen keyboards and keypad, in a Russian visit (the Latvian name and
address on the keyboard's Latvian layout). The form needs the librarian's ID check, so nothing is
sent yet; the printer gets one job with two slips, read back from its ESC/POS bytes: the copy to
sign carries every answer, income too, with Latvian labels and the Russian beside them, and no
"keep this paper" or "pending" number; the resident's slip says in Russian what happens next.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from test_application_path import (
    at_field,
    choose,
    drive,
    next_,
    open_form,
    step,
    stored,
    type_on_keyboard,
    type_on_numpad,
    until,
)

from common.i18n import gettext
from kiosk.applications.paper import HELD_PREFIX, job_id_for
from kiosk.desk.review import Kind
from kiosk.desk.service import desk_of
from launcher.embedded import DEMO_OPERATOR_NAME, DEMO_OPERATOR_PIN

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "printer"))
from escpos_decode import decode, model_pages

ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts" / "gui"
NAME = "Jānis Bērziņš"
ADDRESS = "Ķemeri, Ūdens iela 3, Ģipkas Žīguļi, čūskas ķēķis"
IBAN = "LV80BANK0000435195001"


def _shot(gui: Any, name: str) -> None:
    gui.screenshot(f"journey-firewood-ru-{name}")


def _latvian_layout(gui: Any, kb: Any) -> None:
    if kb.layout != "lv":
        gui.tap(kb.keys["{lang}"])
    assert kb.layout == "lv"


def _flat(events: list[Any]) -> str:
    return " ".join(" ".join(e.text for e in events if e.kind == "text").split())


def test_firewood_journey_in_russian_prints_the_copy_to_sign_and_the_residents_slip(gui) -> None:
    async def scenario() -> Any:
        gui.tap(gui.screen("home").language_buttons["ru"])
        _shot(gui, "01-home")
        await open_form(gui, "heating-allowance")
        s = step(gui)
        kb = s.keyboard
        at_field(gui, "full_name")
        assert kb.layout == "ru"  # the visit's language chose the Cyrillic layout
        _latvian_layout(gui, kb)
        type_on_keyboard(gui, kb, NAME)
        assert s.display == NAME
        _shot(gui, "02-name")
        next_(gui)
        at_field(gui, "personal_code")
        type_on_numpad(gui, s.numpad, "120375-12340")
        next_(gui)
        at_field(gui, "address")
        _latvian_layout(gui, kb)
        type_on_keyboard(gui, kb, ADDRESS)
        assert s.display == ADDRESS
        next_(gui)
        at_field(gui, "phone")  # optional: left empty
        next_(gui)
        at_field(gui, "household_size")
        type_on_numpad(gui, s.numpad, "3")
        next_(gui)
        at_field(gui, "income_status")
        choose(gui, "none")
        next_(gui)
        at_field(gui, "monthly_income")
        type_on_numpad(gui, s.numpad, "640,50")
        _shot(gui, "03-income")
        next_(gui)
        at_field(gui, "income_sources")
        choose(gui, "salary", "benefits")
        next_(gui)
        at_field(gui, "heating_type")
        choose(gui, "wood")
        next_(gui)
        at_field(gui, "firewood_m3")
        type_on_numpad(gui, s.numpad, "12,5")
        next_(gui)
        at_field(gui, "payment_method")
        choose(gui, "bank")
        next_(gui)
        at_field(gui, "iban")
        _latvian_layout(gui, kb)
        type_on_keyboard(gui, kb, IBAN)
        next_(gui)
        at_field(gui, "declaration")
        choose(gui, "yes")
        next_(gui)

        review = gui.screen("form_review")
        await until(gui, lambda: gui.shell.manager.current == "form_review", what="review")
        _shot(gui, "04-review")
        gui.tap(review.ids.nav.ids.next_button)
        privacy = gui.screen("privacy")
        assert gui.shell.manager.current == "privacy"
        _shot(gui, "05-privacy")
        gui.tap(privacy.ids.send)
        done = gui.screen("application_done")
        await until(gui, lambda: gui.shell.manager.current == "application_done", what="done")
        await until(gui, lambda: not done.printing, what="printing")
        await until(gui, lambda: done.ids.preview.texture is not None, what="the slips' preview")
        _shot(gui, "06-done-two-slips")
        return done

    done = drive_and_return(scenario)
    ack = done.ack
    assert done.status == "awaiting_identity" and done.registration_no == ""
    assert done.print_ok
    assert done.print_message == gettext(
        "Take both papers from the printer below the screen: sign the application and give it to "
        "the librarian; keep your slip.", "ru")
    assert stored(gui, ack.application_id) == []  # held for the ID check, not sent

    backend = gui.services.backend
    job_id = job_id_for(ack)
    shutil.copyfile(done.printed.preview_png, ARTIFACTS / "journey-firewood-ru-07-slips.png")
    job = decode(backend.printer.spool.data(job_id), model_pages(backend.printer.model))
    cut = next(i for i, e in enumerate(job.events) if e.kind == "cut")
    signed, slip = _flat(job.events[:cut]), _flat(job.events[cut + 1:])
    assert job.events[-1].kind == "cut" and len(job.of("cut")) == 2

    # The copy to sign: every answer, Latvian first, Russian beside it; income included.
    for latvian, russian in (
            ("Vārds, uzvārds", "Имя и фамилия"),
            ("Dzīvesvietas adrese", "Адрес места жительства"),
            ("Cik personas dzīvo mājsaimniecībā?", "Сколько человек живёт в домохозяйстве?"),
            ("Nav statusa", "Нет статуса"),
            ("Mājsaimniecības kopējie ienākumi mēnesī (eiro)",
             "Общий месячный доход домохозяйства (евро)"),
            ("Darba alga, Pabalsti", "Зарплата, Пособия"),
            ("Ar malku", "Дровами"),
            ("Uz bankas kontu", "На банковский счёт"),
            ("Jā", "Да")):
        assert latvian in signed and russian in signed, (latvian, russian)
    assert NAME in signed and ADDRESS in signed and "640,50 €" in signed and "12,5" in signed
    assert "120375-12340" not in signed and IBAN not in signed  # masked, never in full
    assert "IESNIEGUMS" in signed and "Paraksts: ___" in signed and "Datums: ___" in signed
    assert f"Iesnieguma numurs kioskā {ack.application_id}" in signed
    for text in (gettext("pending", "ru"), gettext("pending", "lv"), "Paturiet šo papīru",
                 gettext("Keep this paper: quote the registration number when you ask about "
                         "your application.", "ru")):
        assert text not in signed and text not in slip, text
    assert [e.text for e in job.of("qr")] == [HELD_PREFIX + ack.application_id]

    # The resident's slip: what happens next, in Russian; none of the answers.
    assert gettext("Your slip: keep it", "ru") in slip
    assert gettext("2. The librarian checks your ID and sends the application to the "
                   "municipality.", "ru") in slip
    assert "Социальная служба рассмотрит заявление" in slip
    assert NAME not in slip and "640" not in slip

    # The librarian checks the ID and sends it from the desk's review queue (which also leaves
    # the session's shared journal without a held form for the next test).
    async def librarian() -> None:
        desk = desk_of(backend)
        desk.session.pin.choose(DEMO_OPERATOR_NAME)
        for digit in DEMO_OPERATOR_PIN:
            desk.session.pin.type_digit(digit)
        assert await desk.sign_in() == "signed-in"
        [item] = [i for i in await desk.review.items()
                  if i.kind is Kind.IDENTITY and i.key == ack.application_id]
        assert await desk.resolve(item, "confirm-identity") == "identity-confirmed"
        await desk.lock("lock")

    gui.tap(done.ids.finish)
    assert gui.shell.manager.current == "home"
    drive(librarian)
    [(row, answers)] = stored(gui, ack.application_id)
    assert row.status == "received" and row.lang == "ru"
    assert answers["monthly_income"] == 64050 and answers["address"] == ADDRESS


def drive_and_return(coro_fn: Any) -> Any:
    """`drive`, keeping what the scenario returned."""
    out: list[Any] = []

    async def wrapped() -> None:
        out.append(await coro_fn())

    drive(wrapped)
    return out[0]
