"""Municipal applications: registering a submission, confirming an identity, exporting for staff.

Submissions are checked with the same KF1 code the kiosk runs (`common.forms`), so both sides
accept exactly the same answers. Answers are stored encrypted and never logged; a personal code is
kept only inside them plus a keyed hash for correlation. Registration numbers `KAC-<year>-<6
digits>` come from a per-year counter row updated in the same transaction as the application, so
they are gap-free per committed year.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common import csv_safe
from common.clock import RIGA
from common.forms.schema import SubmissionProblem, check_submission, compile_schema
from common.schema import (
    ApplicationReceipt,
    ApplicationRequest,
    Catalogue,
    ErrorCode,
    FormDocument,
    IdentityConfirmationRequest,
)
from gateway.models import ApplicationRow, Kiosk, RegistrationCounter
from gateway.problems import ProblemError
from gateway.services.operator_sessions import OperatorContext
from gateway.services.operators import record_event
from gateway.settings import ApplicationsSettings, local_date


def catalogue(cfg: ApplicationsSettings) -> Catalogue:
    """The Open311-like catalogue of application forms, by service code."""
    return Catalogue.model_validate({"services": [f.catalogue_entry() for _, f in sorted(cfg.forms.items())]})


def form_document(cfg: ApplicationsSettings, code: str) -> FormDocument:
    """A form's KF1 definition and the JSON Schema 2020-12 its answers must meet."""
    form = cfg.forms.get(code)
    if form is None:
        raise ProblemError(ErrorCode.NOT_FOUND)
    return FormDocument(definition=form.to_json(), json_schema=compile_schema(form))


def _next_registration_no(s: Session, now: datetime) -> str:
    year = now.astimezone(RIGA).year
    counter = s.get(RegistrationCounter, year, with_for_update=True)
    if counter is None:
        try:
            with s.begin_nested():
                s.add(RegistrationCounter(year=year, last=0))
        except IntegrityError:
            pass  # another request created the year's row first
        counter = s.get(RegistrationCounter, year, with_for_update=True, populate_existing=True)
        assert counter is not None
    counter.last += 1
    return f"KAC-{year}-{counter.last:06d}"


def _receipt(row: ApplicationRow) -> ApplicationReceipt:
    return ApplicationReceipt(
        application_id=row.id, client_application_id=row.client_application_id,
        registration_no=row.registration_no, status=row.status,  # type: ignore[arg-type]
        service_code=row.service_code, department=row.department, received_at=row.created_at)


# How far ahead of the gateway's clock a kiosk's `submitted_at` may be.
CLOCK_SKEW = timedelta(days=1)


def _validation(errors: list[SubmissionProblem]) -> ProblemError:
    return ProblemError(ErrorCode.VALIDATION_ERROR, errors=[e.to_problem() for e in errors])


def register_application(s: Session, cfg: ApplicationsSettings, kiosk: Kiosk, body: ApplicationRequest,
                         now: datetime, operator: OperatorContext | None = None) -> tuple[int, ApplicationReceipt]:
    """(201, the new application's receipt), or (200, the one this kiosk already sent).

    An identity claim counts only with an operator session: `librarian_checked_id` sent on an
    operator's behalf (the librarian checked the ID at the desk); a kiosk's claim alone leaves the
    application `awaiting_identity` (docs/architecture.md, "Operators").
    """
    existing = s.execute(select(ApplicationRow).where(
        ApplicationRow.kiosk_id == kiosk.id,
        ApplicationRow.client_application_id == body.client_application_id)).scalar_one_or_none()
    if existing is not None:
        return 200, _receipt(existing)
    if body.submitted_at > now + CLOCK_SKEW:
        # A kiosk's clock may run a little fast, not days (docs/architecture.md, "API rules").
        raise _validation([SubmissionProblem("/submitted_at", "datetime-in-future", {})])
    form = cfg.forms.get(body.service_code)
    if form is None:
        raise _validation([SubmissionProblem("/service_code", "unknown_service", {})])
    errors = check_submission(form, body.answers, today=local_date(now))
    if errors:
        raise _validation(errors)
    checked = (operator is not None and body.identity.assurance == "librarian_checked_id"
               and "librarian_checked_id" in form.identity.allowed)
    claim = "librarian_checked_id" if checked else "none"
    satisfied = not form.needs_identity or checked
    subject = next((v for f in form.fields() if f.datatype == "personal_code"
                    and isinstance(v := body.answers.get(f.code), str)), None)
    row = ApplicationRow(
        id=uuid.uuid4().hex, registration_no=_next_registration_no(s, now), kiosk_id=kiosk.id,
        location_code=kiosk.location_code, client_application_id=body.client_application_id,
        service_code=form.service_code, form_version=body.form_version,
        department=form.department, status="received" if satisfied else "awaiting_identity",
        identity_assurance=claim if satisfied else "none", lang=body.lang,
        answers_enc=cfg.encrypt(body.answers),
        subject_hmac=cfg.subject_hmac(subject) if subject else None,
        submitted_at=body.submitted_at, created_at=now,
        confirmed_at=now if satisfied and form.needs_identity else None,
        confirmed_by=operator.name if checked and operator is not None and form.needs_identity else None)
    s.add(row)
    s.flush()
    if checked and operator is not None:
        record_event(s, "identity-checked", now, operator_id=operator.operator_id, kiosk_id=kiosk.id,
                     detail=row.registration_no)
    return 201, _receipt(row)


