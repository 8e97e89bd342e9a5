"""Find invoice: scan the invoice's code, or type its notice number and check value on a keypad."""

from __future__ import annotations

import logging
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from common.clock import RIGA
from common.i18n import N_, gettext
from common.invoice_codes import CHECK_LEN, NOTICE_LEN
from common.schema import InvoiceView
from kiosk.payments import find_typed, paid_note, payment_visit
from screens import scan  # noqa: F401  (the wedge scanner; the shell routes scans here)
from screens.base import GalleryState, KioskScreen, register_screen
from screens.keypad import CLEAR, ERASE, FillKeypad, Keypad  # noqa: F401  (used by find.kv)
from screens.outcome import BUTTONS, REPRINT_TEXT
from screens.payment_common import PathScreenMixin, message_text
from screens.widgets import THEME

log = logging.getLogger(__name__)


@register_screen
class FindScreen(PathScreenMixin, KioskScreen):
    screen_name = "find"
    order = 10
    back_to = "home"
    speech_text = N_(
        "Scan the barcode on your invoice, or type the notice number and the check value from "
        "your invoice on the keypad, then touch Find invoice."
    )

    target = StringProperty("notice")  # which field the keypad types into
    notice = StringProperty("")
    check = StringProperty("")
    notice_len = NOTICE_LEN
    check_len = CHECK_LEN
    # An invoice found already paid: when and where (`paid_text`), and the payment whose receipt
    # this kiosk can print again.
    paid_known = BooleanProperty(False)
    reprint_txn = StringProperty("")
    reprint_state = StringProperty("")  # "", "printing", "printed", "failed"

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self._paid: InvoiceView | None = None
        self.ids.scroll.bind(height=self._fit_picture)
        self.ids.column.bind(minimum_height=self._fit_picture)

    def _fit_picture(self, *_args: Any) -> None:
        """The invoice's picture takes the height the fields and the message leave (at least about
        50 mm): the screen's space shows the paper, not emptiness."""
        picture = self.ids.picture
        others = self.ids.column.minimum_height - picture.height
        picture.height = max(3.2 * float(THEME.target), self.ids.scroll.height - others)

    def reset(self) -> None:
        self.target = "notice"
        self.notice = ""
        self.check = ""
        self.clear_notice()

    def on_pre_enter(self, *_args: Any) -> None:
        self._sync()
        # Coming back (from the list, from an error): the keypad types where the next digit
        # belongs, never into the check value while the notice number is unfinished.
        self.target = "check" if len(self.notice) == NOTICE_LEN else "notice"

    # -- an invoice already paid ---------------------------------------------------------------
    def notify(self, code: str, paid: Any = None) -> None:
        super().notify(code, paid)
        self._paid = paid
        self.reprint_txn = self.reprint_state = ""
        self.paid_known = bool(paid_note(paid, "lv"))
        last = paid.last_payment if isinstance(paid, InvoiceView) else None
        backend = self.services.backend
        if last is None or not last.receipt_no or backend is None:
            return
        receipt_no, day = last.receipt_no, last.paid_at.astimezone(RIGA).date()

        async def look_up() -> None:
            txn = await backend.payments.own_receipt(receipt_no, day)
            if self._paid is paid:  # nothing else was searched meanwhile
                self.reprint_txn = txn or ""

        self.services.visit.spawn(look_up())

    def clear_notice(self) -> None:
        super().clear_notice()
        self._paid = None
        self.paid_known = False
        self.reprint_txn = self.reprint_state = ""

    def paid_text(self, lang: str) -> str:
        return paid_note(self._paid, lang)

    def reprint_label(self, state: str, lang: str) -> str:
        return gettext(REPRINT_TEXT.get(state, BUTTONS["retry_print"]), lang)

    def reprint(self) -> None:
        """Print the paid invoice's receipt again (DUBLIKĀTS): only one this kiosk printed."""
        backend, txn = self.services.backend, self.reprint_txn
        if backend is None or not txn or self.reprint_state == "printing":
            return
        visit = self.services.visit
        self.reprint_state = "printing"

        async def run() -> None:
            with visit.busy_while("printer"):
                try:
                    ok = await backend.payments.reprint(txn, lang=visit.language)
                except Exception:
                    log.exception("reprint failed")
                    ok = False
            self.reprint_state = "printed" if ok else "failed"

        visit.spawn(run())

    def on_target(self, _inst: object, target: str) -> None:
        # With larger text the fields may be scrolled out of view: show the one being typed.
        self._show(target)

    def on_notice_code(self, _inst: object, code: str) -> None:
        if code:
            self._show("message")  # an error is read where it is, below the fields

    def _show(self, name: str) -> None:
        scroll, field = self.ids.get("scroll"), self.ids.get(name)
        if scroll is None or field is None:
            return

        def show(_dt: float) -> None:
            if scroll.children and scroll.children[0].height > scroll.height:
                scroll.scroll_to(field, padding=10, animate=False)
            else:
                scroll.scroll_y = 1  # everything fits: keep it at the top

        Clock.schedule_once(show)

    def _sync(self) -> None:
        pv = payment_visit(self.services.visit)
        self.notice, self.check = pv.notice, pv.check

    def select(self, target: str) -> None:
        self.target = target

    def on_keypad(self, value: str) -> None:
        pv = payment_visit(self.services.visit)
        self.clear_notice()  # the resident is correcting: the old error no longer applies
        if value == ERASE:
            if self.target == "check" and not pv.check:
                self.target = "notice"
            pv.erase(self.target)
        elif value == CLEAR:
            pv.clear_typed()
            self.target = "notice"
        else:
            pv.type_digit(self.target, value)
            if self.target == "notice" and len(pv.notice) == NOTICE_LEN and not pv.check:
                self.target = "check"  # the next digits belong to the check value
        self._sync()

    def find(self) -> None:
        if self.searching:
            return  # a second tap while the first search runs
        backend = self.services.backend
        if backend is None:
            self.notify("no-backend")
            return
        pv = payment_visit(self.services.visit)
        self.searching = True
        self.clear_notice()

        async def search() -> None:
            try:
                result = await find_typed(backend.gateway, pv)
            finally:
                self.searching = False
            self._sync()
            if result.ok:
                self.shell.screens["invoices"].arrived(result.code)
                self.go("invoices")
            else:
                if result.paid is not None:
                    self.notify(result.code, result.paid)
                    return
                if result.code == "check-malformed" or (
                        result.code == "notice-malformed" and len(pv.notice) == NOTICE_LEN):
                    self.target = "check"
                elif result.code == "notice-malformed":
                    self.target = "notice"
                self.notify(result.code)

        self.services.visit.spawn(search())

    def speech(self) -> str:
        text = super().speech()
        return f"{text} {message_text(self.notice_code)}" if self.notice_code else text

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        def typed(s: FindScreen) -> None:
            pv = payment_visit(s.services.visit)
            pv.notice, pv.check = "2026000457", "48"
            s.target = "check"
            s._sync()

        def error(code: str) -> Any:
            def prepare(s: FindScreen) -> None:
                pv = payment_visit(s.services.visit)
                pv.notice, pv.check = "2026000457", "1234"
                s.target = "check"
                s._sync()
                s.notify(code)
            return prepare

        return [GalleryState(""), GalleryState("typing", typed),
                GalleryState("not-found", error("invoice-not-found")),
                GalleryState("already-paid", error("invoice-already-paid")),
                GalleryState("rate-limited", error("rate-limited")),
                GalleryState("gateway-down", error("gateway-unreachable"))]
