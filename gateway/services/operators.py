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
from gateway.services import sign_in_limits
from gateway.services.sign_in_limits import SignInBackoff

ROLES = ("librarian", "coordinator")


@dataclass(frozen=True)
class OperatorPolicy:
    """How sign-ins, sessions and person searches are limited (`create_app(operator_policy=...)`)."""

    # Sign-in back-off per (kiosk, typed name) (gateway.services.sign_in_limits): after
    # `max_wrong_pins` failures each attempt waits `first_wait`, doubled each time, up to `lockout`.
    max_wrong_pins: int = 5
    first_wait: timedelta = timedelta(minutes=1)
    lockout: timedelta = timedelta(minutes=15)  # the longest wait
    failure_window: timedelta = timedelta(hours=24)  # failures older than this are forgotten
    session_ttl: timedelta = timedelta(hours=2)  # the desk also ends it on Lock and inactivity
    searches_per_window: int = 30  # person searches per operator ...
    search_window: timedelta = timedelta(minutes=10)  # ... in this sliding window
    # How long the posting proof an intent made on a session carries cash past that session's end
    # (the outbox posts cash after the desk locked; gateway.services.posting_proofs).
    posting_proof_ttl: timedelta = timedelta(hours=24)

    @property
    def sign_in_backoff(self) -> SignInBackoff:
        return SignInBackoff(free=self.max_wrong_pins, first_wait=self.first_wait, longest_wait=self.lockout,
                             window=self.failure_window)


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


def list_operators(session: Session, now: datetime, policy: OperatorPolicy | None = None) -> list[OperatorInfo]:
    """Every operator; `locked_until` is the latest back-off end over the kiosks where wrong PINs
    were typed for them (None when no kiosk is backing off)."""
    waits = sign_in_limits.backing_off(session, now, (policy or OperatorPolicy()).sign_in_backoff)
    rows = session.execute(select(Operator).order_by(Operator.location_code, Operator.name)).scalars()
    return [OperatorInfo(o.name, o.location_code, o.role, o.disabled, waits.get(sign_in_limits.name_key(o.name)))
            for o in rows]


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
    """A new PIN (returned once); the wrong-PIN counts at every kiosk are cleared, sessions ended."""
    op = _get(session, name)
    pin = new_pin()
    op.pin_hash = hash_pin(pin)
    op.pin_set_at = now
    sign_in_limits.forget(session, op.name)
    end_sessions(session, op.id, now)
    record_event(session, "pin-reset", now, operator_id=op.id)
    return pin


def listing(session: Session, kiosk: Kiosk, now: datetime, policy: OperatorPolicy) -> OperatorList:
    """The enabled operators of the kiosk's location, for the desk's sign-in list; `locked` while
    sign-ins for the name back off at this kiosk."""
    waits = sign_in_limits.backing_off(session, now, policy.sign_in_backoff, kiosk_id=kiosk.id)
    rows = session.execute(
        select(Operator).where(Operator.location_code == kiosk.location_code, Operator.disabled.is_(False))
        .order_by(Operator.name)).scalars()
    return OperatorList(operators=[
        OperatorListing(name=o.name, role=o.role,  # type: ignore[arg-type]
                        locked=sign_in_limits.name_key(o.name) in waits)
        for o in rows])


def record_event(session: Session, kind: str, now: datetime, *, operator_id: int | None = None,
                 kiosk_id: str | None = None, detail: str = "", client_event_id: str | None = None) -> OperatorEventRow:
    """One line of the desk's audit (never a PIN, a token or a personal code in `detail`)."""
    row = OperatorEventRow(at=now, kind=kind, operator_id=operator_id, kiosk_id=kiosk_id, detail=detail[:200],
                           client_event_id=client_event_id)
    session.add(row)
    return row
