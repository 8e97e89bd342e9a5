"""The application path by real taps: Home -> list -> one question per screen (on-screen keyboard,
keypad, toggles) -> review -> privacy notice -> submit -> done with the printed acknowledgement.

Async work (the gateway, the journal) runs on an asyncio loop driven together with Kivy's loop
(`drive`): the test body is a coroutine; `until()` pumps Kivy frames and yields to asyncio until a
condition holds. What arrived is read back from the embedded gateway's database and decrypted with
the gateway's own settings.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from common.forms.validate import error_message
from common.i18n import gettext
from kiosk.applications.visit import APPLICATION_KEY
from kiosk.desk.review import Kind
from kiosk.desk.service import desk_of
from launcher.embedded import DEMO_OPERATOR_NAME, DEMO_OPERATOR_PIN
from screens.keyboard import BACK, LETTERS, SHIFT, SPACE, SYMBOLS


def drive(coro_fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(coro_fn())


async def until(gui: Any, cond: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or cond}")
        gui.pump(1)
        await asyncio.sleep(0.01)
    gui.pump(2)


# -- typing by taps ----------------------------------------------------------------------------
def type_on_keyboard(gui: Any, kb: Any, text: str) -> None:
    """Tap the keys of the letter keyboard one by one; Shift for capitals, the symbols page for
    digits and punctuation the letter page lacks."""
    # Touches are dispatched at once; a frame is needed only after a page switch (new keys
    # are laid out in the next frame).
    for ch in text:
        if ch == " ":
            gui.tap(kb.keys[SPACE], frames=0)
            continue
        on_letters = kb.page == "letters"
        letter_key = kb.keys.get(ch.lower()) if on_letters else None
        if on_letters and letter_key is None:
            gui.tap(kb.keys[SYMBOLS], frames=0)
            gui.pump(1)
        elif not on_letters and ch not in kb.keys:
            gui.tap(kb.keys[LETTERS], frames=0)
            gui.pump(1)
            letter_key = kb.keys.get(ch.lower())
        if kb.page == "letters":
            assert letter_key is not None, f"no key for {ch!r}"
            if ch != ch.lower():
                gui.tap(kb.keys[SHIFT], frames=0)
                assert kb.shift
            gui.tap(letter_key, frames=0)
        else:
            gui.tap(kb.keys[ch], frames=0)
    if kb.page != "letters":
        gui.tap(kb.keys[LETTERS], frames=0)
    gui.pump(1)


def type_on_numpad(gui: Any, pad: Any, text: str) -> None:
    for ch in text:
        key = pad.key_for(ch)
        assert key is not None and not key.disabled, f"no keypad key for {ch!r}"
        gui.tap(key, frames=0)
    gui.pump(1)


def erase(gui: Any, pad: Any, n: int) -> None:
    for _ in range(n):
        gui.tap(pad.keys[BACK], frames=0)
    gui.pump(1)


def step(gui: Any) -> Any:
    return gui.screen("form_step")


def at_field(gui: Any, code: str) -> None:
    s = step(gui)
    assert gui.shell.manager.current == "form_step", gui.shell.manager.current
    assert s.field is not None and s.field.code == code, (s.field and s.field.code, code)


def next_(gui: Any) -> None:
    gui.tap(step(gui).ids.nav.ids.next_button)


def choose(gui: Any, *keys: str) -> None:
    s = step(gui)
    gui.pump(2)  # new toggles are laid out in the next frame
    for key in keys:
        gui.tap(s.toggles[key])
        assert s.toggles[key].active


def wizard_in_visit(gui: Any) -> Any:
    """The form being filled in as the visit keeps it (None: its answers are gone)."""
    av = gui.services.visit.data.get(APPLICATION_KEY)
    return av.wizard if av is not None else None


def shot(gui: Any, name: str) -> None:
    path = gui.screenshot(f"application-{name}")
    assert Image.open(path).size == (1280, 800)


# -- the gateway's side ------------------------------------------------------------------------
def stored(gui: Any, client_application_id: str) -> list[tuple[Any, dict[str, Any]]]:
    from gateway.models import ApplicationRow

    app = gui.services.backend.link.handle.app
    settings = app.state.applications
    with app.state.gateway.sessions() as s:
        rows = s.execute(select(ApplicationRow).where(
            ApplicationRow.client_application_id == client_application_id)).scalars().all()
        return [(r, settings.decrypt(r.answers_enc)) for r in rows]


async def open_form(gui: Any, service_code: str, screenshot: str = "") -> None:
    home = gui.screen("home")
    gui.tap(home.choices["apply"])
    app = gui.screen("application")
    await until(gui, lambda: app.state == "list" and service_code in app.buttons, what="the list")
    if screenshot:
        shot(gui, screenshot)
    gui.tap(app.buttons[service_code])
    await until(gui, lambda: gui.shell.manager.current == "form_step", what="the first question")


async def send(gui: Any) -> Any:
    privacy = gui.screen("privacy")
    assert gui.shell.manager.current == "privacy"
    gui.tap(privacy.ids.send)
    done = gui.screen("application_done")
    await until(gui, lambda: gui.shell.manager.current == "application_done", what="done")
    await until(gui, lambda: not done.printing, what="printing")
    return done


# -- the tests ---------------------------------------------------------------------------------
FIREWOOD_ANSWERS = {
    "full_name": "Jānis Bērziņš",
    "personal_code": "120375-12340",
    "address": "Ķemeri, Ūdens iela 3, Ģipkas Žīguļi, čūskas ķēķis",
    "household_size": 4,
    "income_status": "low_income",
    "monthly_income": 64050,
    "income_sources": ["salary", "pension"],
    "heating_type": "wood",
    "firewood_m3": 12.5,
    "payment_method": "bank",
    "iban": "LV80BANK0000435195001",
    "declaration": True,
}


def test_firewood_application_by_taps_arrives_with_exactly_the_answers(gui):
    async def scenario() -> None:
        await open_form(gui, "heating-allowance", screenshot="01-list")
        s = step(gui)
        kb = s.keyboard
        at_field(gui, "full_name")
        assert kb.layout == "lv" and kb.parent == s.ids.input_area
        # An empty required answer: the inline message, then the fix.
        next_(gui)
        assert s.error == gettext("Please answer this question.", "lv")
        assert s.ids.error.text == s.error and s.ids.error.height > 0
        type_on_keyboard(gui, kb, FIREWOOD_ANSWERS["full_name"])
        assert s.display == "Jānis Bērziņš" and s.error == ""
        shot(gui, "02-name-keyboard-lv")
        next_(gui)

        at_field(gui, "personal_code")
        assert s.numpad.parent == s.ids.input_area and s.numpad.extra == "-"
        type_on_numpad(gui, s.numpad, "120375-12340")
        next_(gui)

        at_field(gui, "address")
        type_on_keyboard(gui, kb, FIREWOOD_ANSWERS["address"])
        assert s.display == FIREWOOD_ANSWERS["address"]
        shot(gui, "03-address-latvian-letters")
        next_(gui)

        at_field(gui, "phone")  # optional: left empty
        next_(gui)

        at_field(gui, "household_size")
        assert "5" in s.progress_text and s.progress > 0  # the fifth page
        type_on_numpad(gui, s.numpad, "0")
        next_(gui)
        at_field(gui, "household_size")
        assert s.error == error_message("too_small", "lv", {"min": "1"})
        shot(gui, "04-validation-error")
        erase(gui, s.numpad, 1)
        type_on_numpad(gui, s.numpad, "3")
        next_(gui)

        at_field(gui, "income_status")
        # Back keeps the answer typed before.
        gui.tap(s.ids.nav.ids.back)
        at_field(gui, "household_size")
        assert s.display == "3"
        next_(gui)
        choose(gui, "low_income")
        shot(gui, "05-choice")
        next_(gui)

        at_field(gui, "monthly_income")
        type_on_numpad(gui, s.numpad, "640,50")
        next_(gui)
        at_field(gui, "income_sources")
        choose(gui, "pension", "salary")
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
        at_field(gui, "iban")  # shown because "bank" was chosen
        type_on_keyboard(gui, kb, FIREWOOD_ANSWERS["iban"])
        next_(gui)

        at_field(gui, "declaration")
        choose(gui, "yes")
        next_(gui)

        # Review: every answer, the personal code masked; change one answer from here.
        review = gui.screen("form_review")
        await until(gui, lambda: gui.shell.manager.current == "form_review", what="review")
        assert set(review.rows) == set(FIREWOOD_ANSWERS) | {"phone"}
        assert review.rows["phone"].value == "—"
        assert review.rows["personal_code"].value != "120375-12340"
        assert review.rows["household_size"].value == "3"
        shot(gui, "06-review")
        gui.tap(review.rows["household_size"].ids.change)
        at_field(gui, "household_size")
        erase(gui, s.numpad, 1)
        type_on_numpad(gui, s.numpad, "4")
        for _ in range(4):  # the rest of that step is complete: then straight back to review
            if gui.shell.manager.current != "form_step":
                break
            next_(gui)
        await until(gui, lambda: gui.shell.manager.current == "form_review", what="review again")
        assert review.rows["household_size"].value == "4"
        gui.tap(review.ids.nav.ids.next_button)

        privacy = gui.screen("privacy")
        assert gui.shell.manager.current == "privacy"
        gui.tap(privacy.ids.legal)  # the plain first layer shows first; the legal text a tap away
        notice = " ".join(privacy.paragraphs)
        assert "6(1)(e)" in notice or "6. panta" in notice
        assert "Pabalsts kurināmā iegādei" in notice
        shot(gui, "07-privacy")
        done = await send(gui)

        # Identity form: held for the librarian, printed to be signed.
        assert done.status == "awaiting_identity" and done.registration_no == ""
        assert done.print_ok and done.preview.endswith(".png")
        assert done.ids.preview.texture is not None
        shot(gui, "08-done-identity")
        ack = done.ack
        assert stored(gui, ack.application_id) == []  # not sent before the ID check

        # The librarian signs in, checks the ID and confirms it from the review queue: the gateway
        # trusts an ID check only on an operator's session.
        backend = gui.services.backend
        desk = desk_of(backend)
        desk.session.pin.choose(DEMO_OPERATOR_NAME)
        for digit in DEMO_OPERATOR_PIN:
            desk.session.pin.type_digit(digit)
        assert await desk.sign_in() == "signed-in"
        [item] = [i for i in await desk.review.items() if i.kind is Kind.IDENTITY]
        assert await desk.resolve(item, "confirm-identity") == "identity-confirmed"
        receipt = backend.applications.receipts[ack.application_id]
        assert receipt.registration_no.startswith("KAC-")
        rows = stored(gui, ack.application_id)
        assert len(rows) == 1
        row, answers = rows[0]
        assert answers == FIREWOOD_ANSWERS
        assert row.status == "received" and row.identity_assurance == "librarian_checked_id"
        assert row.service_code == "heating-allowance" and row.lang == "lv"

        # Finish ends the visit: the answers are gone with it.
        gui.tap(done.ids.finish)
        assert gui.shell.manager.current == "home"
        assert APPLICATION_KEY not in gui.services.visit.data

    drive(scenario)


class _Down(httpx.AsyncBaseTransport):
    """The gateway's connection refused (like a dead server), then back."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def switchable_gateway(gui, monkeypatch) -> _Down:
    api = gui.services.backend.forms_api
    down = _Down(api._http._transport)
    monkeypatch.setattr(api._http, "_transport", down)
    monkeypatch.setattr(api, "backoff_s", 0.0)
    return down


