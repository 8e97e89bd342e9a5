"""Applications on the wire (docs/architecture.md, "Applications"): the catalogue of forms, one
form's definition, a submission and its registration, and the librarian's identity confirmation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, StrictInt

from common.schema.base import RequestModel, ResponseModel
from common.schema.fields import Identifier, UtcDatetime
from common.schema.operators import IdDocument

ApplicationStatus = Literal["received", "awaiting_identity"]
Assurance = Literal["none", "librarian_checked_id", "eid"]


# --- the catalogue and its forms ------------------------------------------------------------


class ServiceEntry(ResponseModel):
    """One application form in the catalogue (an Open311-like services list row)."""

    service_code: str
    version: int
    title: dict[str, str] = Field(description="per kiosk language (lv, en, ru)")
    description: dict[str, str] | None = None
    group: str
    department: str
    keywords: list[str] = Field(default_factory=list)
    identity: Assurance = Field(default="none", description="the identity check the form needs")
    type: Literal["batch", "realtime"] = "realtime"


class Catalogue(ResponseModel):
    services: list[ServiceEntry]


class FormDocument(ResponseModel):
    """A form's KF1 definition and the JSON Schema 2020-12 its `answers` must meet."""

    definition: dict[str, Any]
    json_schema: dict[str, Any]


# --- submissions ----------------------------------------------------------------------------


class IdentityClaim(RequestModel):
    # A claim alone is not trusted: "librarian_checked_id" counts only when the request carries an
    # operator session, whose operator is recorded (docs/architecture.md, "Operators").
    assurance: Assurance = "none"
    operator_id: Identifier | None = Field(default=None, max_length=64)  # ignored: the session names the operator


class ApplicationRequest(RequestModel):
    client_application_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    service_code: Identifier = Field(min_length=1, max_length=40)
    form_version: StrictInt = Field(ge=1)
    lang: Literal["lv", "en", "ru"] = "lv"
    # Aware and within the API's time window (docs/architecture.md, "API rules"); not after the
    # server's clock either (gateway.services.applications).
    submitted_at: UtcDatetime
    identity: IdentityClaim = IdentityClaim()
    answers: dict[str, Any]


class ApplicationReceipt(ResponseModel):
    application_id: str
    client_application_id: str
    registration_no: str
    status: ApplicationStatus
    service_code: str
    department: str
    received_at: datetime


# --- the librarian's identity check (docs/architecture.md, "Operators") ---------------------


class IdentityConfirmationRequest(RequestModel):
    """The librarian checked the applicant's ID: the confirming operator is the session's."""

    registration_no: Identifier = Field(min_length=1, max_length=20)
    id_document: IdDocument | None = None
    # Older kiosks sent their own operator id; it is ignored (the session names the operator).
    operator_id: Identifier | None = Field(default=None, max_length=64)


class ApplicationConfirmed(ResponseModel):
    application_id: str
    registration_no: str
    status: ApplicationStatus
    service_code: str
