"""The application acknowledgement on paper: the wizard's `Acknowledgement` -> `ApplicationAck`,
printed through the durable `ReceiptPrinter` (spooled first, kept until the printer confirmed it).

What is printed is what the flow chose for the summary (no personal code, account or income); the
QR holds no personal data: the status address of the registration number, or, while the number is
not known yet, the kiosk's own application id for the librarian's scanner.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from common.i18n import N_, gettext
from printer.devices import PrintError
from printer.documents import ApplicationAck, Header

if TYPE_CHECKING:
    from kiosk.flows.application_flow import Acknowledgement
    from printer.service import ReceiptPrinter

log = logging.getLogger(__name__)

# Scanned at the kiosk by the librarian: finds the application held for an ID check.
HELD_PREFIX = "KACAPP:"
SIGNATURE_LINE = "_" * 24


@dataclass(frozen=True)
class PrintedAck:
    """What the done screen shows: the job, whether the printer confirmed it, the preview image."""

    job_id: str
    printed: bool
    preview_png: Path | None
    error: str = ""


def status_base(verify_url_base: str) -> str:
    """`https://kac.cesis.lv/r/` (receipt checks) -> `https://kac.cesis.lv/a/` (applications)."""
    return urljoin(verify_url_base, "/a/") if verify_url_base else ""


def job_id_for(ack: Acknowledgement) -> str:
    return f"app-{ack.application_id}"


def ack_document(ack: Acknowledgement, header: Header, *, status_url_base: str = "",
                 demo: bool = False) -> ApplicationAck:
    """The paper for one acknowledgement, in the resident's language (`ack.lang`)."""
    lang = ack.lang
    summary: list[tuple[str, str]] = []
    if ack.registration_no is None:
        # No registration number yet: the kiosk's id lets the librarian match paper and queue.
        summary.append((gettext("Application number in the kiosk", lang), ack.application_id))
    summary += [(line.label, line.value) for line in ack.summary]
    if ack.needs_signature:
        summary.append((gettext("Signature", lang), SIGNATURE_LINE))
    if ack.registration_no and status_url_base:
        qr = status_url_base + ack.registration_no
    else:
        qr = HELD_PREFIX + ack.application_id
    next_steps = f"{ack.status_text()}\n{ack.service_notice}"
    return ApplicationAck(header=header, registration_no=ack.registration_text(),
                          submitted_at=ack.created_at, form_title=ack.title,
                          summary=tuple(summary), next_steps=next_steps, status_url=qr, demo=demo,
                          status=ack.status)


def preview_path(printer: ReceiptPrinter, job_id: str) -> Path | None:
    spool = printer.spool
    for folder in (spool.printed_dir, spool.pending_dir):
        path = folder / f"{job_id}.png"
        if path.exists():
            return path
    return None


async def print_acknowledgement(printer: ReceiptPrinter, ack: Acknowledgement, header: Header, *,
                                status_url_base: str = "", demo: bool = False) -> PrintedAck:
    """Print it; a printer problem is reported (the application itself is already safe)."""
    doc = ack_document(ack, header, status_url_base=status_url_base, demo=demo)
    job_id = job_id_for(ack)
    try:
        await printer.print_document(doc, job_id=job_id, lang=ack.lang, kind="application")
    except PrintError as exc:
        log.warning("application acknowledgement %s not printed: %s", job_id, exc.reason)
        return PrintedAck(job_id, False, preview_path(printer, job_id), exc.reason)
    return PrintedAck(job_id, True, preview_path(printer, job_id))


# Shown to the resident when the paper did not come out.
NOT_PRINTED = N_("The paper could not be printed. Please ask the librarian for a copy.")
