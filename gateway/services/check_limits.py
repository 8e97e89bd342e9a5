"""Who may learn about an invoice: the failed-check limits and the record of invoices a kiosk found.

A check value is only as strong as the limit on guessing it (docs/architecture.md, "API rules"):
- per kiosk, a back-off: the first few failures in the window are free (residents mistype), then
  each further attempt waits twice as long after the last failure, up to the window;
- per kiosk and notice: a kiosk that failed on a notice a few times in a day is refused that notice
  for the day (the resident asks the librarian); other kiosks are not touched by it;
- per notice, across kiosks: once a notice collected its daily budget of wrong values anywhere,
  only kiosks that have not failed on it that day are still checked, so many kiosk tokens cannot
  share one guessing job, yet the rightful payer at an untouched kiosk always gets in;
- an intent may name an invoice by id only if the same kiosk found it with its check value within
  the find window, or a person search on the same, still open, operator session returned it; a
  refused id counts as a failed check.

Counting and deciding happen in one transaction under a lock (an advisory lock per kiosk and per
notice on PostgreSQL; on SQLite every transaction begins IMMEDIATE, holding the one writer lock), so
concurrent guesses cannot all see the same count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from common.schema import ErrorCode
from gateway.db import xact_lock
from gateway.models import FailedCheck, InvoiceFind, OperatorSessionRow, SessionInvoiceFind
from gateway.problems import ProblemError

WINDOW = timedelta(minutes=10)
KIOSK_FREE_FAILURES = 5  # typos by different residents; past these the back-off starts
KIOSK_FIRST_WAIT_S = 5.0  # doubled with each further failure, capped at WINDOW
NOTICE_WINDOW = timedelta(hours=24)  # the per-notice limits count a day
KIOSK_NOTICE_FAILURES = 3  # one kiosk's wrong values on one notice; then that kiosk is refused it
NOTICE_FAILURES = 6  # all kiosks' wrong values on one notice; then only untouched kiosks are checked
FIND_WINDOW = timedelta(hours=1)  # longer than any visit, shorter than a day's session of guessing


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock(session: Session, kiosk_id: str, notices: Iterable[str] = ()) -> None:
    """Serialise the limit decisions for this kiosk and these notices until the transaction ends."""
    # Always kiosk first, then notices in order: no two transactions wait on each other in a ring.
    xact_lock(session, f"kiosk:{kiosk_id}", *(f"notice:{n}" for n in sorted(set(notices))))


def _retry_after(until: datetime, now: datetime) -> ProblemError:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return ProblemError(ErrorCode.RATE_LIMITED, headers={"Retry-After": str(seconds)})


def check(session: Session, kiosk_id: str, now: datetime, notices: Iterable[str] = ()) -> None:
    """Raise 429 (with Retry-After) while this kiosk is backing off or a notice is closed.

    Call after `lock` in the same transaction as the check it guards.
    """
    since = now - WINDOW
    kiosk_failures = session.execute(
        select(FailedCheck.at).where(FailedCheck.kiosk_id == kiosk_id, FailedCheck.at > since)
        .order_by(FailedCheck.at)
    ).scalars().all()
    excess = len(kiosk_failures) - KIOSK_FREE_FAILURES
    if excess >= 0:
        wait = min(WINDOW.total_seconds(), KIOSK_FIRST_WAIT_S * 2**excess)
        until = kiosk_failures[-1] + timedelta(seconds=wait)
        if now < until:
            raise _retry_after(until, now)
    for notice in sorted(set(notices)):
        _check_notice(session, kiosk_id, now, notice)


def _check_notice(session: Session, kiosk_id: str, now: datetime, notice: str) -> None:
    """429 when this kiosk used up its tries on the notice today, or when the notice's daily budget
    is spent and this kiosk is one of those that failed on it. A kiosk with no failure on the
    notice is always checked: the lock never reaches a kiosk the guessing did not come from."""
    rows = session.execute(
        select(FailedCheck.kiosk_id, FailedCheck.at)
        .where(FailedCheck.notice_number == notice, FailedCheck.at > now - NOTICE_WINDOW)
        .order_by(FailedCheck.at)
    ).all()
    mine = [at for kiosk, at in rows if kiosk == kiosk_id]
    if not mine:
        return
    if len(mine) >= KIOSK_NOTICE_FAILURES:
        # Open again here once the oldest failure that keeps this kiosk at its limit leaves the day.
        raise _retry_after(mine[len(mine) - KIOSK_NOTICE_FAILURES] + NOTICE_WINDOW, now)
    if len(rows) >= NOTICE_FAILURES:
        # Checked again when the budget has room, or when this kiosk's own failures have gone.
        budget_back = rows[len(rows) - NOTICE_FAILURES].at + NOTICE_WINDOW
        raise _retry_after(min(budget_back, mine[-1] + NOTICE_WINDOW), now)


def record_failure(session: Session, kiosk_id: str, now: datetime, notice: str | None = None) -> None:
    session.add(FailedCheck(kiosk_id=kiosk_id, at=now, notice_number=notice))
    # Failures are rare: tidying here keeps both tables small without a job of its own.
    purge(session, now)


def forgive(session: Session, kiosk_id: str, notice: str) -> None:
    """This kiosk typed the right value: its earlier wrong ones on the notice were the payer's typos,
    and must not make it one of the kiosks refused once the notice's daily budget is spent."""
    session.execute(delete(FailedCheck).where(FailedCheck.kiosk_id == kiosk_id,
                                              FailedCheck.notice_number == notice))


