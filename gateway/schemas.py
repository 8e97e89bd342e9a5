"""Request and response models of the applications API, which only the gateway defines.

The payment API's models are shared with the kiosk in `common/schema.py` (docs/architecture.md,
"API rules").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from common.schema import Identifier, UtcDatetime

ApplicationStatus = Literal["received", "awaiting_identity"]
Assurance = Literal["none", "librarian_checked_id", "eid"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentityClaim(_In):
    # A claim alone is not trusted: "librarian_checked_id" counts only when the request carries an
    # operator session, whose operator is recorded (docs/architecture.md, "Operators").
    assurance: Assurance = "none"
    operator_id: Identifier | None = Field(default=None, max_length=64)  # ignored: the session names the operator


class ApplicationRequest(_In):
    client_application_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    service_code: Identifier = Field(min_length=1, max_length=40)
    form_version: StrictInt = Field(ge=1)
    lang: Literal["lv", "en", "ru"] = "lv"
    # Aware and within the API's time window (docs/architecture.md, "API rules"); not after the
    # server's clock either (gateway.services.applications).
    submitted_at: UtcDatetime
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


# The confirmation's request is shared with the kiosk: `common.operator_schema.IdentityConfirmationRequest`.


class Catalogue(BaseModel):
    services: list[dict[str, Any]]