def confirm_application(s: Session, operator: OperatorContext, body: IdentityConfirmationRequest,
                        now: datetime) -> tuple[int, ApplicationReceipt]:
    """A librarian checked the applicant: `awaiting_identity` -> `received` (again: no change).

    Only an operator of the application's location confirms it (403 otherwise); the session's
    operator is recorded, whatever `operator_id` the body names.
    """
    row = s.execute(select(ApplicationRow).where(
        ApplicationRow.registration_no == body.registration_no)).scalar_one_or_none()
    if row is None:
        raise ProblemError(ErrorCode.NOT_FOUND)
    if row.location_code != operator.location_code:
        raise ProblemError(ErrorCode.OPERATOR_FORBIDDEN)
    if row.status == "awaiting_identity":
        row.status = "received"
        row.identity_assurance = "librarian_checked_id"
        row.confirmed_at = now
        row.confirmed_by = operator.name
        record_event(s, "identity-confirmed", now, operator_id=operator.operator_id, kiosk_id=operator.kiosk_id,
                     detail=f"{row.registration_no} {body.id_document or ''}".strip())
    return 200, _receipt(row)


CSV_COLUMNS = ["registration_no", "status", "service_code", "form_version", "department",
               "location", "kiosk_id", "created_at_utc", "submitted_at_utc", "confirmed_at_utc",
               "confirmed_by", "identity_assurance", "lang", "answers_json"]


def _iso(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def export_csv(s: Session, cfg: ApplicationsSettings, out: TextIO, *, status: str | None = None,
               department: str | None = None, delimiter: str = ",") -> int:
    """RFC 4180 CSV (UTF-8) of applications with decrypted answers, for the municipality's staff.

    Personal data: the caller (CLI run by the municipality's IT) decides where the file goes.
    """
    q = select(ApplicationRow).order_by(ApplicationRow.created_at, ApplicationRow.registration_no)
    if status:
        q = q.where(ApplicationRow.status == status)
    if department:
        q = q.where(ApplicationRow.department == department)
    # Cells that a spreadsheet would run as formulas are neutralised (common/csv_safe.py).
    w = csv_safe.writer(out, delimiter=delimiter)
    w.writerow(CSV_COLUMNS)
    n = 0
    for row in s.execute(q).scalars():
        w.writerow([row.registration_no, row.status, row.service_code, row.form_version,
                    row.department, row.location_code, row.kiosk_id, _iso(row.created_at),
                    _iso(row.submitted_at), _iso(row.confirmed_at), row.confirmed_by or "",
                    row.identity_assurance, row.lang,
                    json.dumps(cfg.decrypt(row.answers_enc), ensure_ascii=False, sort_keys=True)])
        n += 1
    return n


def export_to_string(sessions: Callable[[], Session], cfg: ApplicationsSettings, **kw: Any) -> str:
    """`export_csv` into a string, in a session of its own from `sessions`."""
    buf = io.StringIO()
    with sessions() as s:
        export_csv(s, cfg, buf, **kw)
    return buf.getvalue()
