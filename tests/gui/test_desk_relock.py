"""The desk a librarian walks away from, on the real screens: the countdown over a resident screen
opened from the desk, the lock when it runs out, and the PIN asked again (sudo's timestamp) before
a lookup by person and before the way back into the desk from a resident screen.

The idle time and the PIN's freshness are shortened on the guard and the session so that the
test waits for the events themselves (the countdown shown, the lock, the PIN gone stale), never for
a fixed moment; the defaults are checked in tests/flows/test_desk_relock_core.py. Real touches;
the embedded gateway with its demo operator.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from payment_path_helpers import ready_backend, run, until
from test_desk import current, sign_in

from gateway.demo_data import PAYER_CODES
from launcher.embedded import DEMO_OPERATOR_NAME, DEMO_OPERATOR_PIN
from screens.desk_common import desk_guard

# Not test_desk's payer: the GUI tests of a process share one embedded gateway, and test_desk
# pays its payer's invoices in cash, after which a lookup finds nothing open.
PAYER = "Sarmīte Čakste"  # property tax 2026000661 and 2026000668, both open; no GUI test pays them


def events(backend: Any, kind: str) -> list[str]:
    return [e["note"] for e in backend.journal.events() if e["to_state"] == kind]


def type_pin(gui: Any, pin: str = DEMO_OPERATOR_PIN) -> None:
    pad = gui.screen("desk_pin")
    for d in pin:
        gui.tap(pad.ids.keypad.keys[d], frames=1)


@pytest.fixture(autouse=True)
def restored_times(gui: Any) -> Iterator[None]:
    """The shell outlives the test: its guard and session get their configured times back."""
    yield
    guard = desk_guard(gui.shell)
    cfg = gui.services.config.desk
    guard.lock_after_s, guard.warn_s = cfg.inactivity_lock_s, min(20.0, cfg.inactivity_lock_s / 3)
    guard.desk.session.pin_fresh_s = cfg.pin_fresh_s
    guard.lock("test ended")


def test_desk_relock_counts_down_over_a_resident_screen_and_locks(gui) -> None:
    async def scenario() -> None:
        backend = await ready_backend(gui)
        gui.tap(gui.screen("home").choices["pay"])
        gui.screen("find").ask_librarian()
        assert current(gui) == "librarian"
        desk = await sign_in(gui, screen="librarian")
        assert current(gui) == "desk_home"
        guard = desk_guard(gui.shell)
        guard.lock_after_s, guard.warn_s = 6.0, 5.0
        guard._on_touch()  # the shortened idle time counts from now
        gui.go("find")  # a resident screen opened from the desk: the badge floats over it
        assert guard.badge.parent is not None

        await until(gui, lambda: guard.countdown.parent is not None, timeout=30,
                    what="the countdown")
        assert desk.session.signed_in and current(gui) == "find"
        assert 0 < guard.countdown.seconds <= 5
        assert guard.countdown.text.startswith("Darba vieta tiks slēgta pēc ")
        gui.screenshot("desk-relock-countdown")

        gui.tap(guard.countdown)  # a touch keeps the desk open; nothing under it is pressed
        assert guard.countdown.parent is None and desk.session.signed_in
        assert current(gui) == "find"

        await until(gui, lambda: not desk.session.signed_in, timeout=30, what="the lock")
        assert current(gui) == "home" and guard.badge.parent is None
        assert guard.countdown.parent is None
        await until(gui, lambda: bool(events(backend, "LOCKED")), what="the audit line")
        assert events(backend, "LOCKED")[-1] == f"{DEMO_OPERATOR_NAME}: inactivity"
        # A stranger cannot reach a lookup by person: the desk's screens show Home.
        gui.shell.go("desk_find")
        await until(gui, lambda: current(gui) == "home", what="Home instead of the desk")

    run(scenario())


def test_desk_relock_personal_code_on_a_desk_left_idle_gets_the_pin_pad(gui) -> None:
    async def scenario() -> None:
        backend = await ready_backend(gui)
        desk = await sign_in(gui)
        find = gui.screen("desk_find")
        gui.tap(gui.screen("desk_home").ids.find)
        assert current(gui) == "desk_find"
        gui.tap(find.documents["id-card"])
        gui.tap(find.ids.id_checked)
        # The librarian kept touching, but typed no PIN and looked nobody up for longer than
        # [desk] pin_fresh_s (shortened here; the desk itself stays open).
        desk.session.pin_fresh_s = 0.5
        await until(gui, lambda: not desk.session.pin_fresh(), what="the PIN gone stale")
        searches = len(events(backend, "PERSON_SEARCH"))
        for d in PAYER_CODES[PAYER]:
            gui.tap(find.ids.keypad.keys[d], frames=1)
        gui.tap(find.ids.find)

        pad = gui.screen("desk_pin")
        await until(gui, lambda: current(gui) == "desk_pin", what="the PIN pad")
        assert pad.reauth and list(pad.buttons) == [DEMO_OPERATOR_NAME]
        assert pad.ids.title.text == "Apstipriniet ar savu PIN"
        assert pad.ids.message.text == "Lai turpinātu, ievadiet savu PIN vēlreiz."
        assert len(events(backend, "PERSON_SEARCH")) == searches  # nothing was looked up
        gui.screenshot("desk-relock-pin-again")

        desk.session.pin_fresh_s = 120.0
        type_pin(gui)
        gui.tap(pad.ids.sign_in)  # "Continue": the lookup the librarian asked for goes on
        await until(gui, lambda: current(gui) == "desk_person", timeout=60,
                    what="the person's invoices")
        assert len(events(backend, "PERSON_SEARCH")) == searches + 1
        assert events(backend, "PIN_CONFIRMED")[-1] == DEMO_OPERATOR_NAME
        assert desk.session.signed_in and desk.session.pin_fresh()

    run(scenario())


def test_desk_relock_back_from_a_resident_screen_needs_the_pin(gui) -> None:
    async def scenario() -> None:
        await ready_backend(gui)
        desk = await sign_in(gui)
        guard = desk_guard(gui.shell)
        gui.go("librarian")  # a resident screen opened from the desk (its Back: the history)
        desk.session.pin_fresh_s = 0.5
        await until(gui, lambda: not desk.session.pin_fresh(), what="the PIN gone stale")

        gui.tap(guard.badge.ids.desk)  # the badge's "Desk"
        await until(gui, lambda: current(gui) == "desk_pin", what="the PIN pad")
        pad = gui.screen("desk_pin")
        assert pad.reauth
        gui.tap(pad.ids.cancel)  # not the librarian: back to the resident screen, no desk
        await until(gui, lambda: current(gui) == "librarian", what="back on the resident screen")

        gui.screen("librarian").go_back()  # Back leads into the desk's history: the PIN first
        await until(gui, lambda: current(gui) == "desk_pin", what="the PIN pad again")
        desk.session.pin_fresh_s = 120.0
        type_pin(gui)
        gui.tap(pad.ids.sign_in)
        await until(gui, lambda: current(gui) == "desk_home", timeout=60, what="the desk")
        assert desk.session.signed_in

    run(scenario())
