"""A request's kiosk token (and operator session) checked again in every transaction it opens.

The guard authenticates a kiosk before it reads the body (`gateway.request_guard`), and the body
may take up to the body timeout to arrive: a token revoked or rotated meanwhile, or an operator
session ended, must not let the request write. So the request's database session remembers what
was decided, and each transaction it begins first reads that it still holds — the kiosk active with
the same token, the operator session open and its operator enabled — before anything is written.
On PostgreSQL the rows are read FOR SHARE, so a revocation or sign-out that commits meanwhile waits
for the transaction to end; on SQLite BEGIN IMMEDIATE already holds the one writer lock
(docs/architecture.md, "API rules").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from common.schema import ErrorCode
from gateway.models import Kiosk, Operator, OperatorSessionRow
from gateway.problems import ProblemError

_KIOSK = "kac_recheck_kiosk"
_OPERATOR = "kac_recheck_operator"


def watch_kiosk(session: Session, kiosk: Kiosk) -> None:
    """Check in each transaction of `session` that `kiosk` is still active with this token."""
    session.info[_KIOSK] = (kiosk.id, kiosk.token_sha256)


def watch_operator(session: Session, session_id: str, now: datetime) -> None:
    """Check in each transaction of `session` that the operator session is still open at `now`."""
    session.info[_OPERATOR] = (session_id, now)


def install(sessions: sessionmaker[Session]) -> None:
    """Make every session of `sessions` run the checks its request asked for."""
    event.listen(sessions, "after_begin", _recheck)


def _recheck(session: Session, _transaction: Any, connection: Any) -> None:
    kiosk = session.info.get(_KIOSK)
    if kiosk is not None:
        kiosk_id, token_sha256 = kiosk
        still = connection.execute(
            select(Kiosk.id).where(Kiosk.id == kiosk_id, Kiosk.token_sha256 == token_sha256,
                                   Kiosk.active.is_(True)).with_for_update(read=True)).first()
        if still is None:
            raise ProblemError(ErrorCode.UNAUTHENTICATED)
    operator = session.info.get(_OPERATOR)
    if operator is not None:
        session_id, now = operator
        row = connection.execute(
            select(OperatorSessionRow.id).join(Operator, Operator.id == OperatorSessionRow.operator_id)
            .where(OperatorSessionRow.id == session_id, OperatorSessionRow.ended_at.is_(None),
                   OperatorSessionRow.expires_at > now, Operator.disabled.is_(False))
            .with_for_update(read=True, of=OperatorSessionRow)).first()
        if row is None:
            raise ProblemError(ErrorCode.OPERATOR_SESSION_INVALID)