def record_find(session: Session, kiosk_id: str, invoice_id: str, now: datetime) -> None:
    """This kiosk proved it has the paper (notice and check value): it may reserve the invoice."""
    insert = pg_insert if _is_postgres(session) else sqlite_insert
    stmt = insert(InvoiceFind).values(kiosk_id=kiosk_id, invoice_id=invoice_id, found_at=now)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[InvoiceFind.kiosk_id, InvoiceFind.invoice_id], set_={"found_at": now}))


def found_here(session: Session, kiosk_id: str, invoice_id: str, now: datetime) -> bool:
    found_at = session.execute(
        select(InvoiceFind.found_at).where(InvoiceFind.kiosk_id == kiosk_id, InvoiceFind.invoice_id == invoice_id)
    ).scalar_one_or_none()
    return found_at is not None and found_at > now - FIND_WINDOW


def record_session_finds(session: Session, session_id: str, invoice_ids: Iterable[str], now: datetime) -> None:
    """A person search on this operator session returned these invoices: the session may use them."""
    rows = [{"session_id": session_id, "invoice_id": i, "found_at": now} for i in dict.fromkeys(invoice_ids)]
    if not rows:
        return
    insert = pg_insert if _is_postgres(session) else sqlite_insert
    stmt = insert(SessionInvoiceFind).values(rows)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[SessionInvoiceFind.session_id, SessionInvoiceFind.invoice_id],
        set_={"found_at": stmt.excluded.found_at}))


def _open_session(now: datetime) -> list[Any]:
    return [OperatorSessionRow.created_at <= now, OperatorSessionRow.expires_at > now,
            or_(OperatorSessionRow.ended_at.is_(None), OperatorSessionRow.ended_at > now)]


def found_by_session(session: Session, session_id: str | None, invoice_id: str, now: datetime) -> bool:
    """Whether a person search on this operator session, open now, returned the invoice."""
    if session_id is None:
        return False
    row = session.execute(
        select(SessionInvoiceFind.found_at)
        .join(OperatorSessionRow, OperatorSessionRow.id == SessionInvoiceFind.session_id)
        .where(SessionInvoiceFind.session_id == session_id, SessionInvoiceFind.invoice_id == invoice_id,
               *_open_session(now))
    ).first()
    return row is not None


def may_use(session: Session, kiosk_id: str, session_id: str | None, invoice_id: str, now: datetime) -> bool:
    """Whether this kiosk (on this operator session, if any) may name the invoice by id."""
    return found_here(session, kiosk_id, invoice_id, now) or found_by_session(session, session_id, invoice_id, now)


def purge(session: Session, now: datetime) -> int:
    """Drop failures and finds that no longer matter (run at start-up and now and then)."""
    gone = 0
    closed = select(OperatorSessionRow.id).where(
        or_(OperatorSessionRow.expires_at <= now, OperatorSessionRow.ended_at <= now))
    for stmt in (delete(FailedCheck).where(FailedCheck.at < now - max(2 * WINDOW, NOTICE_WINDOW)),
                 delete(InvoiceFind).where(InvoiceFind.found_at < now - FIND_WINDOW),
                 delete(SessionInvoiceFind).where(SessionInvoiceFind.session_id.in_(closed))):
        result = session.execute(stmt)
        gone += result.rowcount if isinstance(result, CursorResult) else 0
    return gone

