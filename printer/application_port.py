"""Printing an application acknowledgement durably: spooled first, kept until the printer confirmed it.

Takes the finished paper (`printer.documents.ApplicationAck`, or `ApplicationToSign` for the two
slips of a form that needs an ID check: plain data): what goes on it, and in
which language, is decided above the printer (kiosk.applications.paper), because the printer
layer imports nothing of the kiosk (docs/architecture.md, "Layers").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from printer.devices import PrintError
from printer.documents import ApplicationAck, ApplicationToSign

if TYPE_CHECKING:
    from printer.service import ReceiptPrinter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintedAck:
    """What the done screen shows: the job, whether the printer confirmed it, the preview image."""

    job_id: str
    printed: bool
    preview_png: Path | None
    error: str = ""


def preview_path(printer: ReceiptPrinter, job_id: str) -> Path | None:
    spool = printer.spool
    for folder in (spool.printed_dir, spool.pending_dir):
        path = folder / f"{job_id}.png"
        if path.exists():
            return path
    return None


async def print_application_ack(printer: ReceiptPrinter, doc: ApplicationAck | ApplicationToSign, *,
                                job_id: str, lang: str) -> PrintedAck:
    """Print it; a printer problem is reported (the application itself is already safe)."""
    try:
        await printer.print_document(doc, job_id=job_id, lang=lang, kind="application")
    except PrintError as exc:
        log.warning("application acknowledgement %s not printed: %s", job_id, exc.reason)
        return PrintedAck(job_id, False, preview_path(printer, job_id), exc.reason)
    return PrintedAck(job_id, True, preview_path(printer, job_id))
