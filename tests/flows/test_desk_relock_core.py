"""The PIN's freshness in the core (sudo's timestamp): once `[desk] pin_fresh_s` passed since the
PIN was typed or used, a lookup by person and cash are refused (`pin-stale`) without a word to
the gateway, and the PIN typed again (`reconfirm`) lets the same work go on.

The embedded gateway (real HTTP over ASGI, its demo operator), the journal on disk, and the
session counted on a clock the test moves.
"""

from __future__ import annotations

from conftest import run

from gateway.demo_data import PAYER_CODES
from kiosk.config import KioskConfig
from kiosk.desk.service import desk_of
from launcher.embedded import DEMO_OPERATOR_NAME, DEMO_OPERATOR_PIN

PAYER = "Juris Ļaviņš"  # two open waste invoices in the demo data


class Seconds:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def test_desk_relock_defaults_lock_in_a_minute_and_ask_the_pin_after_two() -> None:
    desk = KioskConfig().desk
    assert desk.inactivity_lock_s == 60
    assert desk.pin_fresh_s == 120


def test_desk_relock_stale_pin_refuses_lookup_and_cash_until_typed_again(backend_factory) -> None:
    backend = backend_factory()

    async def go() -> None:
        await backend.start()
        desk = desk_of(backend)
        clock = Seconds()
        desk.session.count_on(clock)
        desk.session.pin.choose(DEMO_OPERATOR_NAME)
        for d in DEMO_OPERATOR_PIN:
            desk.session.pin.type_digit(d)
        assert await desk.sign_in() == "signed-in"
        work = desk.work
        assert work is not None
        work.lookup.choose_document("passport")
        for d in PAYER_CODES[PAYER]:
            work.lookup.type_digit(d)

        clock.now += desk.session.pin_fresh_s + 1
        searches = [e for e in backend.journal.events() if e["to_state"] == "PERSON_SEARCH"]
        assert not desk.session.pin_fresh()
        assert await desk.find_person() == "pin-stale"
        assert await desk.pay_cash(lang="lv") == "pin-stale"
        assert [e for e in backend.journal.events()
                if e["to_state"] == "PERSON_SEARCH"] == searches  # nothing was asked

        old_token = desk.session.token()
        desk.session.pin.choose(DEMO_OPERATOR_NAME)
        for d in "999999":
            desk.session.pin.type_digit(d)
        assert await desk.session.reconfirm() == "pin-wrong"
        assert desk.session.signed_in and not desk.session.pin_fresh()
        for d in DEMO_OPERATOR_PIN:
            desk.session.pin.type_digit(d)
        assert await desk.session.reconfirm() == "pin-confirmed"
        assert desk.session.pin_fresh() and desk.work is work  # the work goes on
        assert desk.session.token() not in (None, old_token)  # a new session replaced it
        assert await desk.find_person() == "found", work.lookup.error

        # Used within the window, the PIN stays fresh (the timestamp moves with each use).
        clock.now += desk.session.pin_fresh_s - 1
        for d in PAYER_CODES[PAYER]:  # the code is forgotten once the gateway answered
            work.lookup.type_digit(d)
        assert await desk.find_person() == "found"
        clock.now += desk.session.pin_fresh_s - 1
        assert desk.session.pin_fresh()
        events = [e["to_state"] for e in backend.journal.events()]
        assert "PIN_REFUSED" in events and "PIN_CONFIRMED" in events

    run(go())
