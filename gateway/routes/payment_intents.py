"""`POST /api/v1/payment-intents` and `/payment-intent-releases`: reserving invoices before the
card moves, and letting them go."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX, ErrorCode, IntentReleaseRequest, PaymentIntent, PaymentIntentRequest
from gateway.deps import CurrentKiosk, DbSession, Idempotent
from gateway.problems import ProblemError, problem_responses
from gateway.services import invoices, payments

router = APIRouter(prefix=API_PREFIX, tags=["payments"])


@router.post(
    "/payment-intents",
    response_model=PaymentIntent,
    status_code=201,
    responses=problem_responses(400, 401, 404, 409, 422, 429, 503),
)
def create_intent(body: PaymentIntentRequest, db: DbSession, kiosk: CurrentKiosk, idem: Idempotent) -> Any:
    """Reserve invoices for one payment (`client_txn_id`) for `ttl_s` seconds, before the card moves."""
    now = idem.now
    if any(it.invoice_id is None for it in body.items):
        with db.begin():
            invoices.check_rate_limit(db, kiosk.id, now)

    def count_failure(exc: ProblemError) -> None:
        # An invoice not found counts toward the failed-check limit, like a failed search.
        if exc.code == ErrorCode.INVOICE_NOT_FOUND:
            with db.begin():
                invoices.record_failure(db, kiosk.id, now)

    return idem.run(body, lambda s: payments.create_intent(s, kiosk, body, now), on_problem=count_failure)


@router.post(
    "/payment-intent-releases",
    response_model=PaymentIntent,
    responses=problem_responses(400, 401, 404, 422, 503),
)
def release_intent(body: IntentReleaseRequest, kiosk: CurrentKiosk, idem: Idempotent) -> Any:
    """Release this kiosk's reservation for `client_txn_id`; releasing twice is fine."""
    return idem.run(body, lambda s: (200, payments.release_intent(s, kiosk, body.client_txn_id, idem.now)))
