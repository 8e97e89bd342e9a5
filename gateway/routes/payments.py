"""`POST /api/v1/payments`: posting an approved payment (cash only on an operator's behalf)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX, Payment, PaymentRequest
from gateway.deps import CurrentKiosk, DbSession, Idempotent, OperatorLimits, OperatorSessionToken
from gateway.problems import problem_responses
from gateway.services import operator_payments

router = APIRouter(prefix=API_PREFIX, tags=["payments"])


@router.post(
    "/payments",
    response_model=Payment,
    status_code=201,
    responses=problem_responses(400, 401, 403, 409, 422, 503),
)
def post_payment(body: PaymentRequest, db: DbSession, kiosk: CurrentKiosk, idem: Idempotent,
                 policy: OperatorLimits, operator_session: OperatorSessionToken = None) -> Any:
    """Post an approved payment. Never refused for a business reason: conflicts become credit.

    The same `client_txn_id` always answers the same payment (200), whatever the key. `"method":
    "cash"` needs `X-Operator-Session` of a session open now or when the cash was taken (403
    without it, 401 when it is not valid); docs/architecture.md, "Operators".
    """
    operator = None
    if body.method == "cash" or operator_session:
        # Decided before the Idempotency-Key is claimed, so a refusal is never stored and replayed.
        with db.begin():
            operator = operator_payments.authorise(db, kiosk, body, operator_session, idem.now, policy)
    return idem.run(body, lambda s: operator_payments.post(s, kiosk, body, idem.now, operator))
