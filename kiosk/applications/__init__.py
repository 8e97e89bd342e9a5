"""Applications: a resident's application to the municipality, from the catalogue to the paper
(docs/architecture.md, "Applications").

- `visit` (one visit's application path: the catalogue, the form being filled in, sending and
  printing; what the resident's screens call), `wizard` (steps, answers, review) and
  `wizard_pages` (the page counter, whose total never grows);
- `service` (`ApplicationService`: the outbox and the queue of applications waiting for an ID
  check), `forms_client` (the gateway's forms API);
- `paper` (the acknowledgement, or the application to sign and the resident's slip),
  `privacy_notice` (the GDPR notice and its data controller), `privacy_plain` (its plain first
  layer).

The names below are what other layers may use. Modules of the core import the module that
defines a name, never this package, so the package cannot import itself in a circle.
"""

from __future__ import annotations

from kiosk.applications.privacy_notice import DataController
from kiosk.applications.privacy_plain import plain_notice
from kiosk.applications.service import Acknowledgement, ApplicationService, Status, SubmissionRejected
from kiosk.applications.visit import (
    ApplicationVisit,
    CatalogueEntry,
    CatalogueGroup,
    SendOutcome,
    application_visit,
    current_application,
    message,
    shipped_forms,
)
from kiosk.applications.wizard import ApplicationWizard
from printer.application_port import PrintedAck

__all__ = [
    "Acknowledgement",
    "ApplicationService",
    "ApplicationVisit",
    "ApplicationWizard",
    "CatalogueEntry",
    "CatalogueGroup",
    "DataController",
    "PrintedAck",
    "SendOutcome",
    "Status",
    "SubmissionRejected",
    "application_visit",
    "current_application",
    "message",
    "plain_notice",
    "shipped_forms",
]
