"""The cash-shift screen's rules without a window (kiosk.desk.shift_close): the phases from "no
shift" to the handover, what a keypad key does in each, and that a counted cash differing from the
expected closes only with a reason — against the embedded gateway (real HTTP over ASGI), the
journal on disk and the preview printer (docs/architecture.md, "Counters, shifts and statistics").
"""

from __future__ import annotations

from typing import Any

from conftest import run
from test_desk_cash import signed_in

from kiosk.backend import Backend
from kiosk.desk.shift import DIFFERENCE_REASONS, ShiftDesk, reason_text, shift_of
from kiosk.desk.shift_close import CLEAR, ERASE, FLOAT_LIMIT_CENTS, ShiftClose, typed_cents
from launcher.embedded import DEMO_OPERATOR_NAME


async def signed_in_shift(backend: Backend) -> ShiftDesk:
    await signed_in(backend)  # the demo operator at the desk (test_desk_cash)
    return shift_of(backend)


def keys(closing: ShiftClose, typed: str) -> None:
    for key in typed:
        closing.type_key(key)


def test_typed_cents_grows_from_the_right_and_stops_at_the_limit() -> None:
    cents = 0
    for key in "5000":
        cents = typed_cents(cents, key, FLOAT_LIMIT_CENTS)
    assert cents == 5000
    assert typed_cents(cents, ERASE, FLOAT_LIMIT_CENTS) == 500
    assert typed_cents(cents, CLEAR, FLOAT_LIMIT_CENTS) == 0
    assert typed_cents(FLOAT_LIMIT_CENTS, "9", FLOAT_LIMIT_CENTS) == FLOAT_LIMIT_CENTS


def test_each_phase_asks_for_its_own_input() -> None:
    closing = ShiftClose(lambda: None)  # type: ignore[arg-type,return-value]  (no request is made)
    wanted = {}
    for phase in ("loading", "none", "open", "count", "closed", "done"):
        closing.phase = phase  # type: ignore[assignment]
        wanted[phase] = closing.input_wanted
    assert wanted == {"loading": "", "none": "keypad", "open": "", "count": "keypad",
                      "closed": "keyboard", "done": ""}
    closing.phase = "closed"
    closing.choose_field("bag_no")
    assert closing.input_wanted == "keypad"


def test_the_handover_texts_are_bounded_and_go_to_the_chosen_field() -> None:
    changes: list[str] = []
    closing = ShiftClose(lambda: None, changed=lambda: changes.append(closing.collector))  # type: ignore[arg-type,return-value]
    closing.phase = "closed"
    for ch in "J" * 130:
        closing.type_letter(ch)
    assert closing.collector == "J" * 120 and changes[-1] == closing.collector
    closing.erase_letter()
    assert len(closing.collector) == 119
    closing.choose_field("bag_no")
    keys(closing, "4" * 25)
    assert closing.bag_no == "4" * 20
    closing.type_key(CLEAR)
    assert closing.bag_no == ""
    assert closing.hand_over("lv") is None and closing.code == "handover-needs"


def test_a_shift_from_the_float_to_the_handover(backend_factory) -> None:
    backend = backend_factory()

    async def go() -> tuple[ShiftClose, dict[str, Any], dict[str, Any]]:
        desk = await signed_in_shift(backend)
        seen: list[str] = []
        closing = ShiftClose(lambda: desk, changed=lambda: seen.append(closing.phase))
        await closing.refresh()
        assert (closing.phase, closing.working, closing.code) == ("none", False, "")

        keys(closing, "5000")
        assert closing.float_cents == 5000
        work = closing.open_shift()
        assert closing.working  # busy from the tap on, before the gateway answers
        await work
        assert closing.phase == "open" and closing.opened.startswith(DEMO_OPERATOR_NAME + ", ")
        assert closing.expected_cents == 5000

        await closing.start_count()
        assert (closing.phase, closing.expected_cents, closing.counted_cents) == ("count", 5000, 0)
        closing.select(2000)
        keys(closing, "2")
        closing.select(500)
        keys(closing, "19")
        closing.type_key(ERASE)  # 1 note of 5 €
        assert closing.counts[2000] == 2 and closing.counts[500] == 1
        assert closing.counted_cents == 4500 and closing.reason_needed

        # A difference without a reason: refused at once, nothing sent.
        assert closing.close_shift("lv") is None
        assert (closing.phase, closing.code, desk.shift is not None) == ("count", "reason-required", True)
        closing.choose_reason("not a reason")
        assert closing.reason == ""
        closing.choose_reason(DIFFERENCE_REASONS[1])
        work = closing.close_shift("lv")
        assert work is not None
        await work
        assert (closing.phase, closing.field, closing.code) == ("closed", "collector", "z-printed")
        closed = dict(desk.shift or {})

        for ch in "Jānis":
            closing.type_letter(ch)
        closing.choose_field("bag_no")
        keys(closing, "457")
        work = closing.hand_over("lv")
        assert work is not None
        await work
        assert (closing.phase, closing.code) == ("done", "handover-printed")
        handover = dict(desk.handover or {})

        closing.finish()
        assert closing.phase == "loading" and desk.shift is None and closing.code == ""
        assert "count" in seen and "closed" in seen  # the screen was told at every step
        return closing, closed, handover

    _closing, closed, handover = run(go())
    assert (closed["expected_cash_cents"], closed["counted_cash_cents"], closed["difference_cents"]) == (
        5000, 4500, -500)
    assert closed["difference_reason"] == reason_text(DIFFERENCE_REASONS[1])  # kept in Latvian
    assert (handover["amount_cents"], handover["bag_no"], handover["collector_name"]) == (4500, "457", "Jānis")


def test_a_count_equal_to_the_expected_closes_without_a_reason(backend_factory) -> None:
    backend = backend_factory()

    async def go() -> dict[str, Any]:
        desk = await signed_in_shift(backend)
        closing = ShiftClose(lambda: desk)
        await closing.refresh()
        keys(closing, "1000")
        await closing.open_shift()
        await closing.start_count()
        closing.select(1000)
        keys(closing, "1")
        assert not closing.reason_needed
        work = closing.close_shift("lv")
        assert work is not None
        await work
        assert closing.phase == "closed", closing.code
        return dict(desk.shift or {})

    closed = run(go())
    assert closed["difference_cents"] == 0 and not closed["difference_reason"]


def test_a_refusal_shows_its_code_and_keeps_the_phase(backend_factory) -> None:
    backend = backend_factory()

    async def go() -> ShiftClose:
        desk = await signed_in_shift(backend)
        closing = ShiftClose(lambda: desk)
        await closing.refresh()
        keys(closing, "1000")
        await closing.open_shift()
        other = ShiftClose(lambda: desk)  # a second screen still believing no shift is open
        other.phase = "none"
        keys(other, "500")
        await other.open_shift()
        return other

    other = run(go())
    assert (other.phase, other.working, other.code) == ("none", False, "shift-already-open")
