"""`POST /api/v1/payments`: posting an approved payment (cash only on an operator's behalf)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX, Payment, PaymentRequest
from gateway.deps import CurrentKiosk, DbSession, Idempotent, OperatorSessionToken, PostingProofToken
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
                 operator_session: OperatorSessionToken = None, posting_proof: PostingProofToken = None) -> Any:
    """Post an approved payment. Never refused for a business reason: conflicts become credit.

    The same `client_txn_id` always answers the same payment (200), whatever the key. `"method":
    "cash"` needs `X-Operator-Session` of a session valid now, or `X-Posting-Proof`, the proof its
    intent answered when made on a session (403 with neither, 401 when not valid); docs/
    architecture.md, "Operators". An allocation naming an invoice neither the payment's intent nor
    a find of this kiosk or session returned is treated like an unknown invoice (credit).
    """
    operator = None
    if body.method == "cash" or operator_session or posting_proof:
        # Decided before the Idempotency-Key is claimed, so a refusal is never stored and replayed.
        with db.begin():
            operator = operator_payments.authorise(db, kiosk, body, operator_session, posting_proof, idem.now)
    return idem.run(body, lambda s: operator_payments.post(s, kiosk, body, idem.now, operator))
