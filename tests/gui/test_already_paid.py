"""An invoice found already paid: the find screen says when and where it was
paid and its receipt's number, and offers that receipt again (DUBLIKĀTS) when this kiosk printed
it. Paid by real taps first, then looked up again by real taps."""

from __future__ import annotations

from payment_path_helpers import pay_and_wait, run, to_confirm, type_on_keypad, until

from common.clock import RIGA
from common.i18n import gettext
from gateway.demo_data import demo_invoice

PAID_HERE = "2026000584"  # waste, Gunta Vilciņa: one instalment, no other test pays it


def test_already_paid_says_when_and_where_and_prints_the_receipt_again(gui) -> None:
    async def scenario() -> None:
        await to_confirm(gui, PAID_HERE)
        outcome = await pay_and_wait(gui)
        assert outcome.kind == "paid", outcome.kind
        receipt_no = outcome.result.receipt_no
        txn = outcome.result.client_txn_id
        gui.tap(outcome.buttons["done"])
        await until(gui, lambda: gui.shell.manager.current == "home", what="home")

        gui.tap(gui.screen("home").choices["pay"])
        find = gui.screen("find")
        inv = demo_invoice(PAID_HERE)
        type_on_keypad(gui, inv.notice_number + inv.check_value)
        gui.tap(find.ids.find)
        await until(gui, lambda: find.notice_code == "invoice-already-paid" and not find.searching,
                    what="already paid")
        await until(gui, lambda: bool(find.reprint_txn), what="the receipt offered again")
        note = find.ids.paid_note.text
        today = gui.services.clock.now().astimezone(RIGA).strftime("%d.%m.%Y")
        assert today in note and receipt_no in note, note
        assert gui.services.config.kiosk.location_name in note, note
        assert find.ids.reprint.get_root_window() is not None and find.ids.reprint.opacity == 1
        assert find.ids.reprint.label == gettext("Print the receipt again", "lv")
        gui.screenshot("payment-find-already-paid-when-where")

        journal = gui.services.backend.payments.paper.journal
        before = (await journal.get(txn)).print_count
        gui.tap(find.ids.reprint)
        await until(gui, lambda: find.reprint_state in ("printed", "failed"), what="reprint")
        assert find.reprint_state == "printed"
        assert (await journal.get(txn)).print_count == before + 1
        assert find.ids.reprint.label == gettext(
            "The second copy is printed. It is marked DUBLIKĀTS.", "lv")

    run(scenario())