def test_russian_keyboard_and_gateway_down_then_sent_exactly_once(gui, switchable_gateway):
    async def scenario() -> None:
        gui.tap(gui.screen("home").language_buttons["ru"])
        # The list itself needs the gateway: a plain message and "Try again".
        switchable_gateway.down = True
        gui.tap(gui.screen("home").choices["apply"])
        app = gui.screen("application")
        await until(gui, lambda: app.state == "unavailable", what="unavailable")
        assert app.ids.retry.opacity == 1 and not app.ids.retry.disabled
        assert "нет связи" in app.ids.status.text
        shot(gui, "10-list-unavailable-ru")
        switchable_gateway.down = False
        gui.tap(app.ids.retry)
        await until(gui, lambda: app.state == "list", what="the list")
        assert app.buttons["general-application"].label == "Общее заявление" or \
            app.buttons["general-application"].label
        gui.tap(app.buttons["general-application"])
        await until(gui, lambda: gui.shell.manager.current == "form_step")

        s = step(gui)
        kb = s.keyboard
        at_field(gui, "subject")
        assert kb.layout == "ru"  # the visit's language chose the Cyrillic layout
        type_on_keyboard(gui, kb, "Яма на дороге")
        assert s.display == "Яма на дороге"
        shot(gui, "11-keyboard-ru")
        next_(gui)
        at_field(gui, "text")
        type_on_keyboard(gui, kb, "Большая яма у школы, ул. Ёлки 5!")
        next_(gui)
        at_field(gui, "full_name")
        # The switch key: Latvian letters in a Russian visit.
        gui.tap(kb.keys["{lang}"])
        assert kb.layout == "lv"
        type_on_keyboard(gui, kb, "Oļegs Ivanovs")
        next_(gui)
        at_field(gui, "reply_channel")
        choose(gui, "library")
        next_(gui)
        at_field(gui, "library_info")  # an information-only question: just Next
        next_(gui)
        review = gui.screen("form_review")
        await until(gui, lambda: gui.shell.manager.current == "form_review")
        shot(gui, "12-review-ru")
        gui.tap(review.ids.nav.ids.next_button)

        switchable_gateway.down = True
        done = await send(gui)
        assert done.status == "will_be_sent" and done.registration_no == ""
        assert done.status_text == gettext(
            "Saved. It will be sent to the municipality as soon as the connection is back.", "ru")
        shot(gui, "13-done-will-be-sent-ru")
        ack = done.ack
        assert stored(gui, ack.application_id) == []

        switchable_gateway.down = False
        applications = gui.services.backend.applications
        assert await applications.flush_outbox() >= 1
        await applications.flush_outbox()
        rows = stored(gui, ack.application_id)
        assert len(rows) == 1
        assert rows[0][1] == {"subject": "Яма на дороге",
                              "text": "Большая яма у школы, ул. Ёлки 5!",
                              "full_name": "Oļegs Ivanovs", "reply_channel": "library"}
        assert rows[0][0].lang == "ru"

    drive(scenario)


