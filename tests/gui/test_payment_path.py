"""The resident's payment path on the real screens: scan + keypad, two payers, receipt on screen;
rate limiting; the idle reset; no countdown while paying; the tap count."""

from __future__ import annotations

from payment_path_helpers import (
    Taps,
    clear_failed_checks,
    code128,
    pay_and_wait,
    ready_backend,
    run,
    scan,
    to_confirm,
    type_on_keypad,
    until,
)

from common.i18n import gettext
from gateway.demo_data import demo_invoice
from kiosk.journal import MoneyState, ReceiptState
from kiosk.payments.visit import payment_visit

SCANNED = "2026000459"  # water, Pēteris Ozols
TYPED = "2026000460"  # waste, Līga Liepiņa: another payer
WARN, RESET = 90.0, 30.0


def _current(gui) -> str:
    return gui.shell.manager.current


def test_scan_one_type_another_pay_both_receipt_shown(gui) -> None:
    async def scenario():
        backend = await ready_backend(gui)
        home = gui.screen("home")
        await until(gui, lambda: home.payments_ready, what="the not-ready notice to go")
        gui.screenshot("payment-01-home")
        gui.tap(home.choices["pay"])
        assert _current(gui) == "find"
        gui.screenshot("payment-02-find")

        scan(gui, code128(SCANNED))  # the Code 128 on the paper invoice, by the wedge scanner
        await until(gui, lambda: _current(gui) == "invoices", what="scan -> invoices")
        invoices = gui.screen("invoices")
        assert invoices.count == 1 and invoices.notice_code == "added"
        gui.screenshot("payment-03-invoices-scanned")

        scan(gui, code128(SCANNED))  # the same paper again: nothing added, and we say so
        await until(gui, lambda: invoices.notice_code == "already-in-cart" and not invoices.searching)
        assert invoices.count == 1
        assert invoices.ids.message.text == "Šis rēķins jau ir sarakstā."

        gui.tap(invoices.ids.add_another)
        assert _current(gui) == "find"
        find = gui.screen("find")
        other = demo_invoice(TYPED)
        type_on_keypad(gui, other.notice_number)
        assert find.target == "check"  # ten digits typed: the keypad moves on to the check value
        type_on_keypad(gui, other.check_value)
        assert (find.ids.notice.text, find.ids.check.text) == (other.notice_number, other.check_value)
        gui.screenshot("payment-04-find-typed")
        gui.tap(find.ids.find)
        await until(gui, lambda: _current(gui) == "invoices" and invoices.count == 2)
        cart = payment_visit(gui.services.visit).cart
        assert len(cart.payer_names) == 2
        assert find.notice == "" and find.check == ""  # found: ready for another invoice
        gui.screenshot("payment-05-invoices-two-payers")

        gui.tap(invoices.ids.proceed)
        confirm = gui.screen("confirm")
        assert _current(gui) == "confirm"
        total = cart.total_cents
        assert confirm.ids.fee.text.startswith("Komisijas maksa 0,00 €")
        gui.screenshot("payment-06-confirm")

        charges_before = backend.terminal.driver.terminal.charges
        gui.tap(confirm.ids.pay)
        gui.tap(confirm.ids.pay)  # a double tap: the button is already disabled / debounced
        await until(gui, lambda: _current(gui) == "pay", what="pay screen")
        gui.screenshot("payment-07-pay")
        await until(gui, lambda: _current(gui) == "outcome", what="outcome")
        outcome = gui.screen("outcome")
        await until(gui, lambda: outcome.ids.preview.texture is not None, what="receipt preview")
        gui.screenshot("payment-08-receipt")

        result = outcome.result
        assert outcome.kind == "paid" and result.code == "paid" and result.printed
        assert outcome.ids.title.text == "Maksājums pieņemts"
        assert outcome.preview.endswith(f"{result.receipt_no}.png")
        assert backend.terminal.driver.terminal.charges == charges_before + 1
        entry = backend.journal.get(result.client_txn_id)
        assert (entry.money_state, entry.receipt_state) == (MoneyState.POSTED, ReceiptState.PRINTED)
        assert len([e for e in backend.journal.payments() if e.client_txn_id == result.client_txn_id]) == 1
        lookup = await backend.gateway.lookup_payment(result.client_txn_id)
        assert lookup.found and lookup.payment.amount_cents == total
        assert sorted(a.notice_number for a in lookup.payment.allocations) == [SCANNED, TYPED]

        # A second copy (DUBLIKĀTS) from the outcome screen.
        gui.tap(outcome.buttons["reprint"])
        await until(gui, lambda: outcome.reprint_state == "printed", what="second copy")
        assert backend.journal.get(result.client_txn_id).print_count == 2
        gui.screenshot("payment-09-second-copy")

        before = payment_visit(gui.services.visit)
        gui.tap(outcome.buttons["done"])
        assert _current(gui) == "home"
        after = payment_visit(gui.services.visit)  # the visit is wiped: a new, empty state
        assert after is not before and not after.cart.lines and not after.notice

    run(scenario())


