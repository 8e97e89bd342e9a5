"""Paper invoices for the demo: an A4 page with the EPC QR and the Code 128 a resident scans.

Drawn with Pillow in the bundled DejaVuSans (covers Latvian and Cyrillic); the QR with `qrcode`
(byte mode, UTF-8, ECC M, as EPC069-12 asks) and the Code 128 with `python-barcode`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import barcode
import qrcode
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw, ImageFont

from common.i18n import gettext
from common.invoice_codes import code128_content, epc_payload
from common.money import format_eur
from common.paths import fonts_dir
from common.service_names import SERVICE_NAMES
from gateway.demo_data import CREDITORS, DemoInvoice

DPI = 150
PAGE = (1240, 1754)  # A4 at 150 dpi


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(fonts_dir() / name), size)


def epc_qr_image(payload: str, box: int = 6) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box, border=4)
    qr.add_data(payload.encode("utf-8"))
    qr.make(fit=True)
    if qr.version > 13:
        raise ValueError("EPC QR must fit version 13")
    image: Image.Image = qr.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("RGB")


def code128_image(content: str) -> Image.Image:
    writer = ImageWriter(dpi=DPI)
    code = barcode.get("code128", content, writer=writer)
    image: Image.Image = code.render(
        {"module_width": 0.33, "module_height": 14.0, "quiet_zone": 6.5, "write_text": False}
    )
    return image


def creditor_of(inv: DemoInvoice) -> tuple[str, str, str, str]:
    for cid, name, reg, acc, bic in CREDITORS:
        if cid == inv.creditor_id:
            return name, reg, acc, bic
    raise KeyError(inv.creditor_id)


def _due_now(inv: DemoInvoice, today: date) -> int:
    cumulative = 0
    for due, amount in zip(inv.due_dates, inv.instalments, strict=True):
        cumulative += amount
        if due >= today and cumulative > inv.paid_cents:
            return min(cumulative - inv.paid_cents, inv.balance_cents)
    return inv.balance_cents


def render_invoice(inv: DemoInvoice, *, lang: str = "lv", today: date | None = None) -> Image.Image:
    def _(msgid: str) -> str:
        return gettext(msgid, lang)

    today = today or date.today()
    name, reg, acc, bic = creditor_of(inv)
    to_pay = _due_now(inv, today)
    payload = epc_payload(
        creditor_name=name,
        iban=acc,
        bic=bic,
        notice_no=inv.notice_number,
        check_value=inv.check_value,
        amount_cents=to_pay if to_pay > 0 else None,
    )
    page = Image.new("RGB", PAGE, "white")
    d = ImageDraw.Draw(page)
    x, y = 90, 80
    d.text((x, y), name, font=_font(34, True), fill="black")
    d.text((x, y + 48), f"{_('Reg. No.')} {reg} · {acc}", font=_font(22), fill="black")
    d.text((PAGE[0] - 90, y), _("DEMO — not a real invoice"), font=_font(22, True), fill="#b00020", anchor="ra")
    y += 130
    d.text((x, y), _("PAYMENT NOTICE"), font=_font(44, True), fill="black")
    y += 80
    rows = [
        (_("Notice number"), inv.notice_number),
        (_("Check value"), inv.check_value),
        (_("Payer"), inv.payer_name),
        (_("Service"), _(SERVICE_NAMES[inv.service])),
        (_("Creditor"), name),
        (_("Period"), f"{inv.period_start:%d.%m.%Y} – {inv.period_end:%d.%m.%Y}"),
        (_("Property"), inv.object_ref),
        (_("Total"), format_eur(inv.total_cents)),
        (_("Already paid"), format_eur(inv.paid_cents)),
        (_("To pay"), format_eur(to_pay)),
    ]
    for label, value in rows:
        big = label in (_("Notice number"), _("Check value"), _("To pay"))
        d.text((x, y), label, font=_font(26), fill="#333333")
        d.text((x + 380, y - (4 if big else 0)), value, font=_font(32 if big else 26, big), fill="black")
        y += 52 if big else 44
    if len(inv.due_dates) > 1:
        y += 16
        d.text((x, y), _("Instalments"), font=_font(26, True), fill="black")
        y += 42
        for due, amount in zip(inv.due_dates, inv.instalments, strict=True):
            d.text((x + 30, y), f"{due:%d.%m.%Y}", font=_font(24), fill="black")
            d.text((x + 380, y), format_eur(amount), font=_font(24), fill="black")
            y += 36
    else:
        d.text((x, y), _("Due date"), font=_font(26), fill="#333333")
        d.text((x + 380, y), f"{inv.due_dates[0]:%d.%m.%Y}", font=_font(26), fill="black")
        y += 44

    y = max(y + 40, 1130)
    d.line((x, y, PAGE[0] - 90, y), fill="black", width=2)
    y += 30
    d.text((x, y), _("Pay at the library kiosk: scan a code or type the notice number and check value."),
           font=_font(22), fill="black")
    y += 50
    qr = epc_qr_image(payload)
    page.paste(qr, (x, y))
    bar = code128_image(code128_content(inv.notice_number, inv.check_value))
    bx = PAGE[0] - 90 - bar.width
    page.paste(bar, (bx, y + 40))
    d.text((bx + bar.width // 2, y + 50 + bar.height), code128_content(inv.notice_number, inv.check_value),
           font=_font(24), fill="black", anchor="ma")
    return page


def write_invoices(invoices: list[DemoInvoice], out_dir: Path, *, fmt: str = "png", lang: str = "lv",
                   today: date | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for inv in invoices:
        img = render_invoice(inv, lang=lang, today=today)
        path = out_dir / f"invoice-{inv.notice_number}.{fmt}"
        if fmt == "pdf":
            img.save(path, "PDF", resolution=DPI)
        else:
            img.save(path, "PNG")
        paths.append(path)
    return paths
