"""The application on paper: the service's `Acknowledgement` -> the printer's document, printed
through `printer.application_port`.

A form without an ID check gets the acknowledgement (`ApplicationAck`): what the service chose for
the summary (no personal code, account or income). A form that needs the librarian's ID check gets
two slips (`ApplicationToSign`): the application the resident signs and hands over, with every
answer in Latvian and the resident's language beside it, and the resident's own slip saying what
happens next. The QR holds no personal data: the status address of the
registration number, or, while the number is not known yet, the kiosk's own application id for the
librarian's scanner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin

from common.i18n import gettext
from kiosk.applications.service import Acknowledgement
from printer.application_port import PrintedAck, print_application_ack
from printer.documents import ApplicationAck, ApplicationToSign, Header, SignedAnswer

if TYPE_CHECKING:
    from printer.service import ReceiptPrinter

# Scanned at the kiosk by the librarian: finds the application held for an ID check.
HELD_PREFIX = "KACAPP:"


def status_base(verify_url_base: str) -> str:
    """`https://kac.cesis.lv/r/` (receipt checks) -> `https://kac.cesis.lv/a/` (applications)."""
    return urljoin(verify_url_base, "/a/") if verify_url_base else ""


def job_id_for(ack: Acknowledgement) -> str:
    return f"app-{ack.application_id}"


def ack_document(ack: Acknowledgement, header: Header, *, status_url_base: str = "",
                 demo: bool = False) -> ApplicationAck:
    """The acknowledgement of a form without an ID check, in the resident's language (`ack.lang`)."""
    lang = ack.lang
    summary: list[tuple[str, str]] = []
    if ack.registration_no is None:
        # No registration number yet: the kiosk's id lets the librarian match paper and queue.
        summary.append((gettext("Application number in the kiosk", lang), ack.application_id))
    summary += [(line.label, line.value) for line in ack.summary]
    if ack.registration_no and status_url_base:
        qr = status_url_base + ack.registration_no
    else:
        qr = HELD_PREFIX + ack.application_id
    next_steps = f"{ack.status_text()}\n{ack.service_notice}"
    return ApplicationAck(header=header, registration_no=ack.registration_text(),
                          submitted_at=ack.created_at, form_title=ack.title,
                          summary=tuple(summary), next_steps=next_steps, status_url=qr, demo=demo,
                          status=ack.status)


def to_sign_document(ack: Acknowledgement, header: Header, *, demo: bool = False) -> ApplicationToSign:
    """The two slips of a form that needs an ID check: the copy to sign, the resident's slip."""
    answers = tuple(SignedAnswer(line.label, line.value, line.label_own, line.value_own)
                    for line in ack.to_sign)
    title_lv = ack.title_lv or ack.title
    return ApplicationToSign(header=header, application_no=ack.application_id,
                             submitted_at=ack.created_at, form_title=title_lv,
                             form_title_own=ack.title if ack.title != title_lv else "",
                             answers=answers, service_notice=ack.service_notice,
                             held_code=HELD_PREFIX + ack.application_id,
                             registration_no=ack.registration_no or "", demo=demo)


def paper_document(ack: Acknowledgement, header: Header, *, status_url_base: str = "",
                   demo: bool = False) -> ApplicationAck | ApplicationToSign:
    """What is printed for this acknowledgement: two slips to sign and keep, or one to keep."""
    if ack.needs_signature:
        return to_sign_document(ack, header, demo=demo)
    return ack_document(ack, header, status_url_base=status_url_base, demo=demo)


async def print_acknowledgement(printer: ReceiptPrinter, ack: Acknowledgement, header: Header, *,
                                status_url_base: str = "", demo: bool = False) -> PrintedAck:
    """Print the paper (one job, both slips for an identity form); a printer problem comes back
    in the `PrintedAck`."""
    doc = paper_document(ack, header, status_url_base=status_url_base, demo=demo)
    return await print_application_ack(printer, doc, job_id=job_id_for(ack), lang=ack.lang)
