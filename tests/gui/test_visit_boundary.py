"""Home is the visit boundary, on the real screens with the real demo backend.

Reaching Home by Back, a language change on Home, Done and the idle reset end the visit: the list,
the typed digits and a half-filled form are gone, so one resident's invoices can never be paid in
the next resident's payment. A payment already started is never touched. Two payers in the list
are pointed out on the confirm screen (docs/architecture.md, "Screens").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from payment_path_helpers import (
    code128,
    pay_and_wait,
    ready_backend,
    run,
    scan,
    scenarios,
    to_confirm,
    type_on_keypad,
    until,
)

from common.i18n import gettext
from kiosk.applications.visit import APPLICATION_KEY
from kiosk.payments.visit import payment_visit

# Unpaid demo invoices no other test pays (the GUI tests share one demo gateway per session).
JANIS = "2026000457"  # property tax, Jānis Bērziņš (J*** B*****Š): only in the cart here
INESE = "2026000514"  # rent, Inese Ozoliņa: scanned, then abandoned
GUNTIS = "2026000528"  # rent, Guntis Vītols: the next visit pays it
DACE = "2026000542"  # property tax, Dace Jansone
ULDIS = "2026000570"  # rent, Uldis Pētersons
AIVARS = "2026000549"  # rent, Aivars Šmits: paid while every way out is tried


def _current(gui: Any) -> str:
    return gui.shell.manager.current


def _back(gui: Any, screen_name: str) -> None:
    """Tap the screen's own Back button (the nav bar at the bottom)."""
    from screens.base import NavBar

    screen = gui.screen(screen_name)
    bar = next(w for w in screen.walk(restrict=True) if isinstance(w, NavBar))
    gui.tap(bar.ids.back)


def _spool_previews(gui: Any) -> list[Path]:
    spool = gui.services.backend.printer.spool
    return sorted(p for d in (spool.printed_dir, spool.folder / "preview") if d.exists()
                  for p in d.glob("*.png"))


def test_visit_boundary_back_to_home_then_the_next_visit_pays_only_its_own(gui) -> None:
    async def scenario() -> None:
        backend = await ready_backend(gui)
        visit = gui.services.visit
        home, find, invoices = gui.screen("home"), gui.screen("find"), gui.screen("invoices")

        # Visit 1: scans an invoice, types half a notice number, then leaves through Back.
        gui.tap(home.choices["pay"])
        scan(gui, code128(INESE))
        await until(gui, lambda: _current(gui) == "invoices" and invoices.count == 1)
        _back(gui, "invoices")
        assert _current(gui) == "find"
        type_on_keypad(gui, "2026")
        assert find.ids.notice.text == "2026"
        number = visit.number
        _back(gui, "find")
        assert _current(gui) == "home"
        assert visit.number == number + 1
        assert not payment_visit(visit).cart.lines and payment_visit(visit).notice == ""
        assert (find.notice, find.check, invoices.count) == ("", "", 0)

        # Visit 2: its list holds only its own invoice, and so does its payment.
        gui.tap(home.choices["pay"])
        assert find.ids.notice.text == "" and find.ids.check.text == ""
        scan(gui, code128(GUNTIS))
        await until(gui, lambda: _current(gui) == "invoices" and not invoices.searching)
        assert invoices.count == 1
        assert [ln.invoice.notice_number for ln in payment_visit(visit).cart.lines] == [GUNTIS]
        gui.tap(invoices.ids.proceed)
        outcome = await pay_and_wait(gui)
        assert outcome.kind == "paid"
        lookup = await backend.gateway.lookup_payment(outcome.result.client_txn_id)
        assert [a.notice_number for a in lookup.payment.allocations] == [GUNTIS]

        # Done ends it too; the receipt preview on screen was this visit's only.
        assert outcome.preview and Path(outcome.preview).exists()
        gui.tap(outcome.buttons["done"])
        assert _current(gui) == "home" and outcome.preview == ""
        assert not Path(outcome.preview or "/nonexistent").exists()
        assert _spool_previews(gui) == []

    run(scenario())


