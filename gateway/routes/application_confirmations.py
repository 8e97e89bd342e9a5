"""`POST /api/v1/application-confirmations`: a librarian confirms an applicant's identity."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX
from gateway.deps import CurrentKiosk, Idempotent
from gateway.schemas import ApplicationReceipt, ConfirmationRequest
from gateway.services import applications

router = APIRouter(prefix=API_PREFIX, tags=["applications"])


@router.post("/application-confirmations", response_model=ApplicationReceipt)
def confirm(body: ConfirmationRequest, kiosk: CurrentKiosk, idem: Idempotent) -> Any:
    """A librarian checked the applicant's ID and signature: `awaiting_identity` -> `received`.

    Takes the kiosk token until operator sessions exist; confirming twice is harmless.
    """
    return idem.run(body, lambda s: applications.confirm_application(s, kiosk, body, idem.now))
