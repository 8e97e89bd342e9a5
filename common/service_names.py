"""What residents call each invoice type, on screen, on paper invoices and on receipts."""

from __future__ import annotations

from common.i18n import N_, gettext

SERVICE_NAMES: dict[str, str] = {
    "property-tax": N_("Real estate tax"),
    "water": N_("Water and sewage"),
    "waste": N_("Waste collection"),
    "rent": N_("Rent"),
}


def service_name(service: str, lang: str) -> str:
    """The translated name of a service key; any other text is shown as it is."""
    msgid = SERVICE_NAMES.get(service)
    return gettext(msgid, lang) if msgid else service
