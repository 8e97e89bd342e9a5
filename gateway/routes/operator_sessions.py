"""The desk's operators: `GET /api/v1/operators` (the sign-in list), `POST /api/v1/operator-sessions`
(sign in with a PIN), `DELETE /api/v1/operator-sessions/current` (sign out) and
`POST /api/v1/operator-events` (what the desk reports for the audit, e.g. a take-over).

Sign-in takes no Idempotency-Key: its answer holds a secret that is never stored, so it cannot be
replayed; a repeated sign-in opens another session (docs/architecture.md, "Operators").
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import (
    API_PREFIX,
    ErrorCode,
    OperatorEvent,
    OperatorEventRequest,
    OperatorList,
    OperatorSessionRequest,
    OperatorSessionView,
)
from gateway import hash_gate
from gateway.deps import CurrentKiosk, DbSession, Idempotent, Now, OperatorLimits, OperatorSession, OperatorSessionToken
from gateway.models import OperatorEventRow
from gateway.problems import ProblemError, problem_responses
from gateway.services import operator_sessions, operators

router = APIRouter(prefix=API_PREFIX, tags=["operators"])


@router.get("/operators", response_model=OperatorList, responses=problem_responses(401, 503))
def list_operators(db: DbSession, kiosk: CurrentKiosk, now: Now, policy: OperatorLimits) -> OperatorList:
    """The enabled operators of this kiosk's location (names and roles), for the sign-in list."""
    with db.begin():
        return operators.listing(db, kiosk, now, policy)


@router.post(
    "/operator-sessions",
    response_model=OperatorSessionView,
    status_code=201,
    responses=problem_responses(401, 422, 423, 503),
)
def sign_in(body: OperatorSessionRequest, db: DbSession, kiosk: CurrentKiosk, now: Now,
            policy: OperatorLimits) -> OperatorSessionView:
    """Sign an operator in at this kiosk with their PIN.

    A wrong PIN, an unknown or disabled name and an operator of another location all answer the
    same 401 after the same Argon2 check. Failures are counted per (kiosk, typed name): after
    `max_wrong_pins` (5) the next attempt there waits 1 minute, doubled each time up to `lockout`
    (15 minutes): 423 with Retry-After, whatever PIN comes, also when many arrive at once. Other
    kiosks are not held back. When this gateway process is already checking as many PINs and
    passwords as it may (`gateway.hash_gate`): 503 with Retry-After, the attempt not counted.
    """
    try:
        with hash_gate.gate().slot():
            view, _ctx = operator_sessions.sign_in(db, kiosk, body.operator, body.pin, now, policy)
    except hash_gate.Busy:
        raise ProblemError(ErrorCode.BACKEND_UNAVAILABLE,
                           headers={"Retry-After": str(hash_gate.RETRY_AFTER_S)}) from None
    return view


@router.delete("/operator-sessions/current", status_code=204, responses=problem_responses(401, 403, 503))
def sign_out(db: DbSession, kiosk: CurrentKiosk, now: Now, token: OperatorSessionToken = None) -> Response:
    """End the session in `X-Operator-Session` (ending it again, or after it expired, is fine)."""
    if not token:
        raise ProblemError(ErrorCode.OPERATOR_SESSION_REQUIRED)
    with db.begin():
        operator_sessions.end(db, kiosk, token, now)
    return Response(status_code=204)


@router.post(
    "/operator-events",
    response_model=OperatorEvent,
    status_code=201,
    responses=problem_responses(400, 401, 403, 422, 503),
)
def report_event(body: OperatorEventRequest, operator: OperatorSession, idem: Idempotent) -> Any:
    """Add what the desk did to the gateway's audit (`take-over`: the operator took over a
    resident's unfinished visit). One event per `client_event_id`."""

    def record(s: Session) -> tuple[int, OperatorEvent]:
        row = s.execute(select(OperatorEventRow).where(
            OperatorEventRow.kiosk_id == idem.kiosk.id,
            OperatorEventRow.client_event_id == body.client_event_id)).scalar_one_or_none()
        status = 200
        if row is None:
            status = 201
            row = operators.record_event(s, body.kind, body.occurred_at, operator_id=operator.operator_id,
                                         kiosk_id=idem.kiosk.id, detail=body.detail,
                                         client_event_id=body.client_event_id)
            s.flush()
        return status, OperatorEvent(event_id=row.id, kind=row.kind, operator=operator.name, occurred_at=row.at)

    return idem.run(body, record)
