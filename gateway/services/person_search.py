"""Lookup by person: an operator, after checking an ID document, finds a person's open invoices by
personal code (docs/architecture.md, "Operators").

Every search is audited (operator, kiosk, time, reason, document kind) with the code only as a
keyed hash and masked, and limited per operator. Nothing here logs; the code never leaves the
request body. The payer is matched by `payer_ref`, the keyed hash the import keeps payers under
(`ImportKeys.payer_ref`): the database holds no codes to compare with.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.personal_code import PersonalCode, PersonalCodeError, mask_codes, parse
from common.schema import ErrorCode, PersonSearchRequest, PersonSearchResponse, PersonView
from gateway.db import xact_lock
from gateway.models import Invoice, Kiosk, Payer, PersonSearch
from gateway.problems import ProblemError
from gateway.services import check_limits
from gateway.services.invoices import invoice_view
from gateway.services.operator_sessions import OperatorContext
from gateway.services.operators import OperatorPolicy
from gateway.settings import local_date


def parse_code(text: str) -> PersonalCode:
    """The validated code; a 422 naming `/personal_code` and the validator's stable code otherwise."""
    try:
        return parse(text)
    except PersonalCodeError as exc:
        raise ProblemError(ErrorCode.VALIDATION_ERROR,
                           errors=[{"pointer": "/personal_code", "code": exc.code}]) from None


def scrub(text: str) -> str:
    """The reason as typed, with anything shaped like a personal code masked: a code typed into
    the reason must not reach the audit in full either, whatever dashes or spaces it was typed with."""
    return mask_codes(text)


def check_rate_limit(db: Session, operator: OperatorContext, now: datetime, policy: OperatorPolicy) -> None:
    """429 past the operator's limit. Counted under the operator's lock until the search's row is
    committed, so a parallel burst gets exactly the limit answered (on PostgreSQL each transaction
    would otherwise count only what was committed before it began; docs/architecture.md, "API rules")."""
    xact_lock(db, f"person-search:{operator.operator_id}")
    since = now - policy.search_window
    times = db.execute(select(PersonSearch.at).where(
        PersonSearch.operator_id == operator.operator_id, PersonSearch.at > since)
        .order_by(PersonSearch.at.desc()).limit(policy.searches_per_window)).scalars().all()
    if len(times) >= policy.searches_per_window:
        retry = max(1, int((times[-1] + policy.search_window - now).total_seconds() + 0.999))
        raise ProblemError(ErrorCode.OPERATOR_RATE_LIMITED, headers={"Retry-After": str(retry)})


def search(db: Session, kiosk: Kiosk, operator: OperatorContext, req: PersonSearchRequest, now: datetime,
           policy: OperatorPolicy, keyed_hash: Callable[[str], str],
           payer_ref: Callable[[str], str]) -> PersonSearchResponse:
    """The person's open invoices with their full name, audited; 429 past the operator's limit.

    `keyed_hash` gives the audit's hash of the code; `payer_ref` the payers' (of its 11 digits).
    """
    code = parse_code(req.personal_code)
    check_rate_limit(db, operator, now, policy)
    payer = db.execute(select(Payer).where(Payer.payer_ref == payer_ref(code.digits))).scalar_one_or_none()
    views = []
    if payer is not None:
        rows = db.execute(select(Invoice).where(Invoice.payer_id == payer.id,
                                                Invoice.total_cents > Invoice.paid_cents)
                          .order_by(Invoice.notice_number)).unique().scalars().all()
        today = local_date(now)
        views = [invoice_view(inv, today) for inv in rows]
        # What the search showed, this session (and no other) may reserve and pay by id.
        check_limits.record_session_finds(db, operator.session_id, (v.invoice_id for v in views), now)
    db.add(PersonSearch(operator_id=operator.operator_id, kiosk_id=kiosk.id, at=now, reason=scrub(req.reason),
                        id_document=req.id_document, code_hmac=keyed_hash(code.canonical),
                        code_masked=code.masked, found=payer is not None, invoice_count=len(views)))
    person = None if payer is None else PersonView(
        name=payer.name, personal_code_masked=code.masked, deceased=payer.deceased)
    return PersonSearchResponse(found=payer is not None, person=person, invoices=views)

