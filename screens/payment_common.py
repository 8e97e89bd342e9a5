"""What the screens of the payment path share: the notice line, scans, and demo invoices for the
gallery. Not a screen itself (no @register_screen)."""

from __future__ import annotations

import logging
from datetime import date
from types import SimpleNamespace
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from gateway.schema import InvoiceView
from kiosk.i18n import N_, gettext
from kiosk.money import format_eur
from kiosk.service_names import service_name
from kiosk.visit_payment import find_scanned, message, payment_visit, reference_in
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

    def notify(self, code: str) -> None:
        self.notice_code = code

    def clear_notice(self) -> None:
        self.notice_code = ""

    def notice_text(self, code: str, _lang: str) -> str:
        return message_text(code, _lang)

    def notice_is_error(self, code: str) -> bool:
        return bool(code) and code not in INFO_CODES

    def on_scan(self, text: str) -> None:
        handle_scan(self, text)  # type: ignore[arg-type]


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
        target.notify(result.code)

    services.visit.spawn(search())


# -- demo invoices for the gallery (no network, no event loop) ------------------------------------

GALLERY_TODAY = date(2026, 4, 20)  # between NĪN instalments: "due now" differs from the balance


def demo_view(notice: str, today: date = GALLERY_TODAY) -> InvoiceView:
    """The invoice as the demo gateway would show it, built from the demo data directly."""
    from gateway.demo_data import CREDITORS, demo_invoice
    from gateway.invoices import due_now, instalment_views, mask_name

    d = demo_invoice(notice)
    insts = [SimpleNamespace(seq=i + 1, due_date=dd, amount_cents=a)
             for i, (dd, a) in enumerate(zip(d.due_dates, d.instalments))]
    inv = SimpleNamespace(total_cents=d.total_cents, paid_cents=d.paid_cents, instalments=insts,
                          period_end=d.period_end)
    now_cents, due = due_now(inv, today)  # type: ignore[arg-type]
    cid, cname, reg, iban, _bic = next(c for c in CREDITORS if c[0] == d.creditor_id)
    balance = d.total_cents - d.paid_cents
    return InvoiceView(
        invoice_id=d.invoice_id, notice_number=d.notice_number, service=d.service,  # type: ignore[arg-type]
        creditor={"id": cid, "name": cname, "reg_no": reg, "iban": iban},  # type: ignore[arg-type]
        period_start=d.period_start, period_end=d.period_end, due_date=due,
        total_cents=d.total_cents, paid_cents=d.paid_cents, balance_cents=balance,
        due_now_cents=now_cents,
        status="paid" if balance == 0 else ("partly-paid" if d.paid_cents else "unpaid"),
        payer_masked=mask_name(d.payer_name), object_kind=d.object_kind,  # type: ignore[arg-type]
        object_ref=d.object_ref, instalments=instalment_views(inv),  # type: ignore[arg-type]
    )


def demo_cart(screen: Any, *notices: str) -> None:
    pv = payment_visit(screen.services.visit)
    for notice in notices:
        pv.cart.add(demo_view(notice))
