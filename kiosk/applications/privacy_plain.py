"""The privacy notice's plain first layer: who, why, how long, your rights, whom to ask.

The legal text (`kiosk.applications.privacy_notice.privacy_notice`: GDPR Art. 13 with its article
numbers) stays one tap away; a resident first reads five short sentences without legal words
(docs/architecture.md, "Applications"). Plain Python: the privacy screen shows it.
"""

from __future__ import annotations

from common.forms.definition import FormDefinition
from common.i18n import N_, gettext
from kiosk.applications.privacy_notice import DataController, department_name, retention_text

# (heading, sentence) msgids; the sentences take {controller} {title} {department} {period}.
LAYER: tuple[tuple[str, str], ...] = (
    (N_("Who"), N_("{controller} receives your application.")),
    (N_("Why"), N_("Only to handle your application \"{title}\". The {department} staff read it.")),
    (N_("How long"), N_("It is kept for {period}, then deleted.")),
    (N_("Your rights"), N_("You may see your data, have it corrected, and complain.")),
    (N_("Whom to ask"), N_("Ask the librarian, or the municipality: {contact}.")),
)


def plain_notice(form: FormDefinition, lang: str, controller: DataController) -> list[tuple[str, str]]:
    """(heading, sentence) pairs in `lang`, from the same facts as the legal text."""
    facts = {"controller": controller.name, "title": form.title.get(lang),
             "department": department_name(form.department, lang),
             "period": retention_text(form.retention, lang), "contact": controller.dpo_contact}
    return [(gettext(head, lang), gettext(text, lang, **facts)) for head, text in LAYER]
