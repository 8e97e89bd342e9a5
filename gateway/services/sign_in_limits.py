"""The operators' sign-in back-off: wrong attempts counted per (kiosk, typed name), never per
operator alone (docs/architecture.md, "Operators").

- Per kiosk, so a stranger with one kiosk's token cannot keep the librarian off the desk at
  another kiosk; a kiosk of another location never reaches a PIN check at all.
- Per typed name, known or not: an unknown name, another location's operator and a wrong PIN
  count alike and back off alike, so neither the answer nor the back-off tells them apart.
- A back-off delays, it never blocks: after `free` failures each further attempt waits twice as
  long after the last failure, up to `longest_wait`; then one attempt is checked again. So the
  rightful librarian, once the wrong PINs stop, waits at most `longest_wait` at that kiosk.
- Each attempt is counted before its PIN is checked, under a lock per (kiosk, name) (an advisory
  lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), so concurrent guesses cannot overtake it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.db import xact_lock
from gateway.models import SignInFailure


@dataclass(frozen=True)
class SignInBackoff:
    free: int  # failures per (kiosk, name) before the first wait
    first_wait: timedelta  # doubled with each further failure ...
    longest_wait: timedelta  # ... up to this
    window: timedelta  # failures older than this are forgotten

    def until(self, times: list[datetime]) -> datetime | None:
        """When the next attempt may be checked, given the failures in the window (oldest first);
        None while failures are still free."""
        excess = len(times) - self.free
        if excess < 0:
            return None
        wait = min(self.longest_wait, self.first_wait * (1 << min(excess, 32)))
        return times[-1] + wait


def name_key(name: str) -> str:
    """The typed name as stored: a hash, so whatever was typed is kept at a fixed size."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def reserve(db: Session, kiosk_id: str, name: str, now: datetime, backoff: SignInBackoff) -> datetime | None:
    """Count one attempt before its PIN is checked; when the (kiosk, name) is backing off, count
    nothing and return until when. Call inside the attempt's transaction."""
    key = name_key(name)
    xact_lock(db, f"sign-in:{kiosk_id}:{key}")
    # Tidy first: failures are rare, so this keeps the table small without a job of its own.
    db.execute(delete(SignInFailure).where(SignInFailure.at <= now - backoff.window))
    times = list(db.execute(select(SignInFailure.at).where(
        SignInFailure.kiosk_id == kiosk_id, SignInFailure.name_sha256 == key,
        SignInFailure.at > now - backoff.window).order_by(SignInFailure.at)).scalars())
    until = backoff.until(times)
    if until is not None and now < until:
        return until
    db.add(SignInFailure(kiosk_id=kiosk_id, name_sha256=key, at=now))
    return None


def starts_backing_off(db: Session, kiosk_id: str, name: str, now: datetime, backoff: SignInBackoff) -> bool:
    """Whether the failures counted so far (this attempt's included) make the next attempt wait."""
    times = list(db.execute(select(SignInFailure.at).where(
        SignInFailure.kiosk_id == kiosk_id, SignInFailure.name_sha256 == name_key(name),
        SignInFailure.at > now - backoff.window).order_by(SignInFailure.at)).scalars())
    until = backoff.until(times)
    return until is not None and now < until


def forget(db: Session, name: str, kiosk_id: str | None = None) -> None:
    """The right PIN came (at this kiosk), or the PIN was reset (everywhere): start from zero."""
    stmt = delete(SignInFailure).where(SignInFailure.name_sha256 == name_key(name))
    if kiosk_id is not None:
        stmt = stmt.where(SignInFailure.kiosk_id == kiosk_id)
    db.execute(stmt)


def backing_off(db: Session, now: datetime, backoff: SignInBackoff,
                kiosk_id: str | None = None) -> dict[str, datetime]:
    """name key -> until when, for every (kiosk, name) backing off now (at this kiosk, or the
    latest over all kiosks)."""
    stmt = select(SignInFailure.kiosk_id, SignInFailure.name_sha256, SignInFailure.at).where(
        SignInFailure.at > now - backoff.window).order_by(SignInFailure.at)
    if kiosk_id is not None:
        stmt = stmt.where(SignInFailure.kiosk_id == kiosk_id)
    pairs: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for kiosk, key, at in db.execute(stmt):
        pairs[(kiosk, key)].append(at)
    out: dict[str, datetime] = {}
    for (_kiosk, key), times in pairs.items():
        until = backoff.until(times)
        if until is not None and until > now and (key not in out or until > out[key]):
            out[key] = until
    return out
