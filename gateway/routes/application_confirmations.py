"""`POST /api/v1/application-confirmations`: a librarian confirms an applicant's identity."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX, ApplicationReceipt, IdentityConfirmationRequest
from gateway.deps import Idempotent, OperatorSession
from gateway.problems import problem_responses
from gateway.services import applications

router = APIRouter(prefix=API_PREFIX, tags=["applications"])


@router.post("/application-confirmations", response_model=ApplicationReceipt,
             responses=problem_responses(400, 401, 403, 404, 422, 503))
def confirm(body: IdentityConfirmationRequest, operator: OperatorSession, idem: Idempotent) -> Any:
    """A librarian checked the applicant's ID and signature: `awaiting_identity` -> `received`.

    Needs an operator session (`X-Operator-Session`) of the application's location: 403 without
    one or for another location's application. Confirming twice is harmless.
    """
    return idem.run(body, lambda s: applications.confirm_application(s, operator, body, idem.now))
