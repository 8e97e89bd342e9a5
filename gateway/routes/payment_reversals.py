"""`POST /api/v1/payment-reversals`: an operator's same-day card reversal, recorded against the payment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX, Reversal, ReversalRequest
from gateway.deps import CurrentKiosk, Idempotent, OperatorSession
from gateway.problems import problem_responses
from gateway.services import operator_payments

router = APIRouter(prefix=API_PREFIX, tags=["payments"])


@router.post(
    "/payment-reversals",
    response_model=Reversal,
    status_code=201,
    responses=problem_responses(400, 401, 403, 404, 409, 422, 503),
)
def record_reversal(body: ReversalRequest, kiosk: CurrentKiosk, operator: OperatorSession, idem: Idempotent) -> Any:
    """The terminal reversed this kiosk's card payment of today (Reversal) at the operator's request,
    for `reason`: the payment is flagged `reversed` and its invoices owe their amounts again.

    404 no such payment at this kiosk; 409 a cash payment or one of another day. Recording it
    again answers the same reversal (200).
    """
    return idem.run(body, lambda s: operator_payments.record_reversal(s, kiosk, operator, body, idem.now))
