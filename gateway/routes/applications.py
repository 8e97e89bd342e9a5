"""`POST /api/v1/applications`: registering a municipal application."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX, ApplicationReceipt, ApplicationRequest
from gateway.deps import ApplicationsConfig, CurrentKiosk, Idempotent, OptionalOperatorSession
from gateway.services import applications

router = APIRouter(prefix=API_PREFIX, tags=["applications"])


@router.post("/applications", response_model=ApplicationReceipt, status_code=201)
def submit(body: ApplicationRequest, kiosk: CurrentKiosk, cfg: ApplicationsConfig, idem: Idempotent,
           operator: OptionalOperatorSession) -> Any:
    """Register an application: 201 with `registration_no` (`KAC-2026-000123`).

    Invalid answers: 422 problem+json, `errors[{pointer, code, message{lv,en,ru}}]` per field.
    A form that needs an identity check and arrives without one is `awaiting_identity` until
    `POST /application-confirmations`. The `librarian_checked_id` claim counts only on an operator's
    session (`X-Operator-Session`, e.g. a visit the librarian took over); a kiosk's claim alone
    is not trusted.
    """
    return idem.run(body, lambda s: applications.register_application(s, cfg, kiosk, body, idem.now, operator))
