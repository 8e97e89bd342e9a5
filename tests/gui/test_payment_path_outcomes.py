"""Every way a payment can end, driven through the real screens (demo terminal's cent scenarios,
an unreachable gateway route, a printer without paper), one screenshot each."""

from __future__ import annotations

import asyncio

from payment_path_helpers import (
    code128,
    gateway_down,
    pay_and_wait,
    ready_backend,
    run,
    scan,
    scenarios,
    to_confirm,
    until,
)

from common.i18n import gettext
from kiosk.journal import MoneyState, ReceiptState

NIN = "2026000457"  # the cents are steered, so each payment is a small part of this invoice


def _entry(gui, outcome):
    return gui.services.backend.journal.get(outcome.result.client_txn_id)


def test_declined(gui) -> None:
    async def scenario():
        with scenarios(gui) as sim:
            await to_confirm(gui, NIN, cents=1091)
            charges = sim.charges
            outcome = await pay_and_wait(gui)
            assert sim.charges == charges
        assert outcome.kind == "not_paid" and outcome.code == "card_declined"
        assert outcome.ids.message.text == gettext("The card was declined. Please try another card.", "lv")
        assert _entry(gui, outcome).money_state is MoneyState.VOID
        assert "try_again" in outcome.visible_buttons()
        gui.screenshot("payment-outcome-declined")
        # "Try again" goes back to Confirm with the same cart (nothing was charged).
        gui.tap(outcome.buttons["try_again"])
        assert gui.shell.manager.current == "confirm"
        assert not gui.screen("confirm").ids.pay.disabled

    run(scenario())


def test_cancelled_at_the_terminal(gui) -> None:
    async def scenario():
        with scenarios(gui):
            await to_confirm(gui, NIN, cents=1092)
            outcome = await pay_and_wait(gui)
        assert outcome.kind == "not_paid" and outcome.code == "cancelled"
        assert _entry(gui, outcome).money_state is MoneyState.VOID
        gui.screenshot("payment-outcome-cancelled-at-terminal")

    run(scenario())


def test_cancelled_from_the_screen(gui) -> None:
    async def scenario():
        with scenarios(gui, delay_s=5.0) as sim:
            await to_confirm(gui, NIN, cents=1000)
            charges = sim.charges
            gui.tap(gui.screen("confirm").ids.pay)
            pay = gui.screen("pay")
            await until(gui, lambda: gui.services.backend.payments.phase.value == "waiting_for_card")
            await until(gui, lambda: pay.phase == "waiting_for_card")
            gui.tap(pay.ids.cancel)
            gui.tap(pay.ids.cancel)  # a second tap changes nothing
            assert pay.cancel_requested and pay.ids.cancel.disabled
            assert pay.ids.instruction.text == "Atceļ… Lūdzu, gaidiet karšu termināļa atbildi."
            gui.screenshot("payment-pay-cancelling")
            await until(gui, lambda: gui.shell.manager.current == "outcome")
            outcome = gui.screen("outcome")
            assert sim.charges == charges
        assert outcome.kind == "not_paid" and outcome.code == "cancelled"
        assert outcome.ids.message.text == gettext("The payment was cancelled. Your card was not charged.", "lv")
        gui.screenshot("payment-outcome-cancelled-from-screen")

    run(scenario())


def test_answer_lost_ends_paid_once(gui) -> None:
    async def scenario():
        with scenarios(gui) as sim:
            await to_confirm(gui, NIN, cents=1096)
            charges = sim.charges
            outcome = await pay_and_wait(gui)
            assert sim.charges == charges + 1  # resolved by TransactionStatus, never paid twice
        assert outcome.kind == "paid" and outcome.result.printed
        assert _entry(gui, outcome).money_state is MoneyState.POSTED
        await until(gui, lambda: outcome.ids.preview.texture is not None)
        gui.screenshot("payment-outcome-answer-lost-paid")

    run(scenario())


