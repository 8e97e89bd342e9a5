"""Coordinators of the municipality's /admin/ page: Argon2 passwords, sign-in with a lockout after
five wrong passwords in a row, and browser sessions (the cookie's token kept only as SHA-256, each
session with its own CSRF token) (docs/architecture.md, "The municipality's statistics page").

The failed-attempt counter is read and written under the coordinator row's lock (SELECT ... FOR
UPDATE on PostgreSQL, the database's one writer lock on SQLite), and each attempt is counted before
its password is checked, so parallel wrong passwords cannot slip past the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import hash_gate
from gateway.models import Coordinator, CoordinatorSession

MAX_FAILED = 5
LOCK_FOR = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=8)
MIN_PASSWORD = 12
LOGIN_FORM_TTL = timedelta(hours=1)  # how long a sign-in form's CSRF token is accepted

_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AdminAuthError(Exception):
    pass


@dataclass(frozen=True)
class SignIn:
    outcome: Literal["ok", "wrong", "locked"]
    token: str = ""
    csrf: str = ""
    locked_until: datetime | None = None


@dataclass(frozen=True)
class AdminSession:
    coordinator_id: int
    name: str
    csrf: str
    token_sha256: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_password() -> str:
    return secrets.token_urlsafe(15)


def add_coordinator(s: Session, name: str, now: datetime, password: str | None = None) -> str:
    """Create a coordinator; returns the password (generated when none is given), shown once."""
    name = name.strip()
    if not name:
        raise AdminAuthError("a coordinator needs a name")
    if s.execute(select(Coordinator).where(Coordinator.name == name)).scalar_one_or_none() is not None:
        raise AdminAuthError(f"coordinator {name!r} already exists")
    password = password or new_password()
    if len(password) < MIN_PASSWORD:
        raise AdminAuthError(f"a password has at least {MIN_PASSWORD} characters")
    s.add(Coordinator(name=name, password_hash=_hasher.hash(password), failed_attempts=0,
                      locked_until=None, disabled=False, created_at=now))
    s.flush()
    return password


def _check(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _verify(stored: str, password: str) -> bool:
    """The Argon2 check, on the hashing gate's low-priority threads (`gateway.hash_gate`)."""
    return hash_gate.gate().run(lambda: _check(stored, password))


def _reserve(s: Session, name: str, now: datetime) -> tuple[int, str] | SignIn:
    """Count one attempt before its password is checked: (coordinator id, hash), or the answer."""
    with s.begin():
        row = s.execute(select(Coordinator).where(Coordinator.name == name.strip()).with_for_update()
                        .execution_options(populate_existing=True)).scalar_one_or_none()
        if row is None or row.disabled:
            return SignIn("wrong")
        if row.locked_until is not None and row.locked_until > now:
            return SignIn("locked", locked_until=row.locked_until)
        if row.failed_attempts >= MAX_FAILED:
            # Reached by attempts still being checked (or lost in a crash): lock now.
            return SignIn("locked", locked_until=_lock(row, now))
        row.failed_attempts += 1
        return row.id, row.password_hash


def _lock(row: Coordinator, now: datetime) -> datetime:
    until = now + LOCK_FOR
    row.failed_attempts = 0
    row.locked_until = until
    return until


def sign_in(s: Session, name: str, password: str, now: datetime) -> SignIn:
    """Check the password; five wrong in a row lock the account. `s` has no transaction open.

    The attempt is counted under the row's lock before the password is checked, and the Argon2
    check runs outside any transaction: on SQLite the writer lock is never held for it, so the
    kiosks' writes do not wait behind a sign-in.
    """
    reserved = _reserve(s, name, now)
    if isinstance(reserved, SignIn):
        if reserved.outcome == "wrong":
            _verify(_DUMMY_HASH, password)  # an unknown name costs what a wrong password does
        return reserved
    row_id, stored = reserved
    good = _verify(stored, password)
    with s.begin():
        row = s.get(Coordinator, row_id, with_for_update=True, populate_existing=True)
        if row is None or row.disabled or row.password_hash != stored:
            return SignIn("wrong")  # removed, disabled or given a new password meanwhile
        if row.locked_until is not None and row.locked_until > now:
            return SignIn("locked", locked_until=row.locked_until)
        if not good:
            if row.failed_attempts >= MAX_FAILED:
                return SignIn("locked", locked_until=_lock(row, now))
            return SignIn("wrong")
        row.failed_attempts = 0
        row.locked_until = None
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        s.add(CoordinatorSession(token_sha256=hash_token(token), coordinator_id=row.id, csrf_token=csrf,
                                 created_at=now, expires_at=now + SESSION_TTL, ended_at=None))
        return SignIn("ok", token=token, csrf=csrf)


def session_for(s: Session, token: str | None, now: datetime) -> AdminSession | None:
    """The live session of this cookie token, or None."""
    if not token:
        return None
    sess = s.get(CoordinatorSession, hash_token(token))
    if sess is None or sess.ended_at is not None or sess.expires_at <= now:
        return None
    who = s.get(Coordinator, sess.coordinator_id)
    if who is None or who.disabled:
        return None
    return AdminSession(who.id, who.name, sess.csrf_token, sess.token_sha256)


def sign_out(s: Session, session: AdminSession, now: datetime) -> None:
    row = s.get(CoordinatorSession, session.token_sha256)
    if row is not None and row.ended_at is None:
        row.ended_at = now


def _login_mac(key: bytes, issued: str, nonce: str) -> str:
    return hmac.new(key, f"{issued}.{nonce}".encode(), hashlib.sha256).hexdigest()


def login_token(key: bytes, now: datetime) -> str:
    """A sign-in form's CSRF token: issued by this gateway (signed with `key`), valid for an hour."""
    issued, nonce = str(int(now.timestamp())), secrets.token_urlsafe(18)
    return f"{issued}.{nonce}.{_login_mac(key, issued, nonce)}"


def login_token_valid(key: bytes, token: str | None, now: datetime) -> bool:
    """Whether `token` is one `login_token` made with `key` within the last hour (a value a client
    made up, echoed in its cookie and its form alike, is not)."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12:
        return False
    issued, nonce, mac = parts
    age = now.timestamp() - int(issued)
    return 0 <= age <= LOGIN_FORM_TTL.total_seconds() and hmac.compare_digest(
        mac.encode(), _login_mac(key, issued, nonce).encode())


def same_token(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
