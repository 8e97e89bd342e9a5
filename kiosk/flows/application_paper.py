"""The application acknowledgement on paper: the service's `Acknowledgement` -> the printer's
`ApplicationAck` document, printed through `printer.application_port`.

What is printed is what the service chose for the summary (no personal code, account or income);
the QR holds no personal data: the status address of the registration number, or, while the number
is not known yet, the kiosk's own application id for the librarian's scanner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin

from common.i18n import gettext
from kiosk.flows.application_flow import Acknowledgement
from printer.application_port import PrintedAck, print_application_ack
from printer.documents import ApplicationAck, Header

if TYPE_CHECKING:
    from printer.service import ReceiptPrinter

# Scanned at the kiosk by the librarian: finds the application held for an ID check.
HELD_PREFIX = "KACAPP:"
SIGNATURE_LINE = "_" * 24


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


async def print_acknowledgement(printer: ReceiptPrinter, ack: Acknowledgement, header: Header, *,
                                status_url_base: str = "", demo: bool = False) -> PrintedAck:
    """Print the acknowledgement; a printer problem comes back in the `PrintedAck`."""
    doc = ack_document(ack, header, status_url_base=status_url_base, demo=demo)
    return await print_application_ack(printer, doc, job_id=job_id_for(ack), lang=ack.lang)