def test_three_wrong_check_values_on_a_notice_then_rate_limited(gui) -> None:
    async def scenario():
        await ready_backend(gui)
        gui.tap(gui.screen("home").choices["pay"])
        find = gui.screen("find")
        notice = demo_invoice("2026000461").notice_number
        try:
            for attempt in range(4):  # a kiosk has three tries on one notice a day
                if attempt == 0:
                    type_on_keypad(gui, notice + "0000")
                gui.tap(find.ids.find)
                await until(gui, lambda: not find.searching and find.notice_code != "")
                # The typed digits are never lost: the resident corrects, not retypes.
                assert (find.notice, find.check) == (notice, "0000")
                if attempt < 3:
                    assert find.notice_code == "invoice-not-found", attempt
                    find.clear_notice()
                    gui.pump(3)  # the layout settles before the next tap (the button moves up)
            assert find.notice_code == "rate-limited"
            assert find.ids.message.text == gettext(
                "Too many unsuccessful attempts with these numbers. Please ask the librarian for help.", "lv")
            gui.screenshot("payment-rate-limited")
        finally:
            clear_failed_checks(gui)

    run(scenario())


def test_malformed_input_is_explained_locally(gui) -> None:
    async def scenario():
        await ready_backend(gui)
        gui.tap(gui.screen("home").choices["pay"])
        find = gui.screen("find")
        type_on_keypad(gui, "2026")
        gui.tap(find.ids.find)
        await until(gui, lambda: find.notice_code == "notice-malformed")
        assert find.notice == "2026" and find.target == "notice"
        gui.tap(find.ids.keypad.keys["erase"])
        assert find.notice == "202"

    run(scenario())


def test_idle_reset_during_find_wipes_cart_and_digits(gui, fake_clock) -> None:
    async def scenario():
        await ready_backend(gui)
        home = gui.screen("home")
        gui.tap(home.choices["pay"])
        scan(gui, code128("2026000457"))
        await until(gui, lambda: _current(gui) == "invoices")
        gui.tap(gui.screen("invoices").ids.add_another)
        type_on_keypad(gui, "2026")
        assert payment_visit(gui.services.visit).cart.lines
        fake_clock.advance(WARN + 1)
        assert gui.shell.root.warning_visible
        before = payment_visit(gui.services.visit)
        fake_clock.advance(RESET + 1)
        assert _current(gui) == "home"
        assert payment_visit(gui.services.visit) is not before
        find = gui.screen("find")
        assert find.notice == "" and find.check == ""
        assert gui.screen("invoices").count == 0
        gui.tap(home.choices["pay"])
        assert find.ids.notice.text == "" and not payment_visit(gui.services.visit).cart.lines

    run(scenario())


def test_no_countdown_while_on_the_pay_screen(gui) -> None:
    from payment_path_helpers import KivyTimeWarp, scenarios

    async def scenario():
        with scenarios(gui, delay_s=1.0):
            await to_confirm(gui, "2026000457", cents=1000)
            gui.tap(gui.screen("confirm").ids.pay)
            await until(gui, lambda: _current(gui) == "pay")
            await until(gui, lambda: gui.services.backend.payments.phase.value == "waiting_for_card")
            with KivyTimeWarp() as warp:
                # The idle watcher re-arms on the next touch; the terminal work keeps it still.
                gui.shell.idle.activity()
                assert gui.services.visit.busy and not gui.shell.idle.pending
                warp.advance(WARN + RESET + 60)
                assert not gui.shell.root.warning_visible and _current(gui) == "pay"
            await until(gui, lambda: _current(gui) == "outcome", what="outcome")
        assert gui.screen("outcome").kind == "paid"
        assert not gui.services.visit.busy and gui.shell.idle.pending  # counting again

    run(scenario())


def test_tap_count_scan_one_invoice_and_pay(gui) -> None:
    async def scenario():
        await ready_backend(gui)
        tap = Taps(gui)
        tap(gui.screen("home").choices["pay"])
        scan(gui, code128("2026000461"))
        await until(gui, lambda: _current(gui) == "invoices")
        tap(gui.screen("invoices").ids.proceed)
        outcome = await pay_and_wait(gui, tap)
        assert outcome.kind == "paid" and outcome.preview
        via_pay_button = tap.count
        gui.tap(outcome.buttons["done"])

        # Scanning right on Home skips the "Pay invoices" tap.
        tap = Taps(gui)
        scan(gui, code128("2026000464"))
        await until(gui, lambda: _current(gui) == "invoices")
        tap(gui.screen("invoices").ids.proceed)
        outcome = await pay_and_wait(gui, tap)
        assert outcome.kind == "paid"
        print(f"\ntaps from Home to the receipt: {via_pay_button} (Pay invoices, scan, Continue, "
              f"Pay); {tap.count} when scanning on Home")
        assert via_pay_button <= 4 and tap.count <= 4
        gui.tap(outcome.buttons["done"])

    run(scenario())
