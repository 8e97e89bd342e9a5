"""Find invoice: scan the invoice's code, or type its notice number and check value on a keypad."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import StringProperty

from common.i18n import N_
from common.invoice_codes import CHECK_LEN, NOTICE_LEN
from kiosk.visit_payment import find_typed, payment_visit
from screens import scan  # noqa: F401  (the wedge scanner; the shell routes scans here)
from screens.base import GalleryState, KioskScreen, register_screen
from screens.keypad import CLEAR, ERASE, Keypad  # noqa: F401  (used by find.kv)
from screens.payment_common import PathScreenMixin, message_text


@register_screen
class FindScreen(PathScreenMixin, KioskScreen):
    screen_name = "find"
    order = 10
    speech_text = N_(
        "Scan the barcode on your invoice, or type the notice number and the check value from "
        "your invoice on the keypad, then touch Find invoice."
    )

    target = StringProperty("notice")  # which field the keypad types into
    notice = StringProperty("")
    check = StringProperty("")
    notice_len = NOTICE_LEN
    check_len = CHECK_LEN

    def reset(self) -> None:
        self.target = "notice"
        self.notice = ""
        self.check = ""
        self.clear_notice()

    def on_pre_enter(self, *_args: Any) -> None:
        self._sync()

    def on_target(self, _inst: object, target: str) -> None:
        # With larger text the fields may be scrolled out of view: show the one being typed.
        scroll, field = self.ids.get("scroll"), self.ids.get(target)
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
