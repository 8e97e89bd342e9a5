"""Sample data for the desk screens' gallery states: a signed-in librarian and a person with two
invoices (the demo's sample invoices, names made up). Not a screen (no @register_screen)."""

from __future__ import annotations

from typing import Any

from kiosk.desk import DeskService, PersonInvoice

SAMPLE_OPERATOR = "Anna Bērziņa"
SAMPLE_PAYER = "Jānis Bērziņš"
SAMPLE_NOTICES = ("2026000457", "2026000464")


def signed_in(screen: Any) -> DeskService:
    desk: DeskService = screen.desk
    if not desk.session.signed_in:
        desk.sample_session(SAMPLE_OPERATOR)
    return desk


def sample_person(screen: Any) -> DeskService:
    """The desk has found a person: their open invoices, both ticked."""
    desk = signed_in(screen)
    sample = screen.services.sample_invoice
    work = desk.work
    if sample is None or work is None:
        return desk
    lookup = work.lookup
    lookup.choose_document("id-card")
    lookup.found = [PersonInvoice(sample(n), SAMPLE_PAYER) for n in SAMPLE_NOTICES]
    lookup.selected = [p.invoice_id for p in lookup.found]
    lookup.searched = True
    return desk
