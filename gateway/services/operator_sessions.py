"""Operator sign-in, its lockout, and the sessions that requests on an operator's behalf carry
(`X-Operator-Session` beside the kiosk's token; docs/architecture.md, "Operators").

Lockout holds under concurrent guesses: each attempt is counted in a transaction that holds the
operator's row (SELECT ... FOR UPDATE on PostgreSQL, the one writer lock of BEGIN IMMEDIATE on
SQLite) *before* its PIN is checked, and an attempt that finds the count at the limit is refused
unchecked. So however many wrong PINs arrive at once, at most `max_wrong_pins` are ever checked.
The Argon2 check itself runs outside the lock, so other sign-ins are not held up by it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import ErrorCode, OperatorSessionView, OperatorView
from gateway.models import Kiosk, Operator, OperatorSessionRow
from gateway.pins import verify_pin
from gateway.problems import ProblemError
from gateway.services.operators import OperatorPolicy, record_event


@dataclass(frozen=True)
class OperatorContext:
    """The operator a request is made on behalf of, through a session open at this kiosk."""

    session_id: str
    operator_id: int
    name: str
    role: str
    location_code: str
    kiosk_id: str
    expires_at: datetime


def hash_session_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _locked(until: datetime, now: datetime) -> ProblemError:
    retry = max(1, int((until - now).total_seconds() + 0.999))
    return ProblemError(ErrorCode.OPERATOR_LOCKED, headers={"Retry-After": str(retry)})


def _lock_row(db: Session, name: str) -> Operator | None:
    return db.execute(select(Operator).where(Operator.name == name).with_for_update()
                      .execution_options(populate_existing=True)).scalar_one_or_none()


def _lock_now(db: Session, op: Operator, kiosk: Kiosk, now: datetime, policy: OperatorPolicy) -> datetime:
    until = now + policy.lockout
    op.locked_until = until
    op.failed_attempts = 0  # the next round after the lock gets the full count again
    record_event(db, "locked", now, operator_id=op.id, kiosk_id=kiosk.id)
    return until


def _reserve_attempt(db: Session, kiosk: Kiosk, name: str, now: datetime,
                     policy: OperatorPolicy) -> tuple[int, str] | ProblemError:
    """Count one attempt before its PIN is checked: (operator id, PIN hash), or the refusal."""
    with db.begin():
        op = _lock_row(db, name)
        if op is None or op.disabled:
            record_event(db, "sign-in-failed", now, kiosk_id=kiosk.id, detail="unknown or disabled operator")
            return ProblemError(ErrorCode.OPERATOR_SIGN_IN_FAILED)
        if op.location_code != kiosk.location_code:
            record_event(db, "sign-in-failed", now, operator_id=op.id, kiosk_id=kiosk.id, detail="other location")
            return ProblemError(ErrorCode.OPERATOR_WRONG_LOCATION)
        if op.locked_until is not None and op.locked_until > now:
            return _locked(op.locked_until, now)
        if op.failed_attempts >= policy.max_wrong_pins:
            # The limit was reached by attempts still being checked (or lost in a crash): lock now.
            return _locked(_lock_now(db, op, kiosk, now, policy), now)
        op.failed_attempts += 1
        return op.id, op.pin_hash


def sign_in(db: Session, kiosk: Kiosk, name: str, pin: str, now: datetime,
            policy: OperatorPolicy) -> tuple[OperatorSessionView, OperatorContext]:
    """Open a session for `name` at `kiosk`; 401 wrong, 403 other location, 423 locked."""
    reserved = _reserve_attempt(db, kiosk, name, now, policy)
    if isinstance(reserved, ProblemError):
        if reserved.code == ErrorCode.OPERATOR_SIGN_IN_FAILED:
            verify_pin(None, pin)  # an unknown name takes as long as a wrong PIN
        raise reserved
    op_id, pin_hash = reserved
    good = verify_pin(pin_hash, pin)
    with db.begin():
        op = db.get(Operator, op_id, with_for_update=True, populate_existing=True)
        assert op is not None
        if good and op.pin_hash != pin_hash:
            good = False  # the PIN was reset while this one was being checked
        locked = op.locked_until is not None and op.locked_until > now
        if not good:
            record_event(db, "pin-wrong", now, operator_id=op.id, kiosk_id=kiosk.id)
            if not locked and op.failed_attempts >= policy.max_wrong_pins:
                op.locked_until = _lock_now(db, op, kiosk, now, policy)
                locked = True
            refusal = _locked(op.locked_until, now) if locked and op.locked_until else \
                ProblemError(ErrorCode.OPERATOR_SIGN_IN_FAILED)
        elif locked and op.locked_until is not None:
            # Concurrent wrong PINs locked the operator while this right one was being checked.
            refusal = _locked(op.locked_until, now)
        else:
            op.failed_attempts = 0
            token = secrets.token_urlsafe(32)
            row = OperatorSessionRow(id=f"os-{secrets.token_hex(10)}", token_sha256=hash_session_token(token),
                                     operator_id=op.id, kiosk_id=kiosk.id, created_at=now,
                                     expires_at=now + policy.session_ttl, ended_at=None)
            db.add(row)
            record_event(db, "sign-in", now, operator_id=op.id, kiosk_id=kiosk.id)
            view = OperatorSessionView(session=token, expires_at=row.expires_at, operator=OperatorView(
                name=op.name, role=op.role, location=op.location_code))  # type: ignore[arg-type]
            return view, _context(row, op)
    raise refusal


def _context(row: OperatorSessionRow, op: Operator) -> OperatorContext:
    return OperatorContext(session_id=row.id, operator_id=op.id, name=op.name, role=op.role,
                           location_code=op.location_code, kiosk_id=row.kiosk_id, expires_at=row.expires_at)


def _find(db: Session, kiosk: Kiosk, token: str) -> OperatorSessionRow | None:
    row = db.execute(select(OperatorSessionRow).where(
        OperatorSessionRow.token_sha256 == hash_session_token(token))).unique().scalar_one_or_none()
    # A session is bound to the kiosk it was opened at: another kiosk's token cannot use it.
    return row if row is not None and row.kiosk_id == kiosk.id else None


def _usable(row: OperatorSessionRow | None, kiosk: Kiosk) -> OperatorSessionRow:
    if row is None or row.operator.disabled:
        raise ProblemError(ErrorCode.OPERATOR_SESSION_INVALID)
    if row.operator.location_code != kiosk.location_code:
        raise ProblemError(ErrorCode.OPERATOR_FORBIDDEN)  # the operator or the kiosk moved since
    return row


def is_open(row: OperatorSessionRow, at: datetime) -> bool:
    return row.created_at <= at < row.expires_at and (row.ended_at is None or at < row.ended_at)


def current(db: Session, kiosk: Kiosk, token: str, now: datetime) -> OperatorContext:
    """The operator of an open session at this kiosk; 401 ended, expired or unknown, 403 moved."""
    row = _usable(_find(db, kiosk, token), kiosk)
    if not is_open(row, now):
        raise ProblemError(ErrorCode.OPERATOR_SESSION_INVALID)
    return _context(row, row.operator)


def end(db: Session, kiosk: Kiosk, token: str, now: datetime) -> None:
    """End the session (ending one already ended, or unknown here, changes nothing)."""
    row = _find(db, kiosk, token)
    if row is not None and row.ended_at is None:
        row.ended_at = now
        record_event(db, "sign-out", now, operator_id=row.operator_id, kiosk_id=kiosk.id)


def operator_may_reserve(operator: OperatorContext | None, kiosk: Kiosk) -> bool:
    """Whether an operator session lets this kiosk reserve invoices by id without a find by check
    value: the desk reserves what a person search showed (docs/architecture.md, "Operators")."""
    return (operator is not None and operator.kiosk_id == kiosk.id
            and operator.location_code == kiosk.location_code)
