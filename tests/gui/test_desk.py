"""The librarian's desk on the real screens: the hidden gesture, the PIN pad, the ID check, lookup
by personal code, two invoices paid in cash with change (the drawer kick and the cash receipt
decoded from the printer's bytes; the gateway's own table says cash, once), locking, and taking
over a resident's visit. Real touches; the embedded gateway with its demo operator.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from kivy.tests.common import UnitTestTouch
from payment_path_helpers import ready_backend, run, type_on_keypad, until
from sqlalchemy import text

from gateway.demo_data import PAYER_CODES, demo_invoice
from kiosk.desk.service import desk_of
from kiosk.journal import MoneyState, ReceiptState
from kiosk.payments.visit import payment_visit
from launcher.embedded import DEMO_OPERATOR_NAME, DEMO_OPERATOR_PIN

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "printer"))
from escpos_decode import decode, model_pages

M, R = MoneyState, ReceiptState
PAYER = "Zane Āboliņa"  # waste 2026000598 and water 2026000605, both open
TAKEN_OVER = "2026000724"  # water, Kārlis Dūmiņš: a resident's cart the librarian takes over


def current(gui: Any) -> str:
    return str(gui.shell.manager.current)


def gateway_payments(gui: Any, txn: str) -> list[tuple[str, str, int]]:
    engine = gui.services.backend.link.handle.app.state.gateway.engine
    with engine.connect() as con:
        return [tuple(r) for r in con.execute(text(
            "SELECT client_txn_id, method, amount_cents FROM payments WHERE client_txn_id = :t"),
            {"t": txn})]


async def hold_corner(gui: Any, seconds: float, screen: str = "home",
                      until: Any = None) -> None:
    """A finger on the corner of Home (or "Ask the librarian") for `seconds` of real time, or,
    with `until`, for as long as it takes `until()` to come true (at most `seconds`): a busy
    machine's slow frames must not lift the finger before Kivy's clock saw the hold."""
    import asyncio
    import time

    gui.pump(3)  # the screen laid out and showing
    corner = gui.screen(screen).corner_hold
    touch = UnitTestTouch(*corner.to_window(*corner.center))
    touch.touch_down()
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not (until is not None and until()):
            gui.pump(1)
            await asyncio.sleep(0.02)
    finally:
        touch.touch_up()
        gui.pump(2)


async def sign_in(gui: Any, pin: str = DEMO_OPERATOR_PIN, screen: str = "home") -> Any:
    """The hidden gesture, then the PIN pad: the demo operator signs in."""
    await hold_corner(gui, 60.0, screen, until=lambda: current(gui) == "desk_pin")
    assert current(gui) == "desk_pin"
    pad = gui.screen("desk_pin")
    await until(gui, lambda: DEMO_OPERATOR_NAME in pad.buttons, what="the operator list")
    gui.tap(pad.buttons[DEMO_OPERATOR_NAME])
    for d in pin:
        gui.tap(pad.ids.keypad.keys[d], frames=1)
    assert pad.dots == "\u2022" * len(pin) and pin not in pad.ids.pin.text
    gui.tap(pad.ids.sign_in)
    await until(gui, lambda: current(gui) != "desk_pin" or pad.notice, what="signed in")
    return desk_of(gui.services.backend)


def test_sign_in_check_id_find_person_pay_two_invoices_in_cash(gui) -> None:
    async def scenario() -> None:
        backend = await ready_backend(gui)
        device = backend.printer.printer
        device.cash_drawer = True  # `[printer] cash_drawer = true`: a drawer hangs on the printer
        try:
            await walk(gui, backend)
        finally:
            device.cash_drawer = False

    async def walk(gui: Any, backend: Any) -> None:
        desk = await sign_in(gui)
        assert current(gui) == "desk_home" and desk.operator == DEMO_OPERATOR_NAME
        gui.screenshot("desk-01-home")
        assert gui.services.visit.busy  # no resident inactivity reset while the desk is open

        home = gui.screen("desk_home")
        gui.tap(home.ids.find)
        find = gui.screen("desk_find")
        assert current(gui) == "desk_find" and find.step == "id"
        assert find.ids.id_checked.disabled  # no personal code before the ID check
        gui.tap(find.documents["id-card"])
        gui.tap(find.ids.id_checked)
        assert find.step == "code"
        for d in PAYER_CODES[PAYER]:
            gui.tap(find.ids.keypad.keys[d], frames=1)
        assert find.code == f"{PAYER_CODES[PAYER][:6]}-{PAYER_CODES[PAYER][6:]}"
        gui.screenshot("desk-02-code")
        gui.tap(find.ids.find)
        await until(gui, lambda: current(gui) == "desk_person", what="the person's invoices")

        person = gui.screen("desk_person")
        assert len(person.rows) == 2 and person.count == 2
        assert all(PAYER in row.label for row in person.rows.values())  # unmasked for the desk
        assert find.code == ""  # the code is not kept once the gateway answered
        gui.screenshot("desk-03-person")
        due = sum(p.invoice.due_now_cents for p in desk.work.lookup.found)
        gui.tap(person.ids.cash)
        cash = gui.screen("desk_cash")
        assert current(gui) == "desk_cash"
        total = cash.total_cents
        assert total == due and 0 < total < 10000
        for d in "10000":  # 100,00 € handed over
            gui.tap(cash.ids.keypad.keys[d], frames=1)
        assert cash.tendered_cents == 10000
        change = 10000 - total
        assert cash.ids.change.text.replace("\xa0", " ").endswith(
            f"{change // 100},{change % 100:02d} €")
        gui.screenshot("desk-04-till")
        gui.tap(cash.ids.pay_cash)
        await until(gui, lambda: not cash.paying and cash.receipt_no, what="the cash payment")
        gui.screenshot("desk-05-paid")
        assert "Samaksāts skaidrā naudā" in cash.ids.message.text

        [entry] = [e for e in backend.journal.payments() if e.receipt_no == cash.receipt_no]
        assert entry.method == "cash" and entry.amount_cents == total
        assert entry.money_state is M.POSTED and entry.receipt_state is R.PRINTED
        assert gateway_payments(gui, entry.client_txn_id) == [
            (entry.client_txn_id, "cash", total)]  # posted once, as cash
        data = (backend.printer.spool.printed_dir / f"{entry.receipt_no}.bin").read_bytes()
        job = decode(data, model_pages(backend.printer.model))
        assert len(job.of("drawer")) == 1
        paper = "\n".join(job.texts)
        assert "Samaksāts skaidrā naudā" in paper and "100,00" in paper
        assert f"{change // 100},{change % 100:02d}" in paper and PAYER not in paper

        gui.tap(cash.ids.title.ids.bar.ids.lock)
        assert current(gui) == "home" and not desk.session.signed_in
        assert not gui.services.visit.busy and desk.work is None

    run(scenario())


def test_residents_cannot_reach_the_desk_by_tapping_around(gui) -> None:
    async def scenario() -> None:
        await ready_backend(gui)
        await hold_corner(gui, 1.0)  # too short
        assert current(gui) == "home"
        home = gui.screen("home")
        for btn in [*home.choices.values(), *home.language_buttons.values(),
                    home.ids.large_text, home.ids.high_contrast]:
            gui.tap(btn)
            assert not current(gui).startswith("desk_")
            gui.shell.home()
        # A desk screen reached without a session (a stray history entry) shows Home instead.
        gui.shell.go("desk_home")
        gui.pump(3)
        assert current(gui) == "home"
        # A long press elsewhere than the corner does nothing.
        title = home.ids.title
        touch = UnitTestTouch(*title.to_window(title.right - 5, title.center_y))
        touch.touch_down()
        gui.pump(2)
        assert not home.corner_hold.collide_point(*touch.pos)
        touch.touch_up()
        assert current(gui) == "home"

    run(scenario())


def test_wrong_pin_says_so_and_signs_nobody_in(gui) -> None:
    async def scenario() -> None:
        await ready_backend(gui)
        desk = await sign_in(gui, pin="999999")
        pad = gui.screen("desk_pin")
        assert current(gui) == "desk_pin" and not desk.session.signed_in
        assert pad.ids.message.text == "Nepareizs PIN. Lūdzu, mēģiniet vēlreiz."
        assert pad.dots == ""
        gui.screenshot("desk-pin-wrong")
        gui.tap(pad.ids.cancel)
        assert current(gui) == "home"

    run(scenario())


def test_the_desk_locks_after_inactivity_and_when_home_returns(gui, fake_clock) -> None:
    async def scenario() -> None:
        backend = await ready_backend(gui)
        desk = desk_of(backend)
        desk.session.pin.choose(DEMO_OPERATOR_NAME)
        for d in DEMO_OPERATOR_PIN:
            desk.session.pin.type_digit(d)
        assert await desk.sign_in() == "signed-in"
        gui.shell.go("desk_home")
        gui.pump(2)
        fake_clock.advance(gui.services.config.desk.inactivity_lock_s - 5)
        assert current(gui) == "desk_home" and desk.session.signed_in
        fake_clock.advance(10)
        assert current(gui) == "home" and not desk.session.signed_in

        assert await desk.sign_in() == "choose-operator"  # the PIN pad was reset with the lock
        desk.session.pin.choose(DEMO_OPERATOR_NAME)
        for d in DEMO_OPERATOR_PIN:
            desk.session.pin.type_digit(d)
        assert await desk.sign_in() == "signed-in"
        gui.shell.go("desk_review")
        gui.pump(2)
        gui.shell.home()  # the resident's Home returns: the desk locks with it
        gui.pump(2)
        assert not desk.session.signed_in

        def locks() -> list[str]:
            return [e["note"] for e in backend.journal.events() if e["to_state"] == "LOCKED"]

        await until(gui, lambda: locks()[-1].endswith("returned"), what="the audit line")
        assert locks()[-2:] == [f"{DEMO_OPERATOR_NAME}: inactivity",
                                f"{DEMO_OPERATOR_NAME}: the resident's home screen returned"]

    run(scenario())


def test_a_residents_cart_is_taken_over_and_paid_at_the_desk(gui) -> None:
    async def scenario() -> None:
        backend = await ready_backend(gui)
        home = gui.screen("home")
        gui.tap(home.choices["pay"])  # the resident finds an invoice, then calls the librarian
        inv = demo_invoice(TAKEN_OVER)
        type_on_keypad(gui, inv.notice_number + inv.check_value)
        gui.tap(gui.screen("find").ids.find)
        await until(gui, lambda: current(gui) == "invoices", what="the resident's cart")
        cart = payment_visit(gui.services.visit).cart
        assert len(cart.lines) == 1
        # The resident asks for the librarian, who makes the gesture there (Home would end the
        # resident's visit).
        gui.screen("invoices").ask_librarian()  # its nav bar's button
        assert current(gui) == "librarian"
        desk = await sign_in(gui, screen="librarian")
        desk_home = gui.screen("desk_home")
        assert desk_home.takeable == "cart" and not desk_home.ids.take_over.disabled
        gui.tap(desk_home.ids.take_over)
        await until(gui, lambda: current(gui) == "desk_cash", what="the taken-over cart")
        cash = gui.screen("desk_cash")
        assert cash.total_cents == cart.total_cents
        gui.tap(cash.ids.quick.children[-1])  # "Exact"
        gui.tap(cash.ids.pay_cash)
        await until(gui, lambda: not cash.paying and cash.receipt_no, what="the cash payment")
        assert not cart.lines  # the resident's own cart is empty: it cannot be paid twice
        notes = [e["note"] for e in backend.journal.events() if e["to_state"] == "TAKEOVER"]
        assert notes[-1].startswith(f"{desk.operator}: cart of 1 invoice(s)")
        visits = gui.shell.visits_ended
        gui.tap(cash.ids.title.ids.bar.ids.lock)
        assert current(gui) == "home" and gui.shell.visits_ended == visits + 1  # the visit ended
        assert not payment_visit(gui.services.visit).cart.lines

    run(scenario())


# Typed as a resident would (the wizard checks and normalises them as the form screens do).
APPLICANT = {"full_name": "Jānis Kalniņš", "personal_code": "32503511782", "address": "Zosēni"}
REST = {"household_size": "2", "income_status": "needy", "monthly_income": "410",
        "income_sources": ["pension"], "heating_type": "other_fuel", "payment_method": "cash",
        "declaration": "jā"}


def answer_steps(wizard: Any, answers: dict[str, Any], steps: int | None = None) -> None:
    done = 0
    while wizard.phase == "steps" and (steps is None or done < steps):
        for _ in range(2):  # an answer may show a later field of the same step
            for f in wizard.visible_fields():
                if f.is_input and f.code in answers:
                    assert wizard.set_answer(f.code, answers[f.code]).ok, f.code
        assert wizard.next(), wizard.errors
        done += 1


def test_half_filled_firewood_application_taken_over_and_submitted(gui) -> None:
    async def scenario() -> None:
        backend = await ready_backend(gui)
        visit = gui.services.visit
        gui.tap(gui.screen("home").choices["apply"])
        app = gui.screen("application")
        await until(gui, lambda: "heating-allowance" in app.buttons, what="the list of forms")
        gui.tap(app.buttons["heating-allowance"])
        await until(gui, lambda: current(gui) == "form_step", what="the first question")
        step = gui.screen("form_step")
        wizard = visit.data["application"].wizard
        answer_steps(wizard, APPLICANT, steps=1)  # the resident gets through the first step
        step.render(entering="first")
        resident_step = wizard.step_id
        gui.tap(step.ids.nav.ids.librarian)  # ...and asks for help
        assert current(gui) == "librarian"

        desk = await sign_in(gui, screen="librarian")
        desk_home = gui.screen("desk_home")
        assert desk_home.takeable == "application"
        gui.screenshot("desk-06-take-over")
        gui.tap(desk_home.ids.take_over)
        await until(gui, lambda: current(gui) == "form_step", what="the form where it stopped")
        assert visit.data["application"].wizard is wizard and wizard.step_id == resident_step
        guard_badge = next(w for w in gui.shell.root.children if type(w).__name__ == "DeskBadge")
        assert guard_badge.operator == DEMO_OPERATOR_NAME  # the desk stays visibly open
        gui.screenshot("desk-07-form-taken-over")

        answer_steps(wizard, REST)  # the librarian goes on from there
        assert wizard.phase == "review"
        review = gui.screen("form_review")
        review.refresh()
        gui.shell.manager.current = "form_review"
        gui.pump(2)
        gui.tap(review.ids.nav.ids.next_button)
        assert current(gui) == "privacy"
        gui.tap(gui.screen("privacy").ids.send)
        done = gui.screen("application_done")
        await until(gui, lambda: current(gui) == "application_done" and not done.printing,
                    what="sent and printed")
        ack = done.ack
        assert ack.status == "received" and done.registration_no == ack.registration_no
        gui.screenshot("desk-08-taken-over-received")

        engine = backend.link.handle.app.state.gateway.engine
        with engine.connect() as con:
            [row] = con.execute(text(
                "SELECT status, confirmed_by FROM applications WHERE client_application_id = :a"),
                {"a": ack.application_id}).all()
            events = con.execute(text(
                "SELECT detail FROM operator_events WHERE kind = 'take-over'")).all()
        assert tuple(row) == ("received", DEMO_OPERATOR_NAME)
        assert any(d.startswith("application heating-allowance") for (d,) in events)
        notes = [e["note"] for e in backend.journal.events() if e["to_state"] == "TAKEOVER"]
        assert notes[-1].startswith(
            f"{desk.operator}: application heating-allowance at steps {resident_step}")
        gui.tap(guard_badge.ids.lock)
        assert current(gui) == "home" and not desk.session.signed_in

    run(scenario())
