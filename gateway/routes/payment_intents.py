"""`POST /api/v1/payment-intents` and `/payment-intent-releases`: reserving invoices before the
card moves, and letting them go."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from common.schema import API_PREFIX, IntentReleaseRequest, PaymentIntent, PaymentIntentRequest
from gateway.deps import CurrentKiosk, Idempotent, OperatorLimits, OptionalOperatorSession
from gateway.problems import problem_responses
from gateway.services import check_limits, payments, posting_proofs
from gateway.services.operator_sessions import operator_may_reserve

router = APIRouter(prefix=API_PREFIX, tags=["payments"])


class ProblemBody(BaseModel):
    """A problem+json body returned (not raised) from a handler, so its transaction commits."""

    model_config = ConfigDict(extra="allow")


@router.post(
    "/payment-intents",
    response_model=PaymentIntent,
    status_code=201,
    responses=problem_responses(400, 401, 404, 409, 422, 429, 503),
)
def create_intent(
    body: PaymentIntentRequest, kiosk: CurrentKiosk, idem: Idempotent, operator: OptionalOperatorSession,
    policy: OperatorLimits,
) -> Any:
    """Reserve invoices for one payment (`client_txn_id`) for `ttl_s` seconds, before the card moves.

    On an operator session, by id also the invoices its person searches returned; a new intent
    then answers a `posting_proof` for its cash (docs/architecture.md, "Operators")."""
    now = idem.now
    # The desk reserves what a person search showed, after the librarian checked an ID.
    desk = operator if operator_may_reserve(operator, kiosk) else None

    def reserve(s: Session) -> tuple[int, BaseModel]:
        try:
            status, view = payments.create_intent(s, kiosk, body, now,
                                                  operator_session_id=desk.session_id if desk else None)
        except payments.CheckFailed as exc:
            # Counted in the transaction that decided it, so concurrent guesses cannot all pass;
            # the refusal is stored and replayed like any other answer.
            check_limits.record_failure(s, kiosk.id, now, exc.notice)
            return exc.status, ProblemBody.model_validate(exc.body())
        if status == 201 and desk is not None:
            proof = posting_proofs.issue(s, view.intent_id, desk, view.total_cents, now, policy.posting_proof_ttl)
            view = view.model_copy(update={"posting_proof": proof})
        return status, view

    return idem.run(body, reserve)


@router.post(
    "/payment-intent-releases",
    response_model=PaymentIntent,
    responses=problem_responses(400, 401, 404, 422, 503),
)
def release_intent(body: IntentReleaseRequest, kiosk: CurrentKiosk, idem: Idempotent) -> Any:
    """Release this kiosk's reservation for `client_txn_id`; releasing twice is fine."""
    return idem.run(body, lambda s: (200, payments.release_intent(s, kiosk, body.client_txn_id, idem.now)))
