"""Documents -> layout ops, in the resident's language (fixed wording from the printer catalog)."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from common.clock import RIGA
from common.i18n import N_
from common.money import format_eur
from common.service_names import service_name
from printer import application_layout
from printer.compose_parts import finish as _finish
from printer.compose_parts import header as _header
from printer.compose_parts import local
from printer.compose_parts import title as _title
from printer.compose_parts import tr as _
from printer.documents import (
    ApplicationAck,
    ApplicationToSign,
    CardPayment,
    CashHandover,
    CashPayment,
    Document,
    InvoiceLine,
    NotChargedSlip,
    OutcomeUnknownSlip,
    PaymentReceipt,
    ReceiptJournal,
    SelfTestPage,
    ShiftReport,
)
from printer.layout import Layout, Op
from printer.models import PrinterModel

LATVIAN_LETTERS = "āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ"
CYRILLIC_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
CYRILLIC_CAPITALS = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"


def compose(doc: Document, model: PrinterModel, lang: str = "lv") -> list[Op]:
    lay = Layout(columns=model.columns, dots=model.dots)
    _compose(doc, lay, lang, model)
    return lay.ops


@singledispatch
def _compose(doc: Any, lay: Layout, lang: str, model: PrinterModel) -> None:
    raise TypeError(f"no layout for {type(doc).__name__}")


@_compose.register
def _application(doc: ApplicationAck, lay: Layout, lang: str, model: PrinterModel) -> None:
    application_layout.acknowledgement(doc, lay, lang)


@_compose.register
def _to_sign(doc: ApplicationToSign, lay: Layout, lang: str, model: PrinterModel) -> None:
    application_layout.to_sign(doc, lay, lang)


@_compose.register
def _payment(doc: PaymentReceipt, lay: Layout, lang: str, model: PrinterModel) -> None:
    _header(lay, doc.header, lang, doc.demo)
    if doc.duplicate:
        lay.text(_("DUPLICATE", lang), align="center", bold=True, size="big")
    _title(lay, N_("PAYMENT CONFIRMATION"), lang)
    lay.text(_("Not a cash register receipt", lang), align="center")
    lay.rule()
    lay.pair(_("Receipt no.", lang), doc.receipt_no)
    lay.pair(_("Kiosk", lang), doc.header.kiosk_id)
    lay.pair(_("Date and time", lang), local(doc.paid_at))
    if doc.duplicate and doc.reprinted_at is not None:
        lay.pair(_("Reprinted", lang), local(doc.reprinted_at))
    lay.rule()
    for inv in doc.invoices:
        _invoice(lay, inv, lang)
    lay.rule()
    lay.pair(_("TOTAL", lang), format_eur(doc.total_cents), bold=True, size="tall")
    lay.pair(_("Commission fee", lang), format_eur(0))
    lay.rule()
    if isinstance(doc.payment, CardPayment):
        lay.text(_("Paid by card", lang), bold=True)
        for line in doc.payment.terminal_lines:
            lay.verbatim(line)
    elif isinstance(doc.payment, CashPayment):
        lay.text(_("Paid in cash", lang), bold=True)
        lay.pair(_("Cash received", lang), format_eur(doc.payment.tendered_cents))
        lay.pair(_("Change", lang), format_eur(doc.payment.change_cents))
    lay.rule()
    if doc.payer_masked:
        lay.pair(_("Payer", lang), doc.payer_masked)
    if doc.pending:
        lay.text(_("AWAITING CONFIRMATION", lang), align="center", bold=True)
        lay.text(_("The card payment is approved; the municipality has not yet confirmed the "
                   "posting. You do not need to do anything.", lang))
    if doc.verify_url:
        lay.feed()
        lay.qr(doc.verify_url)
        lay.text(_("Verification code: {code}", lang, code=doc.verify_code), align="center", bold=True)
        lay.text(_("To check it, scan the QR code with a phone: the page {site} shows whether this "
                   "receipt is genuine.", lang, site=_site(doc.verify_url)), align="center")
    lay.text(_("This paper proves your payment. Keep it.", lang), align="center")
    lay.text(_("Thank you!", lang), align="center", bold=True)
    if doc.duplicate:
        lay.text(_("DUPLICATE", lang), align="center", bold=True)
    _finish(lay, lang, doc.demo)


def _invoice(lay: Layout, inv: InvoiceLine, lang: str) -> None:
    """One paid invoice as its paper names it: service, payee, object, notice, period, amount."""
    lay.text(service_name(inv.service, lang), bold=True)
    if inv.creditor_name:
        lay.text(_("Payee: {name}", lang, name=inv.creditor_name))
    if inv.object_ref:
        label = N_("Cadastral number: {ref}") if inv.object_kind == "cadastral" else N_("Object: {ref}")
        lay.text(_(label, lang, ref=inv.object_ref))
    lay.text(_("Notice no. {number}", lang, number=inv.notice_no))
    lay.pair(_("Period: {period}", lang, period=inv.period), format_eur(inv.amount_cents))


def _site(url: str) -> str:
    """Whose page the QR opens, as a person reads it: the host alone (no scheme, no payload)."""
    return url.split("://", 1)[-1].split("/", 1)[0]


@_compose.register
def _unknown(doc: OutcomeUnknownSlip, lay: Layout, lang: str, model: PrinterModel) -> None:
    _header(lay, doc.header, lang, doc.demo)
    lay.text(_("DO NOT PAY AGAIN", lang), align="center", bold=True, size="big")
    lay.text(_("The result of the payment is not known yet", lang), align="center", bold=True)
    lay.rule()
    lay.pair(_("Date and time", lang), local(doc.started_at))
    lay.pair(_("Kiosk", lang), doc.header.kiosk_id)
    lay.pair(_("Amount", lang), format_eur(doc.amount_cents), bold=True)
    for inv in doc.invoices:
        lay.pair(service_name(inv.service, lang), format_eur(inv.amount_cents))
    lay.rule()
    lay.text(_("We could not get the card terminal's answer. If your card was charged, the payment "
               "is safe. Scan this slip at the kiosk later, or show it to the librarian: you will "
               "get the receipt, or a slip saying you were not charged.", lang))
    lay.feed()
    lay.pair(_("Reference code", lang), doc.reference_code, bold=True)
    lay.qr(doc.scan_payload)
    lay.barcode(doc.reference_code)
    lay.text(doc.reference_code, align="center", bold=True, size="tall")
    _finish(lay, lang, doc.demo)


@_compose.register
def _not_charged(doc: NotChargedSlip, lay: Layout, lang: str, model: PrinterModel) -> None:
    _header(lay, doc.header, lang, doc.demo)
    lay.text(_("NOT CHARGED", lang), align="center", bold=True, size="big")
    lay.rule()
    lay.pair(_("Reference code", lang), doc.reference_code, bold=True)
    lay.pair(_("Date and time", lang), local(doc.started_at))
    lay.pair(_("Amount", lang), format_eur(doc.amount_cents))
    lay.pair(_("Checked", lang), local(doc.resolved_at))
    lay.rule()
    lay.text(_("This payment did not go through: your card was not charged. The invoices are still "
               "unpaid; you may pay them again.", lang))
    _finish(lay, lang, doc.demo)


@_compose.register
def _shift(doc: ShiftReport, lay: Layout, lang: str, model: PrinterModel) -> None:
    _header(lay, doc.header, lang, doc.demo)
    _title(lay, N_("SHIFT REPORT (Z)"), lang)
    lay.text(_("Internal cash document, not a fiscal report", lang), align="center")
    lay.rule()
    lay.pair(_("Shift", lang), doc.shift_no)
    lay.pair(_("Kiosk", lang), doc.header.kiosk_id)
    lay.pair(_("Opened", lang), local(doc.opened_at))
    lay.pair(_("Closed", lang), local(doc.closed_at))
    lay.pair(_("Operator", lang), doc.operator)
    if doc.first_receipt:
        lay.pair(_("Receipts", lang), f"{doc.first_receipt} ..")
        lay.pair("", doc.last_receipt)
    lay.rule()
    lay.pair(_("Card payments ({count})", lang, count=doc.card_count), format_eur(doc.card_total_cents))
    lay.pair(_("Cash payments ({count})", lang, count=doc.cash_count), format_eur(doc.cash_total_cents))
    lay.pair(_("Refunds ({count})", lang, count=doc.refund_count), format_eur(-doc.refund_total_cents))
    lay.pair(_("TOTAL", lang), format_eur(doc.card_total_cents + doc.cash_total_cents - doc.refund_total_cents),
             bold=True)
    lay.rule()
    if doc.float_cents:
        lay.pair(_("Float at opening", lang), format_eur(doc.float_cents))
    if doc.handovers_cents:
        lay.pair(_("Handed over during the shift", lang), format_eur(-doc.handovers_cents))
    lay.pair(_("Cash expected", lang), format_eur(doc.expected_cash_cents))
    if doc.denominations:
        lay.rule()
        for value, count in doc.denominations:
            lay.pair(f"{format_eur(value)} x {count}", format_eur(value * count))
        lay.rule()
    lay.pair(_("Cash counted", lang), format_eur(doc.counted_cash_cents))
    lay.pair(_("Difference", lang), format_eur(doc.difference_cents), bold=True)
    if doc.difference_reason:
        lay.text(_("Reason", lang) + ": " + doc.difference_reason)
    lay.feed()
    lay.text(_("Signature", lang) + ": " + "_" * 16)
    _finish(lay, lang, doc.demo)


@_compose.register
def _handover(doc: CashHandover, lay: Layout, lang: str, model: PrinterModel) -> None:
    copies = (_("Copy 1 of 2: stays at the library", lang), _("Copy 2 of 2: for the collector", lang))
    for copy_no, copy_label in enumerate(copies):
        _header(lay, doc.header, lang, doc.demo)
        _title(lay, N_("CASH HANDOVER"), lang)
        lay.text(copy_label, align="center", bold=True)
        lay.rule()
        lay.pair(_("Document no.", lang), doc.handover_no)
        lay.pair(_("Date and time", lang), local(doc.handed_at))
        lay.pair(_("Kiosk", lang), doc.header.kiosk_id)
        lay.pair(_("Period from", lang), local(doc.period_from))
        lay.pair(_("Period to", lang), local(doc.period_to))
        if doc.first_receipt:
            lay.pair(_("Receipts", lang), f"{doc.first_receipt} ..")
            lay.pair("", doc.last_receipt)
        lay.rule()
        for value, count in doc.denominations:
            lay.pair(f"{format_eur(value)} x {count}", format_eur(value * count))
        if doc.denominations:
            lay.rule()
        lay.pair(_("Cash expected", lang), format_eur(doc.expected_cents))
        lay.pair(_("Handed over", lang), format_eur(doc.counted_cents), bold=True, size="tall")
        lay.pair(_("Difference", lang), format_eur(doc.counted_cents - doc.expected_cents))
        if doc.bag_no:
            lay.pair(_("Bag no.", lang), doc.bag_no)
        if doc.seal_no:
            lay.pair(_("Seal no.", lang), doc.seal_no)
        if doc.note:
            lay.text(_("Note", lang) + ": " + doc.note)
        lay.rule()
        for role, name in ((_("Handed over by", lang), doc.cashier), (_("Received by", lang), doc.collector)):
            lay.feed()
            lay.text(f"{role}: {name}")
            lay.feed()
            lay.text(_("Signature", lang) + ": " + "_" * max(lay.columns - 20, 10))
        _finish(lay, lang, doc.demo, partial=copy_no == 0)


_STATUS = {
    "printed": N_("printed"), "duplicate": N_("duplicate"), "pending": N_("awaiting confirmation"),
    "failed": N_("not printed"), "reversed": N_("reversed"),
}


@_compose.register
def _journal(doc: ReceiptJournal, lay: Layout, lang: str, model: PrinterModel) -> None:
    _header(lay, doc.header, lang, doc.demo)
    _title(lay, N_("RECEIPT JOURNAL"), lang)
    lay.pair(_("Day", lang), doc.day.strftime("%d.%m.%Y"))
    lay.pair(_("Kiosk", lang), doc.header.kiosk_id)
    lay.pair(_("Printed", lang), local(doc.printed_at))
    lay.rule()
    totals = {"C": 0, "N": 0}
    for row in doc.rows:
        method = _("card", lang) if row.method == "C" else _("cash", lang)
        lay.pair(row.receipt_no, format_eur(row.amount_cents))
        lay.text(f"  {row.time.astimezone(RIGA):%H:%M}  {method}  {_(_STATUS.get(row.status, row.status), lang)}")
        if row.status != "reversed":
            totals[row.method] = totals.get(row.method, 0) + row.amount_cents
    lay.rule()
    lay.pair(_("Receipts", lang), str(len(doc.rows)))
    lay.pair(_("By card", lang), format_eur(totals["C"]))
    lay.pair(_("In cash", lang), format_eur(totals["N"]))
    lay.pair(_("TOTAL", lang), format_eur(totals["C"] + totals["N"]), bold=True)
    _finish(lay, lang, doc.demo)


@_compose.register
def _test_page(doc: SelfTestPage, lay: Layout, lang: str, model: PrinterModel) -> None:
    _header(lay, doc.header, lang, doc.demo)
    _title(lay, N_("PRINTER TEST"), lang)
    lay.pair(_("Date and time", lang), local(doc.printed_at))
    lay.pair(_("Model", lang), model.name)
    lay.pair(_("Profile", lang), model.profile)
    lay.pair(_("Width", lang), f"{model.dots} / {model.columns}")
    if model.raster_only:
        lay.text(_("Whole-raster mode: no code pages used", lang))
    else:
        lay.pair(_("Latvian code page", lang), f"{model.latvian_codepage.upper()} ESC t {model.latvian_esc_t}")
        lay.pair(_("Russian code page", lang), f"{model.russian_codepage.upper()} ESC t {model.russian_esc_t}")
    lay.rule()
    lay.text(LATVIAN_LETTERS)
    lay.text("Ķekavas ūdeņraža šķūnī ģērbjas ļoti čakls īpašnieks")
    lay.text(CYRILLIC_LETTERS)
    lay.text(CYRILLIC_CAPITALS)
    lay.text("Съешь же ещё этих мягких французских булок")
    lay.text("€ 1 234,56 „citāts” – №")
    lay.text(_("Mixed line (raster):", lang) + " Rīga Рига")
    lay.rule()
    lay.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789")
    for line in doc.extra_lines:
        lay.text(line)
    lay.text(_("QR code and barcode", lang), align="center")
    lay.qr("https://kac.cesis.lv/test")
    lay.barcode("TEST12345")
    _finish(lay, lang, doc.demo)