def test_unknown_then_the_slip_scanned_on_home(gui) -> None:
    from kiosk.terminal.sim_terminal import DropConnection

    async def scenario():
        with scenarios(gui) as sim:
            async def never(*_a, **_k):
                raise DropConnection()

            sim._transactionstatus = never  # the status never answers within the deadline
            try:
                await to_confirm(gui, "2026000463", cents=1096)
                outcome = await pay_and_wait(gui)
            finally:
                del sim._transactionstatus
        assert outcome.kind == "unknown" and outcome.result.reference_code
        ref = outcome.result.reference_code
        assert f"Atsauces kods: {ref}" in outcome.ids.message.text
        assert outcome.ids.title.text == "Nemaksājiet vēlreiz"
        assert outcome.result.printed and outcome.preview.endswith(f"unknown-{ref}.png")
        assert _entry(gui, outcome).money_state is MoneyState.MANUAL_REVIEW
        gui.screenshot("payment-outcome-unknown")
        gui.tap(outcome.buttons["done"])
        assert gui.shell.manager.current == "home"

        # Later the resident scans the slip on Home: the terminal now answers, so it was paid.
        scan(gui, f"KACREF:{ref}")
        await until(gui, lambda: gui.shell.manager.current == "outcome" and outcome.kind == "paid")
        assert outcome.result.printed and outcome.result.receipt_no
        assert _entry(gui, outcome).money_state is MoneyState.POSTED
        gui.screenshot("payment-outcome-slip-resolved-paid")

    run(scenario())


def test_gateway_down_before_approval_refuses_nothing_charged(gui) -> None:
    async def scenario():
        with scenarios(gui) as sim:
            await to_confirm(gui, NIN, cents=1000)
            charges = sim.charges
            with gateway_down(gui, "/payment-intents"):
                outcome = await pay_and_wait(gui)
            assert sim.charges == charges
        assert outcome.kind == "refused" and outcome.code == "gateway-unavailable"
        librarian = outcome.ids.nav.ids.librarian
        assert librarian.opacity == 1 and not librarian.disabled
        assert _entry(gui, outcome).money_state is MoneyState.VOID
        gui.screenshot("payment-outcome-gateway-down-before")

    run(scenario())


def test_gateway_down_after_approval_receipt_awaiting_confirmation(gui) -> None:
    async def scenario():
        await to_confirm(gui, "2026000458", cents=1000)
        with gateway_down(gui, "/payments"):
            outcome = await pay_and_wait(gui)
        backend = gui.services.backend
        assert outcome.kind == "paid" and outcome.code == "paid-awaiting" and outcome.awaiting
        assert outcome.ids.message.text.startswith("Maksājums pieņemts. Pašvaldība to drīz apstiprinās")
        entry = _entry(gui, outcome)
        assert entry.money_state is MoneyState.POST_PENDING and entry.receipt_state is ReceiptState.PRINTED
        await until(gui, lambda: outcome.ids.preview.texture is not None)
        gui.screenshot("payment-outcome-awaiting-confirmation")
        assert await backend.payments.flush_outbox() == 1  # the gateway is back: posted once
        assert backend.journal.get(entry.client_txn_id).money_state is MoneyState.POSTED

    run(scenario())


def test_printer_out_of_paper_refuses_before_the_card(gui) -> None:
    from fake_printer import FakePrinter

    from printer.port import JournalReceiptPort
    from printer.service import ReceiptPrinter

    async def scenario():
        backend = await ready_backend(gui)
        payments = backend.payments
        with FakePrinter("paper_out") as fake, scenarios(gui) as sim:
            cfg = backend.config
            cfg = cfg.model_copy(update={"printer": cfg.printer.model_copy(update={
                "device": "network", "host": "127.0.0.1", "port": fake.port, "timeout_s": 0.5})})
            original = payments.receipts
            payments.receipts = JournalReceiptPort(ReceiptPrinter.from_config(cfg),
                                                   signer=original.signer, header=original.header,
                                                   verify_base=original.verify_base, demo=True)
            try:
                await to_confirm(gui, NIN, cents=1000)
                before = len(backend.journal.payments())
                charges = sim.charges
                confirm = gui.screen("confirm")
                gui.tap(confirm.ids.pay)
                await until(gui, lambda: confirm.notice_code != "" and not confirm.checking)
            finally:
                payments.receipts = original
            assert confirm.notice_code == "printer-unavailable"
            assert gui.shell.manager.current == "confirm" and confirm.ids.pay.disabled
            assert len(backend.journal.payments()) == before and sim.charges == charges
            assert "bibliotekār" in confirm.ids.message.text
            gui.screenshot("payment-confirm-printer-out-of-paper")

    run(scenario())


def test_scan_of_an_already_paid_invoice_is_explained(gui) -> None:
    async def scenario():
        await ready_backend(gui)
        scan(gui, code128("2026000462"))  # fully paid in the demo data
        find = gui.screen("find")
        await until(gui, lambda: gui.shell.manager.current == "find" and find.notice_code != "")
        assert find.notice_code == "invoice-already-paid"
        assert find.ids.message.text == "Šis rēķins jau ir samaksāts. Vairāk nekas nav jāmaksā."
        gui.screenshot("payment-find-already-paid")
        await asyncio.sleep(0)

    run(scenario())
