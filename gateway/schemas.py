"""Request and response models of the applications API, which only the gateway defines.

The payment API's models are shared with the kiosk in `common/schema.py` (docs/architecture.md,
"API rules").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ApplicationStatus = Literal["received", "awaiting_identity"]
Assurance = Literal["none", "librarian_checked_id", "eid"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentityClaim(_In):
    assurance: Assurance = "none"
    # The librarian who checked the ID (the kiosk's operator id); no document number is sent.
    operator_id: str | None = Field(default=None, max_length=64)


class ApplicationRequest(_In):
    client_application_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    service_code: str = Field(min_length=1, max_length=40)
    form_version: int = Field(ge=1)
    lang: Literal["lv", "en", "ru"] = "lv"
    submitted_at: datetime
    identity: IdentityClaim = IdentityClaim()
    answers: dict[str, Any]


class ApplicationReceipt(BaseModel):
    application_id: str
    client_application_id: str
    registration_no: str
    status: ApplicationStatus
    service_code: str
    department: str
    received_at: datetime


class ConfirmationRequest(_In):
    registration_no: str = Field(min_length=1, max_length=20)
    operator_id: str = Field(min_length=1, max_length=64)


class Catalogue(BaseModel):
    services: list[dict[str, Any]]
