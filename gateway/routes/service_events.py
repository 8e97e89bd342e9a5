"""`POST /api/v1/service-events` (a counter tap) and `DELETE /api/v1/service-events/{client_event_id}`
(its undo, within 10 minutes, by the same operator). The path carries the kiosk's own random event
id, never personal data (docs/architecture.md, "API rules")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX, ServiceEventIn, ServiceEventOut
from gateway.deps import DbSession, Idempotent, Now
from gateway.problems import problem_responses
from gateway.routes.desk_auth import DeskActor
from gateway.services import service_events

router = APIRouter(prefix=API_PREFIX, tags=["counters and statistics"])


@router.post("/service-events", response_model=ServiceEventOut, status_code=201,
             responses=problem_responses(400, 401, 403, 409, 422))
def record_event(body: ServiceEventIn, actor: DeskActor, idem: Idempotent) -> Any:
    """Count one consultation, call, letter, document or client served at the kiosk's location.

    The operator of `X-Operator-Session` is recorded when sent (the kiosk's outbox may send a
    tap later, with the kiosk token alone). The same `client_event_id` again answers the stored
    event (200), whatever the Idempotency-Key.
    """
    return idem.run(body, lambda s: service_events.record(s, actor, body, idem.now))


@router.delete("/service-events/{client_event_id}", response_model=ServiceEventOut,
               responses=problem_responses(401, 403, 404, 409))
def undo_event(client_event_id: str, actor: DeskActor, db: DbSession, now: Now) -> Any:
    """Undo a tap: only the operator who recorded it, within 10 minutes. Repeating it is harmless."""
    with db.begin():
        return service_events.undo(db, actor, client_event_id[:64], now)