def test_dead_end_has_a_way_home_and_the_idle_reset_wipes_answers(gui):
    async def scenario() -> None:
        await open_form(gui, "heating-allowance")
        from screens.form_step import demo_wizard

        s = step(gui)
        wizard = demo_wizard(s, "heating-allowance", upto="heating_type")
        s.begin_at("heating_type")
        choose(gui, "central")
        next_(gui)
        assert s.mode == "dead_end" and wizard.phase == "dead_end"
        assert "malkas" in s.help_text
        assert s.ids.nav.ids.next_button.label == gettext("Back to the start", "lv")
        shot(gui, "20-dead-end")
        gui.tap(s.ids.nav.ids.next_button)
        assert gui.shell.manager.current == "home"
        assert wizard_in_visit(gui) is None

        await open_form(gui, "general-application")
        type_on_keyboard(gui, step(gui).keyboard, "Ceļš")
        assert step(gui).display == "Ceļš"
        gui.shell.end_visit()  # what the inactivity timeout does
        gui.pump(2)
        assert gui.shell.manager.current == "home"
        assert APPLICATION_KEY not in gui.services.visit.data
        assert step(gui).display == "" and step(gui).field is None

    drive(scenario)


def test_latvian_keyboard_types_every_latvian_letter_and_capital(gui):
    from screens.keyboard import LetterKeyboard

    kb = LetterKeyboard(size_hint=(None, None), size=(1200, 400))
    gui.mount(kb)
    typed: list[str] = []
    kb.bind(on_key=lambda _kb, ch: typed.append(ch), on_backspace=lambda _kb: typed.pop())
    letters = "āčēģīķļņšūž"
    for ch in letters:
        gui.tap(kb.keys[ch], frames=1)
        gui.tap(kb.keys[SHIFT], frames=1)
        assert kb.keys[ch].label == ch.upper()
        gui.tap(kb.keys[ch], frames=1)
        assert not kb.shift  # one-shot
    assert "".join(typed) == "".join(c + c.upper() for c in letters)
    gui.tap(kb.keys[BACK], frames=1)
    assert typed[-1] == "ž"
    gui.tap(kb.keys["{lang}"], frames=1)
    assert kb.layout == "ru" and "ё" in kb.keys and "ā" not in kb.keys
    typed.clear()
    for ch in "ёжик":
        gui.tap(kb.keys[ch], frames=1)
    assert "".join(typed) == "ёжик"
    gui.mount(gui.shell.root)


