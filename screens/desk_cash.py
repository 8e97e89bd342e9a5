"""Paying at the desk: the total, the cash received on the keypad (or a quick note), the change;
then "Cash received" takes the payment (journaled, posted, receipt "Samaksāts skaidrā naudā" and
the drawer kick; kiosk.payments.cash). The same cart can go to the card terminal instead."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from common.i18n import N_
from common.money import format_eur
from common.service_names import service_name
from kiosk.desk import QUICK_NOTES
from screens.base import GalleryState, register_screen
from screens.desk_common import DeskScreen, run
from screens.keypad import CLEAR, ERASE, Keypad  # noqa: F401  (used by desk_cash.kv)
from screens.widgets import TR, KButton


class QuickAmount(KButton):
    cents = NumericProperty(0)  # 0: the exact total


@register_screen
class DeskCashScreen(DeskScreen):
    screen_name = "desk_cash"
    order = 204
    speech_text = N_("Payment at the desk.")

    lines = StringProperty("")
    total_cents = NumericProperty(0)
    tendered_cents = NumericProperty(0)
    paying = BooleanProperty(False)
    receipt_no = StringProperty("")

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        for cents in (0, *QUICK_NOTES):
            btn = QuickAmount(cents=cents)
            btn.bind(on_release=lambda b: self.quick(int(b.cents)))
            self.ids.quick.add_widget(btn)
        TR.bind(lang=lambda *_a: self._lines())

    def reset(self) -> None:
        self.paying = False
        self.lines = self.receipt_no = ""
        self.total_cents = self.tendered_cents = 0
        self.say("")

    def refresh(self) -> None:
        work = self.desk.work
        if work is None:
            return
        self._lines()
        self.total_cents = work.cart.total_cents
        self.tendered_cents = work.till.tendered_cents
        self.receipt_no = work.receipt_no
        if work.result_code and work.result_code != "taken-over":
            self.say(work.result_code, **work.result_params)

    def _lines(self) -> None:
        work = self.desk.work if self.services.backend is not None else None
        if work is None:
            self.lines = ""
            return
        lang = TR.lang
        self.lines = "\n".join(
            f"{service_name(ln.invoice.service, lang)}, {ln.invoice.notice_number}:  "
            f"{format_eur(ln.amount_cents)}" for ln in work.cart.lines)

    @staticmethod
    def eur(cents: int) -> str:
        return format_eur(max(0, int(cents)))

    # -- the till ------------------------------------------------------------------------------
    def on_keypad(self, value: str) -> None:
        work = self.desk.work
        if work is None or self.paying:
            return
        if value == ERASE:
            work.till.erase()
        elif value == CLEAR:
            work.till.clear()
        else:
            work.till.type_digit(value)
        work.show("")
        self.say("")
        self.refresh()

    def quick(self, cents: int) -> None:
        work = self.desk.work
        if work is None or self.paying:
            return
        work.till.set_cents(cents or work.cart.total_cents)
        work.show("")
        self.say("")
        self.refresh()

    # -- paying --------------------------------------------------------------------------------
    def pay_cash(self) -> None:
        work = self.desk.work
        if work is None or self.paying:
            return
        if not work.till.tender(work.cart.total_cents).enough:
            self.say("cash-short")
            return
        if not self.guard.fresh_or_ask(self.pay_cash):
            return
        self.paying = True
        run(self.desk.pay_cash(lang=TR.lang), self._paid)

    def pay_card(self) -> None:
        if self.desk.work is None or self.paying or not self.desk.work.cart.lines:
            return
        self.paying = True
        run(self.desk.pay_card(lang=TR.lang), self._paid)

    def _paid(self, code: str) -> None:
        self.paying = False
        if code == "pin-stale":  # went stale while the screen asked: the PIN, then again
            self.guard.ask_pin(self.pay_cash)
            return
        self.refresh()

    def go_back(self) -> None:
        self.go("desk_person")

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        from screens.desk_gallery import sample_person

        def cart(s: DeskCashScreen) -> None:
            desk = sample_person(s)
            desk.choose_found()
            s.refresh()

        def tendered(s: DeskCashScreen) -> None:
            cart(s)
            s.quick(5000)

        def paid(s: DeskCashScreen) -> None:
            cart(s)
            s.quick(22000)
            work = s.desk.work
            if work is not None:
                change = work.till.tender(work.cart.total_cents).change_cents
                work.cart.clear()
                work.till.clear()
                work.receipt_no = "demo-zoseni-1.1-000042"
                work.show("cash-paid", change=format_eur(change))
            s.refresh()

        def short(s: DeskCashScreen) -> None:
            cart(s)
            s.quick(500)
            s.say("cash-short")

        return [GalleryState("", cart), GalleryState("tendered", tendered),
                GalleryState("short", short), GalleryState("paid", paid)]
