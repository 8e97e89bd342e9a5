"""The application papers as layout ops: the acknowledgement (received, or saved to send later)
and, for a form that waits for the librarian's ID check, the two slips of `ApplicationToSign`.

The copy to sign is the application itself, so its fixed wording and every answer are Latvian
first (the municipality's language), with the resident's language under each line where it differs;
it names no registration number before the municipality gave one and never asks to be kept. The
resident's slip is theirs to keep and says what happens next, in their language.
"""

from __future__ import annotations

from common.i18n import N_
from printer.compose_parts import finish, header, local, title, tr
from printer.documents import ApplicationAck, ApplicationToSign
from printer.layout import Align, Layout

# The title says where the application is: received, queued on the kiosk, or waiting for a
# signature; a resident must never read "received" on paper the municipality does not have yet.
_ACK_TITLES = {
    "received": N_("APPLICATION RECEIVED"),
    "will_be_sent": N_("APPLICATION SAVED, WILL BE SENT"),
    "awaiting_identity": N_("APPLICATION: SIGN AND GIVE TO THE LIBRARIAN"),
}
_STEPS = (
    N_("1. Sign the application (the other slip) and give it to the librarian together with "
       "your ID document."),
    N_("2. The librarian checks your ID and sends the application to the municipality."),
    N_("3. The municipality registers the application and answers you:"),
)
_INDENT = 2  # an answer stands indented under its question


def acknowledgement(doc: ApplicationAck, lay: Layout, lang: str) -> None:
    header(lay, doc.header, lang, doc.demo)
    title(lay, _ACK_TITLES.get(doc.status, _ACK_TITLES["received"]), lang)
    lay.rule()
    lay.pair(tr("Registration no.", lang), doc.registration_no, bold=True)
    lay.pair(tr("Date and time", lang), local(doc.submitted_at))
    lay.pair(tr("Place", lang), doc.header.location)
    lay.rule()
    lay.text(doc.form_title, bold=True)
    for label, value in doc.summary:
        lay.text(f"{label}: {value}")
    lay.rule()
    lay.text(tr("What happens next", lang), bold=True)
    lay.text(doc.next_steps)
    if doc.status_url:
        lay.feed()
        lay.qr(doc.status_url)
    lay.text(tr("Keep this paper: quote the registration number when you ask about your application.", lang),
             align="center")
    finish(lay, lang, doc.demo)


def to_sign(doc: ApplicationToSign, lay: Layout, lang: str) -> None:
    _signed_copy(doc, lay, lang)
    _resident_slip(doc, lay, lang)


def _both(lay: Layout, msgid: str, lang: str, *, bold: bool = False, align: Align = "left") -> None:
    """Fixed wording in Latvian, and in the resident's language on the next line. Never on one
    line: Latvian and Cyrillic letters share no code page, so a mixed line would be a raster."""
    lay.text(tr(msgid, "lv"), bold=bold, align=align)
    if lang != "lv":
        lay.text(tr(msgid, lang), align=align)


def _number(doc: ApplicationToSign) -> tuple[str, str]:
    if doc.registration_no:
        return N_("Registration no."), doc.registration_no
    return N_("Application number in the kiosk"), doc.application_no


def _signed_copy(doc: ApplicationToSign, lay: Layout, lang: str) -> None:
    header(lay, doc.header, "lv", doc.demo)
    title(lay, N_("APPLICATION"), lang)
    _both(lay, N_("Copy to sign and give to the librarian"), lang, bold=True, align="center")
    lay.rule()
    label, number = _number(doc)
    lay.pair(tr(label, "lv"), number, bold=True)
    lay.pair(tr("Date and time", "lv"), local(doc.submitted_at))
    lay.pair(tr("Place", "lv"), doc.header.location)
    lay.rule()
    lay.text(doc.form_title, bold=True)
    if doc.form_title_own:
        lay.text(doc.form_title_own)
    lay.rule()
    for answer in doc.answers:
        lay.text(answer.label, bold=True)
        if answer.label_own:
            lay.text(answer.label_own)
        lay.text(answer.value, indent=_INDENT)
        if answer.value_own:
            lay.text(answer.value_own, indent=_INDENT)
    lay.rule()
    for msgid in (N_("Signature"), N_("Date")):
        lay.feed()
        lay.text(f"{tr(msgid, 'lv')}: " + "_" * max(lay.columns - len(tr(msgid, 'lv')) - 2, 8))
        if lang != "lv":
            lay.text(tr(msgid, lang))
    lay.feed()
    lay.text(tr("For the librarian: check the ID document and the signature, then scan this code "
                "to send the application.", "lv"))
    lay.qr(doc.held_code)
    finish(lay, "lv", doc.demo)


def _resident_slip(doc: ApplicationToSign, lay: Layout, lang: str) -> None:
    header(lay, doc.header, lang, doc.demo)
    title(lay, N_("YOUR APPLICATION: WHAT HAPPENS NEXT"), lang)
    lay.text(tr("Your slip: keep it", lang), align="center", bold=True)
    lay.rule()
    lay.text(doc.form_title_own or doc.form_title, bold=True)
    label, number = _number(doc)
    lay.pair(tr(label, lang), number, bold=True)
    # The place is in the header: beside a Cyrillic label its Latvian name would be a raster line.
    lay.pair(tr("Date and time", lang), local(doc.submitted_at))
    lay.rule()
    lay.text(tr("What happens next", lang), bold=True)
    if doc.registration_no:
        lay.text(tr("Received by the municipality.", lang))
    else:
        for step in _STEPS:
            lay.text(tr(step, lang))
    # Under step 3: how the municipality will answer.
    lay.text(doc.service_notice, indent=0 if doc.registration_no else 3)
    finish(lay, lang, doc.demo, partial=False)
