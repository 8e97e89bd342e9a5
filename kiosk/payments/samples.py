"""Gallery only: a payment's receipt made up for the screen gallery, put where a real one goes.

The outcome screen's gallery states show "paid" with its receipt preview; the preview comes from
the spool, as after a real payment. The screens import no printer module (docs/architecture.md,
"Layers"), so the sample is spooled here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from printer.service import ReceiptPrinter


def spool_sample_receipt(printer: ReceiptPrinter, receipt_no: str, lang: str, *, pending: bool) -> None:
    """Put the printer's signed sample receipt in the spool under `receipt_no`."""
    # Imported here: the gallery alone needs the samples, and a running kiosk never loads them.
    from printer.render import render
    from printer.samples import signed_payment

    doc = signed_payment(pending=pending, receipt_no=receipt_no)
    job = render(doc, printer.model, lang)
    printer.spool.add(receipt_no, job.escpos, kind="payment", preview_png=job.png())
