"""`POST /api/v1/payment-lookups`: what the gateway knows of a kiosk's payment (for recovery)."""

from __future__ import annotations

from fastapi import APIRouter

from common.schema import API_PREFIX, PaymentLookupRequest, PaymentLookupResponse
from gateway.deps import CurrentKiosk, DbSession, Now
from gateway.problems import problem_responses
from gateway.services import payments

router = APIRouter(prefix=API_PREFIX, tags=["payments"])


@router.post(
    "/payment-lookups",
    response_model=PaymentLookupResponse,
    responses=problem_responses(401, 422, 503),
)
def lookup_payment(
    body: PaymentLookupRequest, db: DbSession, kiosk: CurrentKiosk, now: Now
) -> PaymentLookupResponse:
    """Does the gateway have this kiosk's payment `client_txn_id`? (used by recovery)"""
    with db.begin():
        return payments.lookup(db, kiosk.id, body.client_txn_id, now)
