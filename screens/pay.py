"""Pay: one illustrated instruction ("tap or insert your card and follow the terminal") and Cancel.

The payment runs in the long-lived PaymentService; this screen only starts it, shows its phase and
awaits its result through a visit task to show the outcome (an idle reset cannot cancel the money
work, and the countdown stands still meanwhile: `visit.busy_while("terminal")`).

A terminal that does not answer is never a silent screen: after a short while the
screen says it is still waiting and how long the terminal has left (`[terminal]
payment_timeout_s`), and what happens if it never answers; then, while the kiosk asks the terminal
what happened, how long that may take (`recovery_deadline_s`). The terminal's own display steps
(card, PIN) are not reported by the protocol we speak, so the screen lists them as what to expect.
"""

from __future__ import annotations

import math
import time
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from common.i18n import N_, gettext
from kiosk.payments import Cart, pay_cart, payment_visit
from kiosk.payments import PaymentPhase as Phase
from screens.base import GalleryState, KioskScreen, register_screen
from screens.card_terminal import CardTerminalPicture  # noqa: F401  (used by pay.kv)
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


WAITING_STEPS = N_("On the card terminal: 1. tap or insert your card; 2. enter your PIN if it "
                   "asks; 3. wait until it says the payment is approved.")
STILL_WAITING = N_("Still waiting for the card terminal: it has {seconds} s left to answer.")
IF_NO_ANSWER = N_("If it does not answer, the kiosk asks the terminal what happened. You will not "
                  "pay twice; if it stays unclear, you get a slip for the librarian.")
RESOLVING_LEFT = N_("The card terminal did not answer in time. Asking it what happened: up to "
                    "{seconds} s.")
# Say "still waiting" after this long, or after a quarter of the terminal's time if that is shorter.
STILL_WAITING_AFTER_S = 20.0


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
    still_waiting = BooleanProperty(False)
    seconds_left = NumericProperty(0)

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.show_back = False  # no way back while the terminal works; Cancel is the way out
        self.show_start_over = False
        self.show_librarian = False
        self._poll: Any = None
        self._last_cancel = 0.0
        self._phase_since = time.monotonic()

    def reset(self) -> None:
        self.phase = "idle"
        self.amount = ""
        self.cancel_requested = False
        self.still_waiting = False
        self.seconds_left = 0

    def on_phase(self, _inst: object, _phase: str) -> None:
        self._phase_since = time.monotonic()
        self.still_waiting = False
        self._tick()

    def _tick(self) -> None:
        """Time left in this phase, and whether to say "still waiting"."""
        terminal = self.services.config.terminal
        limit = {"waiting_for_card": terminal.payment_timeout_s,
                 "resolving": terminal.recovery_deadline_s}.get(self.phase)
        if limit is None:
            self.seconds_left = 0
            return
        elapsed = time.monotonic() - self._phase_since
        self.seconds_left = max(0, math.ceil(limit - elapsed))
        if self.phase == "waiting_for_card":
            self.still_waiting = elapsed >= min(STILL_WAITING_AFTER_S, limit / 4)

    def detail_text(self, phase: str, still: bool, seconds: int, lang: str) -> str:
        """The line under the instruction: what to expect, how long is left, what comes next."""
        if phase == "waiting_for_card":
            if not still:
                return gettext(WAITING_STEPS, lang)
            return gettext(STILL_WAITING, lang, seconds=seconds) + "\n" + gettext(IF_NO_ANSWER, lang)
        if phase == "resolving":
            return gettext(RESOLVING_LEFT, lang, seconds=seconds)
        return ""

    def phase_text(self, phase: str, lang: str) -> str:
        return gettext(PHASE_TEXT.get(phase, PHASE_TEXT["done"]), lang)

    def speech(self) -> str:
        lang = self.services.visit.language
        detail = self.detail_text(self.phase, self.still_waiting, self.seconds_left, lang)
        if self.phase == "waiting_for_card":
            return f"{super().speech()} {detail}"
        return f"{self.phase_text(self.phase, lang)} {detail}".strip()

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
            self._tick()

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

        def still(s: PayScreen) -> None:
            waiting(s)
            s.still_waiting, s.seconds_left = True, 96

        def resolving(s: PayScreen) -> None:
            waiting(s)
            s.phase = "resolving"
            s.seconds_left = 280

        return [GalleryState("", waiting), GalleryState("still-waiting", still),
                GalleryState("resolving", resolving), GalleryState("cancelling", cancelling)]
