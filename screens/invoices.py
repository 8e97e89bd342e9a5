"""Invoices: the cart. Each invoice as its paper shows it; pay what is due now or everything."""

from __future__ import annotations

from datetime import date
from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from common.clock import RIGA
from common.i18n import N_, gettext
from common.service_names import service_name
from kiosk.payments import AmountChoice, CartLine, overdue, payment_visit
from screens.base import GalleryState, KioskScreen, register_screen
from screens.payment_common import PathScreenMixin, day, demo_cart, eur
from screens.widgets import TR


class InvoiceCard(BoxLayout):
    """One cart line. Cards are pooled by the screen (made once, reused every visit)."""

    screen = ObjectProperty(None)
    invoice_id = StringProperty("")
    title = StringProperty("")
    details = StringProperty("")
    status_text = StringProperty("")
    overdue_text = StringProperty("")  # "Overdue since …": marked, in the warning colour
    due_now_label = StringProperty("")
    full_label = StringProperty("")
    amount_label = StringProperty("")
    has_choice = BooleanProperty(False)
    full = BooleanProperty(False)

    def show(self, line: CartLine, lang: str, today: date | None = None) -> None:
        inv = line.invoice
        self.invoice_id = inv.invoice_id
        self.title = f"{service_name(inv.service, lang)} — {inv.creditor.name}"
        obj_label = (N_("Cadastral number: {ref}") if inv.object_kind == "cadastral"
                     else N_("Object: {ref}"))
        self.details = "\n".join([
            gettext("Notice number: {number}", lang, number=inv.notice_number),
            gettext("Period: {start} – {end}", lang, start=day(inv.period_start),
                    end=day(inv.period_end)) + "    " +
            gettext("Due date: {date}", lang, date=day(inv.due_date)),
            gettext("Payer: {name}", lang, name=inv.payer_masked) + "    " +
            gettext(obj_label, lang, ref=inv.object_ref),
        ])
        if inv.status == "partly-paid":
            self.status_text = gettext("Partly paid: {paid} of {total} already paid.", lang,
                                       paid=eur(inv.paid_cents), total=eur(inv.total_cents))
        else:
            self.status_text = ""
        late = overdue(inv, today) if today is not None else None
        self.overdue_text = gettext("Overdue since {date}: {amount}", lang, date=day(late.since),
                                    amount=eur(late.cents)) if late and late.since else ""
        self.has_choice = line.has_choice
        self.full = line.choice is AmountChoice.FULL
        self.due_now_label = gettext("Pay what is due now: {amount}", lang,
                                     amount=eur(inv.due_now_cents))
        self.full_label = gettext("Pay the full remaining balance: {amount}", lang,
                                  amount=eur(inv.balance_cents))
        self.amount_label = eur(line.amount_cents)


@register_screen
class InvoicesScreen(PathScreenMixin, KioskScreen):
    screen_name = "invoices"
    order = 11
    back_to = "find"
    speech_text = N_(
        "These are the invoices you are paying. Check them against your paper invoice. You can "
        "remove an invoice, add another one, or touch Continue to pay."
    )

    count = NumericProperty(0)
    total = StringProperty("")

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self._cards: list[InvoiceCard] = []
        TR.bind(lang=lambda *_a: self.refresh())  # the screen lives as long as the app

    def reset(self) -> None:
        self.clear_notice()
        self.refresh()

    def on_pre_enter(self, *_args: Any) -> None:
        self.refresh()

    def arrived(self, code: str) -> None:
        """An invoice search from Home/Find ended here: say what happened."""
        self.notify(code)
        self.refresh()

    def _card(self, index: int) -> InvoiceCard:
        while len(self._cards) <= index:
            self._cards.append(InvoiceCard(screen=self))
        return self._cards[index]

    def refresh(self) -> None:
        cart = payment_visit(self.services.visit).cart
        box = self.ids.lines
        box.clear_widgets()
        lang = TR.lang
        today = self.services.clock.now().astimezone(RIGA).date()
        for i, line in enumerate(cart.lines):
            card = self._card(i)
            card.show(line, lang, today)
            box.add_widget(card)
        self.count = len(cart.lines)
        self.total = gettext("Total: {amount}", lang, amount=eur(cart.total_cents))

    def choose(self, invoice_id: str, full: bool) -> None:
        cart = payment_visit(self.services.visit).cart
        cart.choose(invoice_id, AmountChoice.FULL if full else AmountChoice.DUE_NOW)
        self.refresh()

    def remove(self, invoice_id: str) -> None:
        payment_visit(self.services.visit).cart.remove(invoice_id)
        self.clear_notice()
        self.refresh()

    def add_another(self) -> None:
        self.clear_notice()
        self.go("find")

    def proceed(self) -> None:
        if self.count:
            self.go("confirm")

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        def one(s: InvoicesScreen) -> None:
            demo_cart(s, "2026000457")
            s.arrived("added")

        def two(s: InvoicesScreen) -> None:
            demo_cart(s, "2026000457", "2026000464")
            s.choose("inv-2026000457", True)
            s.notify("already-in-cart")

        def instalments(s: InvoicesScreen) -> None:
            demo_cart(s, "2026000465")  # one instalment overdue, two still to come
            s.arrived("added")

        return [GalleryState(""), GalleryState("one", one), GalleryState("two-payers", two),
                GalleryState("instalments", instalments)]
