"""The GDPR Art. 13 notice a resident reads before an application is sent.

The controller and its data protection officer come from the kiosk's configuration
(`[kiosk] municipality`, `dpo_contact`): one code base serves several municipalities, and a notice
naming the wrong controller misinforms the resident (docs/architecture.md, "Applications").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from common.forms.definition import FormDefinition
from common.i18n import N_, gettext

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

_ISO_DURATION = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?")

_DEPARTMENTS = {
    "social": N_("social service"),
    "construction": N_("building board"),
    "chancery": N_("client service"),
}


@dataclass(frozen=True)
class DataController:
    """Who processes the answers, and whom to ask about it."""

    name: str
    dpo_contact: str

    @classmethod
    def from_config(cls, cfg: KioskConfig) -> DataController:
        return cls(name=cfg.kiosk.municipality, dpo_contact=cfg.kiosk.dpo_contact)


def retention_text(iso: str, lang: str) -> str:
    """`P5Y` -> "5 gadi" / "5 years" / "5 лет" (CLDR plurals via Babel)."""
    from babel.units import format_unit

    m = _ISO_DURATION.fullmatch(iso)
    parts = []
    if m:
        for n, unit in zip(m.groups(), ("duration-year", "duration-month", "duration-day"), strict=True):
            if n:
                parts.append(format_unit(int(n), unit, length="long", locale=lang))
    return " ".join(parts) or iso


def department_name(code: str, lang: str) -> str:
    msgid = _DEPARTMENTS.get(code)
    return gettext(msgid, lang) if msgid else code


def privacy_notice(form: FormDefinition, lang: str, controller: DataController) -> list[str]:
    """The notice as paragraphs, shown before the answers are sent."""
    paras = [
        gettext("Your data is processed by {controller}.", lang, controller=controller.name),
        gettext("Purpose: to handle your application \"{title}\". Legal basis: performing the "
                "municipality's public tasks (GDPR Article 6(1)(e)), not consent.", lang,
                title=form.title.get(lang)),
    ]
    if form.legal_basis is not None:
        paras.append(gettext("Law: {law}.", lang, law=form.legal_basis.get(lang)))
    paras += [
        gettext("Who receives it: the municipality's {department} staff handling the "
                "application.", lang, department=department_name(form.department, lang)),
        gettext("How long: the application is kept for {period}, then deleted.", lang,
                period=retention_text(form.retention, lang)),
        gettext("Your rights: to see your data, to have it corrected, to object or ask for "
                "restriction, and to complain to the Data State Inspectorate (dvi.gov.lv).", lang),
        gettext("Data protection officer: {contact}.", lang, contact=controller.dpo_contact),
    ]
    return paras
