"""Operator sign-in, its back-off, and the sessions that requests on an operator's behalf carry
(`X-Operator-Session` beside the kiosk's token; docs/architecture.md, "Operators").

Every refused sign-in looks the same: an unknown or disabled name, an operator of another
location and a wrong PIN all take one Argon2 check (a dummy hash when there is no PIN to check
against), the same two transactions, and answer the same 401 body, so a kiosk token can tell
neither who exists nor where they work. Wrong attempts are counted per (kiosk, typed name) before
the PIN is checked, under a lock, and back off there only (gateway.services.sign_in_limits): a
stranger at one kiosk cannot keep the librarian off another, and however many wrong PINs arrive
at once only the free ones are checked. The Argon2 check runs outside the lock.
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
from gateway.services import sign_in_limits
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


def _reserve_attempt(db: Session, kiosk: Kiosk, name: str, now: datetime,
                     policy: OperatorPolicy) -> tuple[int | None, str | None] | ProblemError:
    """Count one attempt before its PIN is checked: (operator id, PIN hash) when `name` may sign in
    here, (None, None) when not (the PIN is then checked against a dummy hash), or the 423."""
    with db.begin():
        until = sign_in_limits.reserve(db, kiosk.id, name, now, policy.sign_in_backoff)
        if until is not None:
            return _locked(until, now)
        op = db.execute(select(Operator).where(Operator.name == name)).scalar_one_or_none()
        if op is None or op.disabled or op.location_code != kiosk.location_code:
            return None, None
        return op.id, op.pin_hash


def _refusal_detail(op: Operator | None, kiosk: Kiosk) -> str:
    """Why, for the audit only (the answer never says)."""
    if op is None or op.disabled:
        return "unknown or disabled operator"
    return "other location" if op.location_code != kiosk.location_code else ""


def sign_in(db: Session, kiosk: Kiosk, name: str, pin: str, now: datetime,
            policy: OperatorPolicy) -> tuple[OperatorSessionView, OperatorContext]:
    """Open a session for `name` at `kiosk`; 401 for every refusal, 423 while backing off here."""
    reserved = _reserve_attempt(db, kiosk, name, now, policy)
    if isinstance(reserved, ProblemError):
        raise reserved
    op_id, pin_hash = reserved
    good = verify_pin(pin_hash, pin)  # a dummy hash when None: every refusal costs the same
    with db.begin():
        op = db.execute(select(Operator).where(Operator.name == name).with_for_update()
                        .execution_options(populate_existing=True)).scalar_one_or_none()
        # The PIN may have been reset, or the operator disabled or moved, while it was checked.
        usable = (good and op is not None and op.id == op_id and op.pin_hash == pin_hash
                  and not _refusal_detail(op, kiosk))
        if op is not None and usable:
            sign_in_limits.forget(db, name, kiosk.id)
            token = secrets.token_urlsafe(32)
            row = OperatorSessionRow(id=f"os-{secrets.token_hex(10)}", token_sha256=hash_session_token(token),
                                     operator_id=op.id, kiosk_id=kiosk.id, created_at=now,
                                     expires_at=now + policy.session_ttl, ended_at=None)
            db.add(row)
            record_event(db, "sign-in", now, operator_id=op.id, kiosk_id=kiosk.id)
            view = OperatorSessionView(session=token, expires_at=row.expires_at, operator=OperatorView(
                name=op.name, role=op.role, location=op.location_code))  # type: ignore[arg-type]
            return view, _context(row, op)
        detail = _refusal_detail(op, kiosk)
        known = op.id if op is not None else None
        if detail:
            record_event(db, "sign-in-failed", now, operator_id=known, kiosk_id=kiosk.id, detail=detail)
        else:
            record_event(db, "pin-wrong", now, operator_id=known, kiosk_id=kiosk.id)
        if sign_in_limits.starts_backing_off(db, kiosk.id, name, now, policy.sign_in_backoff):
            record_event(db, "locked", now, operator_id=known, kiosk_id=kiosk.id, detail="backing off at this kiosk")
    raise ProblemError(ErrorCode.OPERATOR_SIGN_IN_FAILED)


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
