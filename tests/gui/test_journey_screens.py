"""On the real screens, the keypad types where the next digit
belongs, one word for the check value, a hint that is not digits, errors that clear and never
cover a field, the paper's picture; Back and Start over on every screen of the path and the
language everywhere; a pay screen that says it is still waiting and how long; the countdown."""

from __future__ import annotations

import re

from payment_path_helpers import ready_backend, run, scenarios, to_confirm, type_on_keypad, until

from common.i18n import gettext
from gateway.demo_data import demo_invoice
from kiosk.payments.visit import payment_visit

NIN = "2026000457"


def _current(gui) -> str:
    return gui.shell.manager.current


def _rect(w):
    x, y = w.to_window(w.x, w.y)
    return x, y, x + w.width, y + w.height


def _overlap(a, b) -> bool:
    ax0, ay0, ax1, ay1 = _rect(a)
    bx0, by0, bx1, by1 = _rect(b)
    return ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1


# -- point 3: the cursor on return ----------------------------------------------------------------

def test_back_to_find_the_first_digit_lands_in_the_notice_number(gui) -> None:
    async def scenario():
        await ready_backend(gui)
        gui.tap(gui.screen("home").choices["pay"])
        find = gui.screen("find")
        inv = demo_invoice(NIN)
        type_on_keypad(gui, inv.notice_number + inv.check_value)
        gui.tap(find.ids.find)
        await until(gui, lambda: _current(gui) == "invoices", what="invoices")
        gui.tap(gui.screen("invoices").ids.add_another)
        assert _current(gui) == "find"
        assert find.target == "notice" and find.ids.notice.selected and not find.ids.check.selected
        type_on_keypad(gui, "2")
        assert (find.notice, find.check) == ("2", "")

        # Half a notice number, away and back: still the notice number.
        gui.tap(find.ids.nav.ids.back)
        assert _current(gui) == "home"
        gui.tap(gui.screen("home").choices["pay"])
        assert find.target == "notice"

    run(scenario())


# -- point 4: one word, the hint, the error, the picture ------------------------------------------

def test_one_word_for_the_check_value_and_blank_hints(gui) -> None:
    find = gui.go("find")
    word = gettext("Check value", "lv")
    assert word == "Kontrolvērtība"
    assert find.ids.check_label.text.startswith(word)
    assert find.ids.picture.ids.legend_check.text.endswith(word)
    # The paper invoice and the gateway's error say the same word.
    assert word.lower()[:-1] in gettext("Scan the barcode on your invoice, or type the notice number "
                                        "and the check value from your invoice on the keypad, then "
                                        "touch Find invoice.", "lv").lower()
    for field in (find.ids.notice, find.ids.check):
        assert field.text == "" and not re.search(r"\d", field.hint_text), field.hint_text
    gui.screenshot("journey-find-empty")


def test_error_clears_on_correction_and_never_covers_a_field(gui) -> None:
    async def scenario():
        await ready_backend(gui)
        gui.tap(gui.screen("home").choices["pay"])
        find = gui.screen("find")
        type_on_keypad(gui, "2026")
        gui.tap(find.ids.find)
        await until(gui, lambda: find.notice_code == "notice-malformed", what="the error")
        gui.pump(3)
        message = find.ids.message
        assert message.text and message.height > 0
        for field in (find.ids.notice, find.ids.check, find.ids.notice_label, find.ids.check_label):
            assert not _overlap(message, field), field
        gui.screenshot("journey-find-error")
        type_on_keypad(gui, "0")  # correcting: the old error goes
        assert find.notice_code == "" and message.text == ""
        assert find.notice == "20260"

    run(scenario())


def test_picture_of_the_paper_invoice_is_on_screen(gui) -> None:
    find = gui.go("find")
    gui.pump(3)
    picture = find.ids.picture
    sketch = picture.ids.sketch
    assert picture.get_root_window() is not None
    # A real picture: at least about 40 mm high on this panel (4.74 px/mm), inside the window.
    px_per_mm = gui.services.config.display.width_px / gui.services.config.display.panel_width_mm
    assert sketch.height / px_per_mm >= 40, sketch.height / px_per_mm
    x0, y0, x1, y1 = _rect(sketch)
    assert x0 >= 0 and y0 >= 0 and x1 <= gui.window.width and y1 <= gui.window.height
    assert gettext("Notice number", "lv") in picture.ids.legend_notice.text


# -- point 6: Back, Start over and the language on every screen of the path -----------------------

def test_every_payment_screen_has_back_start_over_and_languages(gui) -> None:
    for name in ("find", "invoices", "confirm", "outcome"):
        screen = gui.go(name)
        nav = next(w for w in screen.walk() if type(w).__name__ == "NavBar")
        langs = nav.ids.languages
        assert [b.lang for b in langs.children[::-1]] == ["en", "ru"], name
        assert nav.ids.start_over.get_root_window() is not None
        if name != "outcome":
            assert screen.show_back and screen.show_start_over, name
        gui.tap(langs.children[-1])  # English, from this very screen
        assert gui.services.visit.language == "en"
        assert nav.ids.back.label == "Back"
        gui.tap(next(b for b in langs.children if b.lang == "lv"))
        assert gui.services.visit.language == "lv"
    gui.fresh()


def test_start_over_keeps_the_language_and_forgets_the_list(gui) -> None:
    async def scenario():
        await to_confirm(gui, NIN)
        confirm = gui.screen("confirm")
        gui.tap(next(b for b in confirm.walk() if type(b).__name__ == "NavLanguageToggle"
                     and b.lang == "ru"))
        assert gui.services.visit.language == "ru"
        nav = next(w for w in confirm.walk() if type(w).__name__ == "NavBar")
        gui.tap(nav.ids.start_over)
        assert _current(gui) == "home"
        assert not payment_visit(gui.services.visit).cart.lines
        assert gui.services.visit.language == "ru"  # the same person starts again

    run(scenario())


