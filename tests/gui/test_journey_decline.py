"""A declined card never strands the resident.

Walked on the real screens with the simulated terminal's cent scenarios (,91 declines): after the
decline, Back and "Back to the list" lead to the list, "Try again" leads to Confirm and Back from
there to the list (never to "Not paid"), no check mark is shown on a failure, the language can be
changed mid-way, and the second card pays; nothing was charged for the declines.
"""

from __future__ import annotations

from payment_path_helpers import ready_backend, run, scenarios, steer_cents, type_on_keypad, until

from gateway.demo_data import demo_invoice
from kiosk.journal import MoneyState
from kiosk.payments.visit import payment_visit

RENT = "2026000514"  # a rent invoice no other test pays


def _current(gui) -> str:
    return gui.shell.manager.current


def _nav(screen):
    return next(w for w in screen.walk() if type(w).__name__ == "NavBar")


def _no_check_mark(screen) -> None:
    for w in screen.walk():
        if type(w).__name__ in ("KButton", "NavButton", "KToggle") and w.get_root_window():
            assert "\u2713" not in w.symbol and "\u2713" not in w.label, w.label


async def _pay(gui):
    gui.tap(gui.screen("confirm").ids.pay)
    outcome = gui.screen("outcome")
    await until(gui, lambda: _current(gui) == "outcome" and outcome.kind not in ("", "resolving"),
                what="outcome")
    return outcome


def test_journey_pay_after_a_decline(gui) -> None:
    async def scenario():
        backend = await ready_backend(gui)
        with scenarios(gui) as sim:
            gui.tap(gui.screen("home").choices["pay"])
            inv = demo_invoice(RENT)
            type_on_keypad(gui, inv.notice_number + inv.check_value)
            gui.tap(gui.screen("find").ids.find)
            invoices = gui.screen("invoices")
            await until(gui, lambda: _current(gui) == "invoices", what="the list")
            steer_cents(gui, 1091)  # ,91: the card is declined
            gui.tap(invoices.ids.proceed)
            charges = sim.charges

            outcome = await _pay(gui)
            assert outcome.kind == "not_paid" and outcome.code == "card_declined"
            assert outcome.visible_buttons() == ["try_again", "back_to_list"]
            _no_check_mark(outcome)
            assert outcome.show_back and outcome.show_start_over
            gui.screenshot("journey-decline-01-not-paid")

            # Back leads to the list, with the invoice still in it.
            gui.tap(_nav(outcome).ids.back)
            assert _current(gui) == "invoices" and invoices.count == 1
            gui.screenshot("journey-decline-02-back-to-the-list")

            # Declined again; "Try again" goes to Confirm, and Back from there to the list.
            gui.tap(invoices.ids.proceed)
            outcome = await _pay(gui)
            assert outcome.kind == "not_paid"
            gui.tap(outcome.buttons["try_again"])
            assert _current(gui) == "confirm"
            gui.tap(_nav(gui.screen("confirm")).ids.back)
            assert _current(gui) == "invoices", "Back from Confirm must never show the failure again"

            # The other button says where it goes, and goes there.
            gui.tap(invoices.ids.proceed)
            outcome = await _pay(gui)
            gui.tap(outcome.buttons["back_to_list"])
            assert _current(gui) == "invoices"
            assert sim.charges == charges  # three declines, nothing charged

            # The resident switches to English from the list itself, then pays with a good card.
            gui.tap(next(b for b in _nav(invoices).ids.languages.children if b.lang == "en"))
            assert gui.services.visit.language == "en"
            assert invoices.ids.proceed.label == "Continue"
            steer_cents(gui, 1000)
            gui.tap(invoices.ids.proceed)
            outcome = await _pay(gui)
            await until(gui, lambda: outcome.ids.preview.texture is not None, what="receipt")
            assert outcome.kind == "paid" and outcome.result.printed
            assert outcome.buttons["done"].symbol == "\u2713" and outcome.buttons["done"].label == "Done"
            assert not outcome.show_back  # paid: no way back into the payment
            assert sim.charges == charges + 1
            entry = backend.journal.get(outcome.result.client_txn_id)
            assert entry.money_state is MoneyState.POSTED
            assert not payment_visit(gui.services.visit).cart.lines  # a paid list is emptied
            gui.screenshot("journey-decline-03-paid")
            gui.tap(outcome.buttons["done"])
            assert _current(gui) == "home"

    run(scenario())
