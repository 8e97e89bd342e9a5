"""Idempotency-Key handling (draft-ietf-httpapi-idempotency-key-header) for state-changing POSTs.

The key is claimed in the same transaction as the handler's work and the stored response: one
transaction per POST, so a posting and its key can never be separated and a crashed worker leaves
no claim behind (the database rolls it back). A
concurrent request with the same key waits on the claim's row (a row lock on PostgreSQL, the
writer lock on SQLite) and then gets the stored answer replayed. A refusal the handler raises is
stored afterwards in a transaction of its own, unless it is retryable (503, 409 reserved, 429):
then nothing is kept and the client's retry with the same key runs again (docs/architecture.md,
"API rules" and "Operations").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from common.schema import PROBLEM_MEDIA_TYPE, REPLAYED_HEADER, ErrorCode
from gateway.models import IdempotencyRecord
from gateway.problems import ProblemError, dumps

# A claim older than this was left by a crashed worker: the next request with the key takes over.
STALE_IN_FLIGHT = timedelta(seconds=60)
RETENTION = timedelta(days=30)

Handler = Callable[[Session], tuple[int, BaseModel]]


def parse_key(raw: str | None) -> str:
    """The header is a Structured Field string ("..."); a bare token is accepted too."""
    if raw is None:
        raise ProblemError(ErrorCode.IDEMPOTENCY_KEY_MISSING)
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise ProblemError(ErrorCode.IDEMPOTENCY_KEY_MISSING)
    return key


def fingerprint(method: str, path: str, body: BaseModel) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method.upper()} {path}\n{canonical}".encode()).hexdigest()


def _json(status: int, body: Any, *, replayed: bool = False) -> JSONResponse:
    headers = {REPLAYED_HEADER: "true"} if replayed else {}
    media = PROBLEM_MEDIA_TYPE if status >= 400 else "application/json"
    return JSONResponse(body, status_code=status, media_type=media, headers=headers)


class _ClaimRace(Exception):
    """A concurrent request inserted the same key first: roll back and look again."""


def _claim(s: Session, kiosk_id: str, key: str, fp: str, now: datetime) -> JSONResponse | None:
    """Inside the open transaction: None when this request owns the key now; else the answer to
    give instead. A claim row left "in-flight" by an older gateway is taken over when stale."""
    rec = s.get(IdempotencyRecord, (kiosk_id, key), with_for_update=True, populate_existing=True)
    if rec is None:
        s.add(IdempotencyRecord(kiosk_id=kiosk_id, key=key, fingerprint=fp, state="in-flight", created_at=now))
        try:
            s.flush()  # waits here for a concurrent claim of the same key to commit or roll back
        except IntegrityError:
            raise _ClaimRace from None
        return None
    if rec.fingerprint != fp:
        raise ProblemError(ErrorCode.IDEMPOTENCY_KEY_REUSED)
    if rec.state == "done":
        return _json(rec.response_status or 200, json.loads(rec.response_body or "null"), replayed=True)
    if now - rec.created_at < STALE_IN_FLIGHT:
        raise ProblemError(ErrorCode.IDEMPOTENCY_IN_FLIGHT, headers={"Retry-After": "1"})
    rec.created_at = now
    return None


def _store_refusal(s: Session, kiosk_id: str, key: str, fp: str, now: datetime, exc: ProblemError) -> None:
    """Keep a non-retryable refusal for replay (the handler's transaction was rolled back)."""
    try:
        with s.begin():
            s.add(IdempotencyRecord(kiosk_id=kiosk_id, key=key, fingerprint=fp, state="done", created_at=now,
                                    response_status=exc.status, response_body=dumps(exc.body())))
    except IntegrityError:
        pass  # a concurrent request with the same key stored its answer first; that one stands


def _store(s: Session, kiosk_id: str, key: str, status: int, body: Any) -> None:
    # Read afresh, not from the session's identity map: the record may have gone meanwhile.
    rec = s.get(IdempotencyRecord, (kiosk_id, key), populate_existing=True)
    if rec is None:  # purged meanwhile; keep the answer anyway
        return
    rec.state = "done"
    rec.response_status = status
    rec.response_body = dumps(body)


def run(
    session: Session,
    *,
    kiosk_id: str,
    raw_key: str | None,
    method: str,
    path: str,
    body: BaseModel,
    now: datetime,
    handler: Handler,
    on_problem: Callable[[ProblemError], None] | None = None,
) -> JSONResponse:
    """Answer `method path body` once per key: claim, run `handler` and store, in one transaction.

    `session` must have no transaction open; `on_problem` runs (with none open either) when the
    handler refuses, before the refusal is stored.
    """
    key = parse_key(raw_key)
    fp = fingerprint(method, path, body)
    for _attempt in range(3):
        claimed = False
        try:
            with session.begin():
                early = _claim(session, kiosk_id, key, fp, now)
                if early is not None:
                    return early
                claimed = True
                status, model = handler(session)
                payload = model.model_dump(mode="json")
                _store(session, kiosk_id, key, status, payload)
            return _json(status, payload)
        except _ClaimRace:
            continue
        except ProblemError as exc:
            if not claimed:  # the key itself was refused (reused with another body, in flight)
                raise
            if on_problem is not None:
                on_problem(exc)
            if not (exc.retryable or exc.status >= 500):
                _store_refusal(session, kiosk_id, key, fp, now, exc)
            raise
    raise ProblemError(ErrorCode.IDEMPOTENCY_IN_FLIGHT, headers={"Retry-After": "1"})


def purge(sessions: sessionmaker[Session], now: datetime) -> int:
    """Drop records past retention (30 days)."""
    with sessions.begin() as s:
        res = s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - RETENTION))
        return int(res.rowcount or 0)  # type: ignore[attr-defined]
