"""The person's open invoices, unmasked for the librarian who checked their ID; tick what to pay,
then cash or card. The names never reach a resident screen or the receipt (which masks them)."""

from __future__ import annotations

from typing import Any

from kivy.properties import NumericProperty, StringProperty

from common.i18n import N_, gettext
from common.money import format_eur
from common.service_names import service_name
from kiosk.desk import PersonInvoice
from screens.base import GalleryState, register_screen
from screens.desk_common import DeskScreen
from screens.widgets import TR, KToggle


class DeskInvoiceRow(KToggle):
    invoice_id = StringProperty("")


def row_text(p: PersonInvoice, lang: str) -> str:
    inv = p.invoice
    return "\n".join([
        f"{service_name(inv.service, lang)} — {inv.creditor.name}",
        f"{p.payer_name}  ·  " + gettext("Notice number: {number}", lang, number=inv.notice_number),
        gettext("Pay what is due now: {amount}", lang, amount=format_eur(inv.due_now_cents)),
    ])


@register_screen
class DeskPersonScreen(DeskScreen):
    screen_name = "desk_person"
    order = 203
    speech_text = N_("The person's open invoices.")

    count = NumericProperty(0)
    total = StringProperty("")

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.rows: dict[str, DeskInvoiceRow] = {}
        TR.bind(lang=lambda *_a: self.refresh() if self.desk_open else None)

    @property
    def desk_open(self) -> bool:
        backend = self.services.backend
        return backend is not None and self.desk.work is not None

    def reset(self) -> None:
        self.ids.rows.clear_widgets()
        self.rows = {}
        self.count = 0
        self.total = ""
        self.say("")

    def refresh(self) -> None:
        work = self.desk.work
        if work is None:
            return
        lookup, lang = work.lookup, TR.lang
        box = self.ids.rows
        box.clear_widgets()
        self.rows = {}
        for p in lookup.found:
            row = DeskInvoiceRow(invoice_id=p.invoice_id, label=row_text(p, lang),
                                 active=p.invoice_id in lookup.selected)
            row.bind(on_release=lambda r: self.toggle(r.invoice_id))
            box.add_widget(row)
            self.rows[p.invoice_id] = row
        cart = lookup.cart()
        self.count = len(cart.lines)
        self.total = format_eur(cart.total_cents)

    def toggle(self, invoice_id: str) -> None:
        if self.desk.work is not None:
            self.desk.work.lookup.toggle(invoice_id)
        self.say("")
        self.refresh()

    def pay(self, how: str) -> None:
        code = self.desk.choose_found()
        if code != "ok":
            self.say(code)
            return
        cash = self.shell.screens["desk_cash"]
        self.go("desk_cash")
        if how == "card":
            cash.pay_card()

    def go_back(self) -> None:
        self.go("desk_find")

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        from screens.desk_gallery import sample_person

        def found(s: DeskPersonScreen) -> None:
            sample_person(s)
            s.say("found")
            s.refresh()

        return [GalleryState("", found)]