# -- point 7: the pay screen while the terminal does not answer -----------------------------------

def test_pay_screen_says_it_is_still_waiting_with_the_time_left(gui) -> None:
    async def scenario():
        with scenarios(gui):
            await to_confirm(gui, NIN, cents=1095)  # ,95: the terminal holds until aborted
            pay = gui.screen("pay")
            gui.tap(gui.screen("confirm").ids.pay)
            await until(gui, lambda: _current(gui) == "pay" and pay.phase == "waiting_for_card",
                        what="waiting for the card")
            steps = gettext("On the card terminal: 1. tap or insert your card; 2. enter your PIN "
                            "if it asks; 3. wait until it says the payment is approved.", "lv")
            assert pay.ids.detail.text == steps
            # payment_timeout_s = 2.0 in the harness: "still waiting" after a quarter of it.
            await until(gui, lambda: pay.still_waiting, timeout=3, what="still waiting")
            first = pay.seconds_left
            text = pay.ids.detail.text
            assert first <= 2 and f"{first} s" in text and "Joprojām gaidām" in text
            assert gettext("If it does not answer, the kiosk asks the terminal what happened. "
                           "You will not pay twice; if it stays unclear, you get a slip for the "
                           "librarian.", "lv") in text
            gui.screenshot("journey-pay-still-waiting")
            # Under load the 2 s timeout may end the wait before a frame shows the next second.
            await until(gui, lambda: pay.seconds_left < first or pay.phase != "waiting_for_card"
                        or _current(gui) != "pay", timeout=3, what="the countdown to move")
            await until(gui, lambda: _current(gui) == "outcome", timeout=15, what="outcome")

    run(scenario())


# -- point 8: the inactivity warning counts down --------------------------------------------------

def test_inactivity_warning_counts_down(gui, fake_clock) -> None:
    home = gui.screen("home")
    gui.tap(home.choices["librarian"])
    idle = gui.shell.idle
    fake_clock.advance(idle.warning_s + 0.5)
    warning = gui.shell.root.warning
    assert gui.shell.root.warning_visible
    label = warning.ids.countdown
    assert str(int(idle.reset_s)) in label.text, label.text
    fake_clock.advance(10.0)
    left = int(idle.reset_s) - 10
    assert f"{left} s" in label.text or f"{left - 1} s" in label.text, label.text
    fake_clock.advance(idle.reset_s)
    assert not gui.shell.root.warning_visible and _current(gui) == "home"


# -- point 5: overdue marked; an invoice with instalments still to come offers the choice --------

def test_instalments_to_come_offer_the_choice_and_overdue_is_marked(gui) -> None:
    from common.clock import RIGA
    from common.money import format_eur
    from kiosk.payments.invoice_status import instalments_to_come, overdue

    async def scenario():
        await ready_backend(gui)
        gui.tap(gui.screen("home").choices["pay"])
        inv = demo_invoice("2026000465")
        type_on_keypad(gui, inv.notice_number + inv.check_value)
        gui.tap(gui.screen("find").ids.find)
        invoices = gui.screen("invoices")
        await until(gui, lambda: _current(gui) == "invoices" and invoices.count == 1, what="list")
        gui.pump(3)
        card = invoices._cards[0]
        view = payment_visit(gui.services.visit).cart.lines[0].invoice
        today = gui.services.clock.now().astimezone(RIGA).date()
        late = overdue(view, today)
        assert late and instalments_to_come(view, today) >= 1  # the demo has both
        assert card.has_choice and card.ids.due_now.get_root_window() is not None
        assert format_eur(view.due_now_cents) in card.due_now_label
        assert format_eur(view.balance_cents) in card.full_label
        assert card.ids.overdue.text == gettext("Overdue since {date}: {amount}", "lv",
                                                date=late.since.strftime("%d.%m.%Y"),
                                                amount=format_eur(late.cents))
        assert card.ids.overdue.role == "warning" and card.ids.overdue.opacity == 1
        gui.tap(card.ids.full)
        assert payment_visit(gui.services.visit).cart.total_cents == view.balance_cents
        gui.screenshot("journey-invoices-instalments")

    run(scenario())


# -- point 12: the privacy notice opens on a plain first layer -----------------------------------

def test_privacy_notice_plain_first_layer_legal_text_one_tap_away(gui) -> None:
    from screens.form_step import demo_wizard

    privacy = gui.go("privacy")
    demo_wizard(privacy, "heating-allowance")
    privacy.on_pre_enter()
    privacy.refresh()
    gui.pump(3)
    shown = [w.text for w in privacy.ids.notice.children[::-1]]
    plain = "\n".join(shown)
    assert len(shown) == 5 and "VDAR" not in plain and "panta" not in plain, plain
    for head in ("Kas", "Kāpēc", "Cik ilgi", "Jūsu tiesības", "Kam jautāt"):
        assert f"[b]{head}[/b]" in plain, head
    assert gui.services.config.kiosk.municipality in plain
    gui.screenshot("journey-privacy-plain")
    gui.tap(privacy.ids.legal)
    legal = "\n".join(w.text for w in privacy.ids.notice.children)
    assert "VDAR 6. panta" in legal  # the legal text names the article (GDPR Art. 6(1)(e))
    gui.tap(privacy.ids.legal)
    assert "VDAR" not in "\n".join(w.text for w in privacy.ids.notice.children)
    gui.fresh()
