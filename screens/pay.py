"""Pay: one illustrated instruction ("tap or insert your card and follow the terminal") and Cancel.

The payment runs in the long-lived PaymentService; this screen only starts it, shows its phase and
awaits its result through a visit task to show the outcome (an idle reset cannot cancel the money
work, and the countdown stands still meanwhile: `visit.busy_while("terminal")`).
"""

from __future__ import annotations

import time
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.widget import Widget

from common.i18n import N_, gettext
from kiosk.cart import Cart
from kiosk.flows.payment import PaymentPhase as Phase
from kiosk.visit_payment import pay_cart, payment_visit
from screens.base import GalleryState, KioskScreen, register_screen
from screens.payment_common import demo_cart, eur

PHASE_TEXT = {
    "idle": N_("Preparing the payment…"),
    "checking": N_("Preparing the payment…"),
    "reserving": N_("Preparing the payment…"),
    "waiting_for_card": N_("Tap or insert your card on the card terminal and follow its instructions."),
    "cancelling": N_("Cancelling… Please wait for the card terminal."),
    "resolving": N_("Checking with the card terminal… Please wait."),
    "posting": N_("Payment accepted. Please wait for your receipt."),
    "printing": N_("Payment accepted. Printing your receipt…"),
    "done": N_("Payment accepted. Printing your receipt…"),
}


class CardTerminalPicture(Widget):
    """A card going into a card terminal, drawn with canvas instructions (pay.kv)."""


@register_screen
class PayScreen(KioskScreen):
    screen_name = "pay"
    order = 13
    speech_text = N_(
        "Tap or insert your card on the card terminal beside the screen and follow the "
        "instructions on the terminal. To stop, touch Cancel."
    )

    phase = StringProperty("idle")
    amount = StringProperty("")
    cancel_requested = BooleanProperty(False)

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.show_back = False  # no way back while the terminal works; Cancel is the way out
        self.show_librarian = False
        self._poll: Any = None
        self._last_cancel = 0.0

    def reset(self) -> None:
        self.phase = "idle"
        self.amount = ""
        self.cancel_requested = False

    def phase_text(self, phase: str, lang: str) -> str:
        return gettext(PHASE_TEXT.get(phase, PHASE_TEXT["done"]), lang)

    def speech(self) -> str:
        if self.phase == "waiting_for_card":
            return super().speech()
        return self.phase_text(self.phase, self.services.visit.language)

    # -- follow the service's phase -----------------------------------------------------------
    def on_enter(self, *_args: Any) -> None:
        self._poll = Clock.schedule_interval(self._update_phase, 0.1)

    def on_leave(self, *_args: Any) -> None:
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None

    def _update_phase(self, _dt: float = 0) -> None:
        backend = self.services.backend
        if backend is not None and backend.payments.busy:
            self.phase = backend.payments.phase.value

    # -- start, cancel ------------------------------------------------------------------------
    def start(self, cart: Cart) -> None:
        """Start paying `cart` (Confirm calls this once its checks passed)."""
        backend = self.services.backend
        visit = self.services.visit
        lang = visit.language
        self.cancel_requested = False
        self.phase = Phase.CHECKING.value
        self.amount = eur(cart.total_cents)
        outcome = self.shell.screens["outcome"]

        async def run() -> None:
            with visit.busy_while("terminal"):
                result = await pay_cart(backend.payments, cart, lang=lang)
            outcome.show(result)
            self.shell.go("outcome")

        visit.spawn(run())

    def cancel(self) -> None:
        now = time.monotonic()
        if self.cancel_requested or now - self._last_cancel < 0.5:
            return
        self._last_cancel = now
        backend = self.services.backend
        if backend is None:
            return
        self.cancel_requested = True
        backend.payments.cancel()
        self._update_phase()
        if self.phase != Phase.CANCELLING.value:
            self.phase = Phase.CANCELLING.value

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        def waiting(s: PayScreen) -> None:
            demo_cart(s, "2026000457")
            s.amount = eur(payment_visit(s.services.visit).cart.total_cents)
            s.phase = "waiting_for_card"

        def cancelling(s: PayScreen) -> None:
            waiting(s)
            s.phase = "cancelling"
            s.cancel_requested = True

        return [GalleryState("", waiting), GalleryState("cancelling", cancelling)]
