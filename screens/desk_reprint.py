"""Receipts of today: type a receipt's number, print it again (DUBLIKĀTS), or give a card payment
of today back through the terminal with a reason (kiosk.desk.service)."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from common.clock import RIGA
from common.i18n import N_, gettext
from common.money import format_eur
from kiosk.desk import DECISION_REASONS
from kiosk.payments import PaymentEntry
from screens.base import GalleryState, register_screen
from screens.desk_common import DeskScreen, run
from screens.keypad import CLEAR, ERASE, Keypad  # noqa: F401  (used by desk_reprint.kv)
from screens.widgets import TR, KButton


class RefundReason(KButton):
    reason = StringProperty("")


@register_screen
class DeskReprintScreen(DeskScreen):
    screen_name = "desk_reprint"
    order = 206
    speech_text = N_("Receipts of today.")

    number = StringProperty("")
    details = StringProperty("")
    refundable = BooleanProperty(False)
    choosing = BooleanProperty(False)
    working = BooleanProperty(False)

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.entry: PaymentEntry | None = None
        TR.bind(lang=lambda *_a: self._show(self.entry))

    def reset(self) -> None:
        self.number = self.details = ""
        self.entry = None
        self.refundable = self.choosing = self.working = False
        self.ids.reasons.clear_widgets()
        self.say("")

    def refresh(self) -> None:
        self._show(self.entry)

    def on_keypad(self, value: str) -> None:
        if value == ERASE:
            self.number = self.number[:-1]
        elif value == CLEAR:
            self.number = ""
        elif len(self.number) < 6:
            self.number += value
        self._show(None)
        self.say("")

    def find(self) -> None:
        if not self.number or self.working:
            return
        self.working = True
        run(self.desk.find_receipt(self.number), self._found)

    def _found(self, entry: PaymentEntry | None) -> None:
        self.working = False
        self._show(entry)
        self.say("" if entry else "receipt-not-found")

    def _show(self, entry: PaymentEntry | None) -> None:
        self.entry = entry
        self.choosing = False
        self.ids.reasons.clear_widgets()
        if entry is None:
            self.details, self.refundable = "", False
            return
        lang = TR.lang
        when = entry.created_at.astimezone(RIGA).strftime("%d.%m.%Y %H:%M")
        how = gettext("card", lang) if entry.method == "card" else gettext("cash", lang)
        self.details = (gettext("Receipt no. {number}", lang, number=entry.receipt_no or "")
                        + f"\n{when}  ·  {format_eur(entry.amount_cents)}  ·  {how}")
        self.refundable = self.desk.refundable(entry)

    def reprint(self) -> None:
        if self.entry is None or self.working:
            return
        self.working = True
        run(self.desk.reprint(self.entry, lang=TR.lang), self._done)

    def ask_reason(self) -> None:
        box = self.ids.reasons
        box.clear_widgets()
        for reason in DECISION_REASONS["refund"]:
            btn = RefundReason(reason=reason, label=TR._(reason))
            btn.bind(on_release=lambda b: self.refund(b.reason))
            box.add_widget(btn)
        self.choosing = True

    def refund(self, reason: str) -> None:
        if self.entry is None or self.working:
            return
        self.working = True
        self.choosing = False
        self.ids.reasons.clear_widgets()
        run(self.desk.refund(self.entry, reason), self._done)

    def _done(self, code: str) -> None:
        self.working = False
        self.say(code)
        if self.entry is not None:  # show what the receipt is now (reversed, printed again)

            def shown(entry: PaymentEntry | None) -> None:
                self._show(entry)
                self.say(code)

            run(self.desk.find_receipt(self.entry.receipt_no or ""), shown)

    def go_back(self) -> None:
        self.desk_home()

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        from screens.desk_gallery import signed_in

        def typed(s: DeskReprintScreen) -> None:
            signed_in(s)
            for d in "42":
                s.on_keypad(d)

        def missing(s: DeskReprintScreen) -> None:
            typed(s)
            s.say("receipt-not-found")

        return [GalleryState("", typed), GalleryState("not-found", missing)]