def test_visit_boundary_half_filled_form_is_gone_after_back_to_home(gui) -> None:
    from test_application_path import open_form, step, type_on_keyboard, wizard_in_visit

    async def scenario() -> None:
        await ready_backend(gui)
        await open_form(gui, "general-application")
        type_on_keyboard(gui, step(gui).keyboard, "Ceļš pie skolas")
        assert step(gui).display == "Ceļš pie skolas"
        gui.tap(step(gui).ids.nav.ids.back)  # the first question: back to the list of forms
        assert _current(gui) == "application"
        assert wizard_in_visit(gui) is not None  # still this visit: the resident may go on
        gui.tap(gui.screen("application").ids.nav.ids.back)
        assert _current(gui) == "home"
        assert APPLICATION_KEY not in gui.services.visit.data
        assert step(gui).display == "" and step(gui).field is None

        await open_form(gui, "general-application")  # the next resident, the same form
        assert step(gui).display == ""

    run(scenario())


def test_visit_boundary_language_change_on_home_ends_the_visit(gui) -> None:
    async def scenario() -> None:
        await ready_backend(gui)
        visit = gui.services.visit
        home, find = gui.screen("home"), gui.screen("find")
        gui.tap(home.ids.large_text)
        # Whatever left something in the visit while Home shows (a scan, the desk, a bug):
        pv = payment_visit(visit)
        pv.cart.add(gui.services.sample_invoice(JANIS))
        pv.notice = "2026000"
        gui.tap(home.language_buttons["lv"])  # the language already shown: not a change
        assert pv.cart.lines and payment_visit(visit) is pv
        gui.tap(home.language_buttons["ru"])
        assert visit.language == "ru" and visit.large_text  # the chosen settings stay
        assert not payment_visit(visit).cart.lines and payment_visit(visit).notice == ""
        gui.tap(home.choices["pay"])
        assert find.ids.notice.text == "" and _current(gui) == "find"
        assert gui.screen("invoices").count == 0

    run(scenario())


def test_visit_boundary_two_payers_are_pointed_out_on_confirm(gui) -> None:
    async def scenario() -> None:
        await ready_backend(gui)
        confirm, invoices = gui.screen("confirm"), gui.screen("invoices")
        await to_confirm(gui, DACE)
        assert confirm.payers == [] and confirm.ids.payers.text == ""
        _back(gui, "confirm")
        gui.tap(invoices.ids.add_another)
        scan(gui, code128(ULDIS))
        await until(gui, lambda: _current(gui) == "invoices" and invoices.count == 2)
        gui.tap(invoices.ids.proceed)
        assert _current(gui) == "confirm"
        names = sorted(ln.invoice.payer_masked for ln in payment_visit(gui.services.visit).cart.lines)
        assert len(set(names)) == 2 and confirm.payers == names
        expected = gettext("These invoices are for different payers: {payers}. Please check that "
                           "you want to pay all of them.", "lv", payers=", ".join(names))
        assert confirm.ids.payers.text == expected
        assert expected.startswith("Šie rēķini ir dažādiem maksātājiem") and "D*** J*****E" in expected
        assert confirm.ids.payers.height > 0 and confirm.ids.payers.color[:3] != confirm.ids.fee.color[:3]
        gui.screenshot("visit-boundary-two-payers-lv")
        # Back to the list, remove one: one payer, no warning.
        _back(gui, "confirm")
        invoices.remove(f"inv-{ULDIS}")
        gui.tap(invoices.ids.proceed)
        assert confirm.payers == [] and confirm.ids.payers.text == ""

    run(scenario())


def test_visit_boundary_never_touches_a_payment_already_started(gui) -> None:
    async def scenario() -> None:
        with scenarios(gui, delay_s=0.8):
            await to_confirm(gui, AIVARS, cents=1000)
            gui.tap(gui.screen("confirm").ids.pay)
            backend = gui.services.backend
            await until(gui, lambda: backend.payments.phase.value == "waiting_for_card")
            cart = payment_visit(gui.services.visit).cart
            number = gui.services.visit.number
            # Every way a visit ends, while the money is in flight: nothing happens.
            gui.shell.home()
            gui.shell.end_visit()
            assert _current(gui) == "pay" and gui.services.visit.number == number
            assert payment_visit(gui.services.visit).cart is cart and cart.lines
            gui.shell.choose_language("en")
            gui.shell.recover()  # after an error in a UI callback: the payment's screen stays
            assert _current(gui) == "pay" and gui.services.visit.language == "lv"
            assert gui.services.visit.busy  # the pay screen's task still waits for the result
            await until(gui, lambda: _current(gui) == "outcome", what="outcome")
        outcome = gui.screen("outcome")
        assert outcome.kind == "paid" and not cart.lines  # paid, then emptied by the rule
        gui.tap(outcome.buttons["done"])
        assert _current(gui) == "home" and gui.services.visit.number == number + 1

    run(scenario())
