"""Service events: the desk's counter taps (a consultation, a call, a letter...), recorded once
per client id and undone within 10 minutes by the operator who recorded them
(docs/architecture.md, "Counters, shifts and statistics").

An undone event stays in the table with `undone_at`, so an outbox replaying the same
`client_event_id` later cannot count it again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.desk_counters import CONSULTATION, UNDO_WINDOW_S, valid_event
from common.schema import ErrorCode, ServiceEventIn, ServiceEventOut
from gateway.models import ServiceEvent
from gateway.problems import ProblemError
from gateway.services import desk_problems
from gateway.services.desk_actor import Actor
from gateway.settings import local_date

# How far an event's time may lie from the gateway's clock: a kiosk's clock may run a little
# ahead; an outbox may send a day's taps late, never a year's.
FUTURE_SLACK = timedelta(minutes=10)
MAX_AGE = timedelta(days=400)


def _out(ev: ServiceEvent) -> ServiceEventOut:
    return ServiceEventOut(
        client_event_id=ev.client_event_id, kind=ev.kind, category=ev.category or None,
        occurred_at=ev.occurred_at, note=ev.note, location=ev.location_code, operator=ev.operator,
        recorded_at=ev.created_at, undone_at=ev.undone_at)


def _check(body: ServiceEventIn, now: datetime) -> None:
    errors = []
    if not valid_event(body.kind, body.category):
        code = "category-required" if body.kind == CONSULTATION and not body.category else "category-not-allowed"
        errors.append({"pointer": "/category", "code": code})
    if not now - MAX_AGE <= body.occurred_at <= now + FUTURE_SLACK:
        errors.append({"pointer": "/occurred_at", "code": "out-of-range"})
    if errors:
        raise ProblemError(ErrorCode.VALIDATION_ERROR, errors=errors)


def record(s: Session, actor: Actor, body: ServiceEventIn, now: datetime) -> tuple[int, ServiceEventOut]:
    """201 with the new event; 200 with the stored one when this client id was recorded already
    (an outbox replaying under a new Idempotency-Key); 409 when it was, with other data."""
    _check(body, now)
    category = body.category or ""
    existing = s.execute(select(ServiceEvent).where(
        ServiceEvent.kiosk_id == actor.kiosk_id,
        ServiceEvent.client_event_id == body.client_event_id)).scalar_one_or_none()
    if existing is not None:
        same = (existing.kind, existing.category, existing.occurred_at, existing.note) == (
            body.kind, category, body.occurred_at, body.note)
        if not same:
            raise ProblemError(desk_problems.CLIENT_EVENT_CONFLICT)
        return 200, _out(existing)
    ev = ServiceEvent(
        kiosk_id=actor.kiosk_id, location_code=actor.location_code,
        client_event_id=body.client_event_id, kind=body.kind, category=category,
        operator=actor.operator, occurred_at=body.occurred_at, local_day=local_date(body.occurred_at),
        note=body.note, created_at=now, undone_at=None)
    s.add(ev)
    s.flush()
    return 201, _out(ev)


def undo(s: Session, actor: Actor, client_event_id: str, now: datetime) -> ServiceEventOut:
    """Take an event back: the operator who recorded it, within 10 minutes of the tap. Undoing an
    undone event answers it again (DELETE is idempotent)."""
    operator = actor.require_operator()
    ev = s.execute(select(ServiceEvent).where(
        ServiceEvent.kiosk_id == actor.kiosk_id,
        ServiceEvent.client_event_id == client_event_id).with_for_update()).scalar_one_or_none()
    if ev is None:
        raise ProblemError(ErrorCode.NOT_FOUND)
    if ev.operator != operator:
        raise ProblemError(desk_problems.NOT_SAME_OPERATOR)
    if ev.undone_at is not None:
        return _out(ev)
    # From the tap, or from its arrival if the kiosk's clock claims a later tap than that.
    since = min(ev.occurred_at, ev.created_at)
    if now - since > timedelta(seconds=UNDO_WINDOW_S):
        raise ProblemError(desk_problems.UNDO_WINDOW_PASSED)
    ev.undone_at = now
    return _out(ev)
