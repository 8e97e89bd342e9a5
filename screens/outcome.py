"""Outcome: paid (receipt shown, second copy), not paid (why; try again or back to the list),
unknown (do not pay again + reference), refused (the librarian helps). Done (paid) and Finish end
the visit and wipe it; a failure never shows a check mark, and while the invoices are still in the
list Back leads to the list (docs/architecture.md, "Screens")."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from common.i18n import N_, gettext
from common.money import format_eur
from kiosk.payments import (
    OutcomeStatus,
    PaymentResult,
    Reason,
    TerminalOutcome,
    Verdict,
    payment_visit,
    spool_sample_receipt,
)
from kiosk.payments import message as path_message
from screens.base import GalleryState, KioskScreen, register_screen
from screens.payment_common import demo_cart
from screens.widgets import TR, KButton

log = logging.getLogger(__name__)

TITLES = {
    "paid": N_("Payment accepted"),
    "not_paid": N_("Not paid"),
    "unknown": N_("Do not pay again"),
    "refused": N_("The payment did not start"),
    "resolving": N_("Checking your slip…"),
}

BUTTONS = {
    "reprint": N_("Print a second copy"),
    "retry_print": N_("Print the receipt again"),
    "try_again": N_("Try again"),
    "back_to_list": N_("Back to the list of invoices"),
    "done": N_("Done"),
}
# After a failure the same button ends the visit as "Finish", without the check mark: a check
# mark says "it worked".
FINISH = N_("Finish")
SYMBOLS = {"back_to_list": "\u2190", "try_again": "\u21BB"}

REPRINT_TEXT = {
    "printing": N_("Printing a second copy…"),
    "printed": N_("The second copy is printed. It is marked DUBLIKĀTS."),
    "failed": N_("The receipt could not be printed. Please ask the librarian."),
}


def spool_preview(backend: Any, job_id: str) -> str:
    """The preview PNG of a printed (or still pending) spool job, "" if there is none."""
    if backend is None or not job_id:
        return ""
    spool = backend.printer.spool
    for folder in (spool.printed_dir, spool.pending_dir):
        path = Path(folder) / f"{job_id}.png"
        if path.exists():
            return str(path)
    return ""


@register_screen
class OutcomeScreen(KioskScreen):
    screen_name = "outcome"
    order = 14
    speech_text = N_("The payment is finished.")

    kind = StringProperty("")  # paid | not_paid | unknown | refused | resolving
    code = StringProperty("")
    result = ObjectProperty(None, allownone=True)
    preview = StringProperty("")
    reprint_state = StringProperty("")
    awaiting = BooleanProperty(False)

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.show_back = False  # the payment is over: no way back into it
        self.buttons: dict[str, KButton] = {}
        for key in BUTTONS:
            role = "primary" if key in ("done", "try_again") else "secondary"
            btn = KButton(role=role)
            btn.bind(on_release=lambda b, k=key: self._on_button(k))
            self.buttons[key] = btn
        TR.bind(lang=lambda *_a: self._label_buttons())
        self._label_buttons()

    # -- what is shown ------------------------------------------------------------------------
    def reset(self) -> None:
        self.kind = ""
        self.code = ""
        self.result = None
        self.preview = ""
        self.reprint_state = ""
        self.awaiting = False
        self._layout_buttons()

    def show(self, result: PaymentResult | None) -> None:
        """Show a payment's result (None: the payment raised; the journal keeps the truth)."""
        self.result = result
        self.reprint_state = ""
        if result is None:
            self.kind, self.code, self.preview, self.awaiting = "refused", "unexpected", "", False
        else:
            self.kind = result.verdict.value
            self.code = result.code
            self.awaiting = result.awaiting_confirmation
            backend = self.services.backend
            job = ""
            if result.verdict is Verdict.PAID and result.receipt_no:
                job = result.receipt_no
            elif result.verdict is Verdict.UNKNOWN and result.reference_code:
                job = f"unknown-{result.reference_code}"
            self.preview = spool_preview(backend, job)
        self._layout_buttons()

    def resolve(self, reference: str) -> None:
        """A scanned "outcome unknown" slip: ask the payment service what is known now."""
        backend = self.services.backend
        visit = self.services.visit
        self.reset()
        self.kind = "resolving"
        self._layout_buttons()
        self.shell.go(self.name)
        if not reference:
            self.show_code("reference-unknown")
            return

        async def run() -> None:
            with visit.busy_while("printer"):
                try:
                    result = await backend.payments.resolve_reference(reference,
                                                                      lang=visit.language)
                except Exception:
                    log.exception("resolving %s failed", reference)
                    result = None
            if result is None:
                self.show_code("reference-unknown")
            else:
                self.show(result)

        visit.spawn(run())

    def show_code(self, code: str) -> None:
        self.result = None
        self.kind, self.code, self.preview = "refused", code, ""
        self._layout_buttons()

    def title_text(self, kind: str, lang: str) -> str:
        return gettext(TITLES[kind], lang) if kind in TITLES else ""

    def message_text(self, result: Any, code: str, kind: str, lang: str) -> str:
        if kind == "resolving":
            return gettext("Please wait a moment.", lang)
        text = result.text(lang) if isinstance(result, PaymentResult) else path_message(code, lang) if code else ""
        if kind == "unknown" and result is not None and result.reference_code:
            text += "\n" + gettext("Reference code: {code}", lang, code=result.reference_code)
        if kind == "paid" and result is not None and result.amount_cents is not None:
            text += "\n" + gettext("Amount paid: {amount}", lang, amount=format_eur(result.amount_cents))
        if kind == "paid" and result is not None and result.receipt_no:
            text += "\n" + gettext("Receipt number: {number}", lang, number=result.receipt_no)
        return text

    def reprint_text(self, state: str, _lang: str) -> str:
        return gettext(REPRINT_TEXT[state], _lang) if state in REPRINT_TEXT else ""

    def speech(self) -> str:
        lang = self.services.visit.language
        return f"{self.title_text(self.kind, lang)}. {self.message_text(self.result, self.code, self.kind, lang)}"

    # -- buttons ------------------------------------------------------------------------------
    def _label_buttons(self) -> None:
        for key, btn in self.buttons.items():
            btn.label = gettext(BUTTONS[key], TR.lang)
            btn.symbol = SYMBOLS.get(key, "")
        if self.kind != "paid":
            self.buttons["done"].label = gettext(FINISH, TR.lang)
        self.buttons["done"].symbol = "\u2713" if self.kind == "paid" else ""

    def _cart_left(self) -> bool:
        return bool(payment_visit(self.services.visit).cart.lines)

    def visible_buttons(self) -> list[str]:
        kind, code = self.kind, self.code
        if kind == "paid":
            return ["retry_print" if code == "print-failed" else "reprint", "done"]
        if kind in ("not_paid", "refused"):
            # Not charged and the invoices are still in the list: pay them again, or change it.
            if not self._cart_left():
                return ["done"]
            return ["try_again", "back_to_list"] if kind == "not_paid" else ["back_to_list"]
        if kind == "unknown":
            return ["done"]  # "Ask the librarian" is in the nav bar below, always visible here
        return []

    def _layout_buttons(self) -> None:
        box = self.ids.buttons
        box.clear_widgets()
        keys = self.visible_buttons()
        self._label_buttons()  # "Done ✓" or "Finish" depends on the kind
        for key in keys:
            self.buttons[key].disabled = False
            box.add_widget(self.buttons[key])
        # Back leads to the list only while there is a list to go back to.
        self.show_back = "back_to_list" in keys
        self.show_start_over = self.kind != "paid"

    def go_back(self) -> None:
        self.shell.history.clear()
        self.go("invoices")

    def _on_button(self, key: str) -> None:
        if key in ("reprint", "retry_print"):
            self.reprint()
        elif key == "try_again":
            self.shell.history.clear()
            self.go("confirm")
        elif key == "back_to_list":
            self.go_back()
        elif key == "done":
            self.shell.end_visit()

    def reprint(self) -> None:
        backend = self.services.backend
        result = self.result
        if backend is None or result is None or not result.client_txn_id or \
                self.reprint_state == "printing":
            return
        visit = self.services.visit
        self.reprint_state = "printing"
        for key in ("reprint", "retry_print"):
            self.buttons[key].disabled = True

        async def run() -> None:
            with visit.busy_while("printer"):
                try:
                    ok = await backend.payments.reprint(result.client_txn_id, lang=visit.language)
                except Exception:
                    log.exception("reprint failed")
                    ok = False
            self.reprint_state = "printed" if ok else "failed"
            for key in ("reprint", "retry_print"):
                self.buttons[key].disabled = False

        visit.spawn(run())

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        def res(verdict: Verdict, code: str, **kw: Any) -> Any:
            def prepare(s: OutcomeScreen) -> None:
                s.show(PaymentResult(verdict, code, client_txn_id="demo", **kw))
            return prepare

        def declined(reason: Reason, status: OutcomeStatus) -> Any:
            shown = res(Verdict.NOT_PAID, reason.value,
                        outcome=TerminalOutcome(status=status, reason=reason))

            def prepare(s: OutcomeScreen) -> None:
                demo_cart(s, "2026000457")  # still in the cart: "Try again" is offered
                shown(s)
            return prepare

        paid: dict[str, Any] = {"receipt_no": "demo-zoseni-1.1-000042", "printed": True, "amount_cents": 7055}

        def with_receipt(pending: bool, shown: Any) -> Any:
            def prepare(s: OutcomeScreen) -> None:
                _spool_sample_receipt(s, paid["receipt_no"], pending=pending)
                shown(s)
            return prepare

        return [
            GalleryState("paid", with_receipt(False, res(Verdict.PAID, "paid", **paid))),
            GalleryState("paid-awaiting", with_receipt(True, res(
                Verdict.PAID, "paid-awaiting", awaiting_confirmation=True, **paid))),
            GalleryState("print-failed", res(Verdict.PAID, "print-failed", receipt_no=paid["receipt_no"])),
            GalleryState("declined", declined(Reason.CARD_DECLINED, OutcomeStatus.DECLINED)),
            GalleryState("cancelled", declined(Reason.CANCELLED, OutcomeStatus.CANCELLED)),
            GalleryState("partial", declined(Reason.PARTIAL_REVERSED, OutcomeStatus.PARTIAL)),
            GalleryState("unknown", res(Verdict.UNKNOWN, "unknown", reference_code="U0100007", printed=True)),
            GalleryState("refused-printer", res(Verdict.REFUSED, "printer-unavailable")),
            GalleryState("refused-gateway", res(Verdict.REFUSED, "gateway-unavailable")),
            GalleryState("conflict", res(Verdict.REFUSED, "invoice-reserved")),
        ]


def _spool_sample_receipt(screen: OutcomeScreen, receipt_no: str, *, pending: bool) -> None:
    """Gallery only: put the printer's sample receipt in the spool, as a real payment would."""
    backend = screen.services.backend
    if backend is None:
        return
    spool_sample_receipt(backend.printer, receipt_no, screen.services.visit.language, pending=pending)
