"""`POST /api/v1/payments`: posting an approved payment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX, Payment, PaymentRequest
from gateway.deps import CurrentKiosk, Idempotent
from gateway.problems import problem_responses
from gateway.services import payments

router = APIRouter(prefix=API_PREFIX, tags=["payments"])


@router.post(
    "/payments",
    response_model=Payment,
    status_code=201,
    responses=problem_responses(400, 401, 409, 422, 503),
)
def post_payment(body: PaymentRequest, kiosk: CurrentKiosk, idem: Idempotent) -> Any:
    """Post an approved payment. Never refused for a business reason: conflicts become credit.

    The same `client_txn_id` always answers the same payment (200), whatever the key.
    """
    return idem.run(body, lambda s: payments.post_once(s, kiosk, body, idem.now))
