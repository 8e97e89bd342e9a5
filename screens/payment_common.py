"""What the screens of the payment path share: the notice line, scans, and demo invoices for the
gallery. Not a screen itself (no @register_screen)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from common.money import format_eur
from kiosk.payments import find_scanned, message, payment_visit, reference_in
from screens.widgets import TR

log = logging.getLogger(__name__)

# Codes that are good news (shown in the normal colour, not as an error).
INFO_CODES = {"added", "already-in-cart"}


def message_text(code: str, lang: str | None = None) -> str:
    return message(code, lang or TR.lang) if code else ""


def eur(cents: int) -> str:
    return format_eur(cents)


def day(d: date) -> str:
    return d.strftime("%d.%m.%Y")


class PathScreenMixin:
    """A message line (`notice_code`, translated live in kv), a busy flag, and scans."""

    notice_code = StringProperty("")
    searching = BooleanProperty(False)

    def notify(self, code: str, paid: Any = None) -> None:
        """Show the message for `code`; `paid` is the invoice a search found already paid (the
        find screen says when and where)."""
        self.notice_code = code

    def clear_notice(self) -> None:
        self.notice_code = ""

    def notice_text(self, code: str, _lang: str) -> str:
        return message_text(code, _lang)

    def notice_is_error(self, code: str) -> bool:
        return bool(code) and code not in INFO_CODES

    def on_scan(self, text: str) -> None:
        handle_scan(self, text)


def handle_scan(screen: Any, text: str) -> None:
    """A scan on Home, Find or Invoices: an invoice goes into the cart (then the list is shown);
    an "outcome unknown" slip is resolved and its result shown."""
    services = screen.services
    backend = services.backend
    shell = screen.shell
    find = shell.screens["find"]
    reference = reference_in(text)
    if backend is None:
        (find if screen.name == "home" else screen).notify("no-backend")
        if screen.name == "home":
            shell.go("find")
        return
    if reference is not None:
        shell.screens["outcome"].resolve(reference)
        return
    pv = payment_visit(services.visit)
    screen.searching = True

    async def search() -> None:
        try:
            result = await find_scanned(backend.gateway, pv, text)
        finally:
            screen.searching = False
        if result.ok:
            invoices = shell.screens["invoices"]
            invoices.arrived(result.code)
            shell.go("invoices")
            return
        target = screen if screen.name == "invoices" else find
        if shell.manager.current != target.name:
            shell.go(target.name)
        target.notify(result.code, result.paid)

    services.visit.spawn(search())



def demo_cart(screen: Any, *notices: str) -> None:
    """Gallery states: the cart holds these sample invoices (`Services.sample_invoice`)."""
    sample = screen.services.sample_invoice
    if sample is None:
        return
    pv = payment_visit(screen.services.visit)
    for notice in notices:
        pv.cart.add(sample(notice))
