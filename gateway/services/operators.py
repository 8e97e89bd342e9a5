"""Operators: the policy their sign-ins follow, managing them (`kiosk gateway operator ...`), the
sign-in list a kiosk shows, and the desk's audit events (docs/architecture.md, "Operators").

A PIN is made here and returned once to the command that prints it; only its Argon2id hash is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.schema import OperatorList, OperatorListing
from gateway.models import Kiosk, Location, Operator, OperatorEventRow, OperatorSessionRow
from gateway.pins import hash_pin, new_pin

ROLES = ("librarian", "coordinator")


@dataclass(frozen=True)
class OperatorPolicy:
    """How sign-ins, sessions and person searches are limited (`create_app(operator_policy=...)`)."""

    max_wrong_pins: int = 5  # wrong PINs in a row before the operator is locked
    lockout: timedelta = timedelta(minutes=15)
    session_ttl: timedelta = timedelta(hours=2)  # the desk also ends it on Lock and inactivity
    searches_per_window: int = 30  # person searches per operator ...
    search_window: timedelta = timedelta(minutes=10)  # ... in this sliding window
    # How long the posting proof an intent made on a session carries cash past that session's end
    # (the outbox posts cash after the desk locked; gateway.services.posting_proofs).
    posting_proof_ttl: timedelta = timedelta(hours=24)


class OperatorError(Exception):
    """A management command refused (unknown location or operator, name taken, bad role)."""


@dataclass(frozen=True)
class OperatorInfo:
    name: str
    location: str
    role: str
    disabled: bool
    locked_until: datetime | None


def _get(session: Session, name: str) -> Operator:
    op = session.execute(select(Operator).where(Operator.name == name)).scalar_one_or_none()
    if op is None:
        raise OperatorError(f"unknown operator {name!r}")
    return op


def add_operator(session: Session, name: str, location: str, now: datetime, *, role: str = "librarian",
                 pin: str | None = None) -> str:
    """Create an operator; returns the PIN (made at random unless given), which is not stored."""
    name = name.strip()
    if not name:
        raise OperatorError("an operator needs a name")
    if role not in ROLES:
        raise OperatorError(f"role must be one of {', '.join(ROLES)}")
    if session.get(Location, location) is None:
        raise OperatorError(f"unknown location {location!r}")
    if session.execute(select(Operator.id).where(Operator.name == name)).first() is not None:
        raise OperatorError(f"operator {name!r} already exists")
    pin = pin or new_pin()
    session.add(Operator(name=name, location_code=location, role=role, pin_hash=hash_pin(pin), disabled=False,
                         failed_attempts=0, locked_until=None, created_at=now, pin_set_at=now))
    session.flush()
    return pin


def list_operators(session: Session) -> list[OperatorInfo]:
    rows = session.execute(select(Operator).order_by(Operator.location_code, Operator.name)).scalars()
    return [OperatorInfo(o.name, o.location_code, o.role, o.disabled, o.locked_until) for o in rows]


def end_sessions(session: Session, operator_id: int, now: datetime) -> None:
    session.execute(update(OperatorSessionRow)
                    .where(OperatorSessionRow.operator_id == operator_id, OperatorSessionRow.ended_at.is_(None))
                    .values(ended_at=now))


def disable_operator(session: Session, name: str, now: datetime) -> None:
    """Disable the operator and end every session they have open."""
    op = _get(session, name)
    op.disabled = True
    end_sessions(session, op.id, now)
    record_event(session, "disabled", now, operator_id=op.id)


def reset_pin(session: Session, name: str, now: datetime) -> str:
    """A new PIN (returned once); the lock and the wrong-PIN count are cleared, sessions ended."""
    op = _get(session, name)
    pin = new_pin()
    op.pin_hash = hash_pin(pin)
    op.pin_set_at = now
    op.failed_attempts = 0
    op.locked_until = None
    end_sessions(session, op.id, now)
    record_event(session, "pin-reset", now, operator_id=op.id)
    return pin


def listing(session: Session, kiosk: Kiosk, now: datetime) -> OperatorList:
    """The enabled operators of the kiosk's location, for the desk's sign-in list."""
    rows = session.execute(
        select(Operator).where(Operator.location_code == kiosk.location_code, Operator.disabled.is_(False))
        .order_by(Operator.name)).scalars()
    return OperatorList(operators=[
        OperatorListing(name=o.name, role=o.role,  # type: ignore[arg-type]
                        locked=o.locked_until is not None and o.locked_until > now)
        for o in rows])


def record_event(session: Session, kind: str, now: datetime, *, operator_id: int | None = None,
                 kiosk_id: str | None = None, detail: str = "", client_event_id: str | None = None) -> OperatorEventRow:
    """One line of the desk's audit (never a PIN, a token or a personal code in `detail`)."""
    row = OperatorEventRow(at=now, kind=kind, operator_id=operator_id, kiosk_id=kiosk_id, detail=detail[:200],
                           client_event_id=client_event_id)
    session.add(row)
    return row
