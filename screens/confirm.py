"""Confirm: the total, no fee, what happens next; checks printer, gateway and terminal first."""

from __future__ import annotations

import time
from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from common.i18n import N_, gettext
from common.service_names import service_name
from kiosk.payments import payers_to_check, payment_visit
from screens.base import GalleryState, KioskScreen, register_screen
from screens.card_terminal import CardTerminalPicture  # noqa: F401  (used by confirm.kv)
from screens.payment_common import PathScreenMixin, demo_cart, eur
from screens.widgets import TR

DEBOUNCE_S = 1.0  # a second tap within this time is the same tap: a bouncing finger never pays twice


@register_screen
class ConfirmScreen(PathScreenMixin, KioskScreen):
    screen_name = "confirm"
    order = 12
    back_to = "invoices"  # never the outcome of a failed attempt
    speech_text = N_(
        "Check the total. There is no fee. Touch the Pay button, then use the card terminal "
        "beside the screen."
    )

    summary = StringProperty("")
    total = StringProperty("")
    pay_label = StringProperty("")
    checking = BooleanProperty(False)
    refused = BooleanProperty(False)  # the printer, gateway or terminal is not ready
    payers = ListProperty([])  # masked payers when the list holds more than one (kiosk.payments.visit)

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self._last_tap = 0.0
        TR.bind(lang=lambda *_a: self.refresh())

    def reset(self) -> None:
        self.checking = False
        self.refused = False
        self._last_tap = 0.0
        self.clear_notice()
        self.refresh()

    def on_pre_enter(self, *_args: Any) -> None:
        self.refused = False
        self._last_tap = 0.0  # a new arrival (back after a decline) is a new tap, never a bounce
        self.clear_notice()
        self.refresh()

    def refresh(self) -> None:
        lang = TR.lang
        cart = payment_visit(self.services.visit).cart
        rows = [f"{service_name(ln.invoice.service, lang)}, {ln.invoice.notice_number}:  "
                f"{eur(ln.amount_cents)}" for ln in cart.lines]
        self.summary = "\n".join(rows)
        self.total = eur(cart.total_cents)
        self.payers = payers_to_check(cart)
        self.pay_label = gettext("Pay {amount} by card", lang, amount=self.total)

    def pay(self) -> None:
        """The Pay button: debounced, disabled while checking, and the service joins anyway."""
        now = time.monotonic()
        if self.checking or now - self._last_tap < DEBOUNCE_S:
            return
        self._last_tap = now
        backend = self.services.backend
        if backend is None:
            self.refused = True
            self.notify("no-backend")
            return
        if not backend.ready.is_set():
            self.notify("not-ready")
            return
        cart = payment_visit(self.services.visit).cart
        if not cart.lines:
            return
        pay_screen = self.shell.screens["pay"]
        if backend.payments.busy:  # already paying (a tap that slipped through): show it
            self.go("pay")
            return
        self.checking = True
        self.clear_notice()

        async def check_then_pay() -> None:
            try:
                problem = await backend.payments.preflight()
            except Exception:
                problem = "unexpected"
            finally:
                self.checking = False
            if problem:
                self.refused = True
                self.notify(problem)
                return
            pay_screen.start(cart)
            self.go("pay")

        self.services.visit.spawn(check_then_pay())

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        def cart(s: ConfirmScreen) -> None:
            demo_cart(s, "2026000457", "2026000464")
            s.refresh()

        def refused(code: str) -> Any:
            def prepare(s: ConfirmScreen) -> None:
                cart(s)
                s.refused = True
                s.notify(code)
            return prepare

        def checking(s: ConfirmScreen) -> None:
            cart(s)
            s.checking = True

        return [GalleryState("", cart), GalleryState("checking", checking),
                GalleryState("printer-not-ready", refused("printer-unavailable")),
                GalleryState("gateway-down", refused("gateway-unavailable"))]
