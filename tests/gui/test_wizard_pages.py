"""The application wizard's pages by real taps: the page counter moves on
every page and its total never grows, one-of-several looks unlike any-of-several and says so, the
examples in the help can be typed on the keypad shown, and the keypad stays put when a message
appears under the answer."""

from __future__ import annotations

import itertools
import re
from typing import Any

from test_application_path import (
    FIREWOOD_ANSWERS,
    at_field,
    choose,
    drive,
    next_,
    open_form,
    shot,
    step,
    type_on_keyboard,
    type_on_numpad,
)

from common.i18n import gettext

PAGE = re.compile(r"(\d+)\D+(\d+)")


def _page(gui: Any) -> tuple[int, int]:
    m = PAGE.search(step(gui).progress_text)
    assert m, step(gui).progress_text
    return int(m.group(1)), int(m.group(2))


def _skip_applicant(gui: Any) -> None:
    """The first step's answers put straight in the answer box (typing them is tested above)."""
    s = step(gui)
    for code, text in (("full_name", "Jānis"), ("personal_code", "120375-12340"),
                       ("address", "Cēsis"), ("phone", "")):
        at_field(gui, code)
        s.buffer = text
        next_(gui)


def test_page_counter_moves_on_every_page_and_its_total_never_grows(gui) -> None:
    async def scenario() -> None:
        await open_form(gui, "heating-allowance")
        s, kb = step(gui), step(gui).keyboard
        answers: list[tuple[str, Any]] = [
            ("full_name", lambda: type_on_keyboard(gui, kb, "Jānis")),
            ("personal_code", lambda: type_on_numpad(gui, s.numpad, "120375-12340")),
            ("address", lambda: type_on_keyboard(gui, kb, "Cēsis")),
            ("phone", lambda: None),
            ("household_size", lambda: type_on_numpad(gui, s.numpad, "3")),
            ("income_status", lambda: choose(gui, "low_income")),
            ("monthly_income", lambda: type_on_numpad(gui, s.numpad, "640,50")),
            ("income_sources", lambda: choose(gui, "pension")),
            ("heating_type", lambda: choose(gui, "wood")),  # routes to the firewood step
            ("firewood_m3", lambda: type_on_numpad(gui, s.numpad, "12,5")),
            ("payment_method", lambda: choose(gui, "bank")),  # shows the IBAN question
            ("iban", lambda: type_on_keyboard(gui, kb, FIREWOOD_ANSWERS["iban"])),
            ("declaration", lambda: choose(gui, "yes")),
        ]
        seen: list[tuple[int, int]] = []
        for code, answer in answers:
            at_field(gui, code)
            seen.append(_page(gui))
            answer()
            next_(gui)
        assert gui.shell.manager.current == "form_review"
        numbers = [n for n, _ in seen]
        totals = [t for _, t in seen]
        assert numbers == list(range(1, len(answers) + 1)), seen
        assert all(a >= b for a, b in itertools.pairwise(totals)), seen
        assert totals[-1] == numbers[-1], seen

    drive(scenario)


def test_one_of_several_looks_unlike_any_of_several_and_says_so(gui) -> None:
    async def scenario() -> None:
        await open_form(gui, "heating-allowance")
        s = step(gui)
        _skip_applicant(gui)
        type_on_numpad(gui, s.numpad, "3")
        next_(gui)
        at_field(gui, "income_status")
        gui.pump(2)
        single = {t.symbol for t in s.toggles.values()}
        assert s.ids.choice_hint.text == gettext("Choose one answer.", "lv")
        choose(gui, "low_income")
        picked = s.toggles["low_income"].symbol
        shot(gui, "wizard-choice-one")
        next_(gui)
        type_on_numpad(gui, s.numpad, "640,00")
        next_(gui)
        at_field(gui, "income_sources")
        gui.pump(2)
        multi = {t.symbol for t in s.toggles.values()}
        assert s.ids.choice_hint.text == gettext("Choose all that apply.", "lv")
        assert s.ids.choice_hint.height > 0
        choose(gui, "pension", "salary")
        shot(gui, "wizard-choice-all")
        assert not single & multi, (single, multi)
        assert picked not in {t.symbol for t in s.toggles.values()}

    drive(scenario)


def test_examples_in_the_help_can_be_typed_and_the_keypad_stays_put(gui) -> None:
    async def scenario() -> None:
        await open_form(gui, "heating-allowance")
        s = step(gui)
        _skip_applicant(gui)
        at_field(gui, "household_size")
        key = s.numpad.key_for("1")
        before = (key.to_window(*key.pos), key.size[:])
        type_on_numpad(gui, s.numpad, "0")
        next_(gui)
        assert s.error
        gui.pump(3)
        assert (key.to_window(*key.pos), key.size[:]) == before, "the keypad moved"
        shot(gui, "wizard-keypad-error")
        s.buffer = "3"
        next_(gui)
        choose(gui, "low_income")
        next_(gui)
        at_field(gui, "monthly_income")
        for lang in ("lv", "en", "ru"):
            gui.services.visit.set_language(lang)
            gui.pump(2)
            examples = re.findall(r"\d[\d.,]*\d", s.help_text)
            assert examples, (lang, s.help_text)
            for example in examples:
                s.buffer = ""
                type_on_numpad(gui, s.numpad, example)  # every character has a key
                assert s.display == example

    drive(scenario)