VALMIERA = "Valmieras novada pašvaldība"
VALMIERA_DPO = "Valmieras novada pašvaldības datu aizsardzības speciālists, dati@valmierasnovads.lv"


def test_privacy_notice_names_the_configured_municipality_as_controller(gui, monkeypatch):
    """GDPR Art. 13: the controller is the kiosk's municipality (`[kiosk] municipality`), never a
    name built into the code."""
    cfg = gui.services.config
    monkeypatch.setattr(gui.services, "config", cfg.model_copy(update={"kiosk": cfg.kiosk.model_copy(
        update={"municipality": VALMIERA, "dpo_contact": VALMIERA_DPO})}))

    async def scenario() -> None:
        await open_form(gui, "general-application")
        s = step(gui)
        at_field(gui, "subject")
        type_on_keyboard(gui, s.keyboard, "Ceļš")
        next_(gui)
        at_field(gui, "text")
        type_on_keyboard(gui, s.keyboard, "Bedre")
        next_(gui)
        at_field(gui, "full_name")
        type_on_keyboard(gui, s.keyboard, "Anna Ozola")
        next_(gui)
        at_field(gui, "reply_channel")
        choose(gui, "library")
        next_(gui)
        at_field(gui, "library_info")
        next_(gui)
        review = gui.screen("form_review")
        await until(gui, lambda: gui.shell.manager.current == "form_review", what="review")
        gui.tap(review.ids.nav.ids.next_button)
        assert gui.shell.manager.current == "privacy"
        gui.tap(gui.screen("privacy").ids.legal)  # the legal text, one tap from the plain layer
        notice = " ".join(gui.screen("privacy").paragraphs)
        assert gettext("Your data is processed by {controller}.", "lv",
                       controller=VALMIERA) in gui.screen("privacy").paragraphs
        assert VALMIERA_DPO in notice
        assert "Cēsu" not in notice

    drive(scenario)
