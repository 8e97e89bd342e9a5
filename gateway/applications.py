"""Municipal applications: the services catalogue, form definitions, submissions, confirmations.

Paths (contracts): `GET /api/v1/services`, `GET /api/v1/services/{code}/form`,
`POST /api/v1/applications`, `POST /api/v1/application-confirmations`.

Submissions are checked with the same KF1 code the kiosk runs (`kiosk.forms`: pure Python, no
Kivy), so both sides accept exactly the same answers. Answers are stored encrypted (Fernet:
AES-128-CBC + HMAC-SHA-256) and never logged; a personal code is kept only inside them plus a keyed
hash for correlation. Registration numbers `KAC-<year>-<6 digits>` come from a per-year counter
row updated in the same transaction as the application, so they are gap-free per committed year.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TextIO
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet
from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from common.forms.definition import FormDefinition, default_forms_dir, load_forms
from common.forms.schema import FieldError, check_submission, compile_schema
from common.personal_code import compact as _compact_code
from common.schema import API_PREFIX, ErrorCode
from gateway import idempotency
from gateway.app import current_kiosk, state_of
from gateway.models import Base, Kiosk, UtcDateTime
from gateway.problems import ProblemError

log = logging.getLogger(__name__)
LOCAL_TZ = ZoneInfo("Europe/Riga")
KEY_ENV = "KAC_APPLICATIONS_KEY_FILE"
Status = Literal["received", "awaiting_identity"]
Assurance = Literal["none", "librarian_checked_id", "eid"]


# -- tables ------------------------------------------------------------------------------------
class ApplicationRow(Base):
    __tablename__ = "applications"
    # Kept forever like payments' client_txn_id: an outbox replayed under a new key cannot
    # register the same application twice.
    __table_args__ = (UniqueConstraint("kiosk_id", "client_application_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    registration_no: Mapped[str] = mapped_column(String(20), unique=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    location_code: Mapped[str] = mapped_column(ForeignKey("locations.code"))
    client_application_id: Mapped[str] = mapped_column(String(64))
    service_code: Mapped[str] = mapped_column(String(40), index=True)
    form_version: Mapped[int] = mapped_column(Integer)
    department: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    identity_assurance: Mapped[str] = mapped_column(String(24))
    lang: Mapped[str] = mapped_column(String(2))
    answers_enc: Mapped[str] = mapped_column(Text)
    subject_hmac: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RegistrationCounter(Base):
    __tablename__ = "application_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


# -- wire models -------------------------------------------------------------------------------
class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentityClaim(_In):
    assurance: Assurance = "none"
    # The librarian who checked the ID (the kiosk's operator id); no document number is sent.
    operator_id: str | None = Field(default=None, max_length=64)


class ApplicationRequest(_In):
    client_application_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    service_code: str = Field(min_length=1, max_length=40)
    form_version: int = Field(ge=1)
    lang: Literal["lv", "en", "ru"] = "lv"
    submitted_at: datetime
    identity: IdentityClaim = IdentityClaim()
    answers: dict[str, Any]


class ApplicationReceipt(BaseModel):
    application_id: str
    client_application_id: str
    registration_no: str
    status: Status
    service_code: str
    department: str
    received_at: datetime


class ConfirmationRequest(_In):
    registration_no: str = Field(min_length=1, max_length=20)
    operator_id: str = Field(min_length=1, max_length=64)


class Catalogue(BaseModel):
    services: list[dict[str, Any]]


# -- settings: forms and the answers key -------------------------------------------------------
@dataclass
class ApplicationsSettings:
    forms: dict[str, FormDefinition]
    fernet: Fernet
    pepper: bytes

    @classmethod
    def load(cls, forms_dir: Path | None = None, key_file: Path | None = None) -> ApplicationsSettings:
        forms, errors = load_forms(forms_dir or default_forms_dir())
        for err in errors:  # definitions are not personal data; the path and reason help IT
            log.error("form definition skipped: %s", err)
        key = _load_or_create_key(key_file or _default_key_file())
        pepper = hmac.new(key, b"kac-applications-subject-v1", hashlib.sha256).digest()
        return cls(forms=forms, fernet=Fernet(key), pepper=pepper)

    def encrypt(self, answers: dict[str, Any]) -> str:
        raw = json.dumps(answers, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return self.fernet.encrypt(raw).decode("ascii")

    def decrypt(self, token: str) -> dict[str, Any]:
        return json.loads(self.fernet.decrypt(token.encode("ascii")))  # type: ignore[no-any-return]

    def subject_hmac(self, code: str) -> str:
        digits = _compact_code(code).replace("-", "")
        return hmac.new(self.pepper, digits.encode("ascii", "replace"), hashlib.sha256).hexdigest()


def _default_key_file() -> Path:
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env)
    from common.paths import user_data_dir

    return user_data_dir() / "gateway-applications.key"


def _load_or_create_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


def configure(app: Any, forms_dir: Path | None = None, key_file: Path | None = None) -> None:
    """Set where forms and the answers key come from (default: shipped forms, $KAC_APPLICATIONS_KEY_FILE
    or <user data>/gateway-applications.key, created 0600)."""
    app.state.applications = ApplicationsSettings.load(forms_dir, key_file)


def settings_of(request: Request) -> ApplicationsSettings:
    st = getattr(request.app.state, "applications", None)
    if st is None:
        st = request.app.state.applications = ApplicationsSettings.load()
    return st  # type: ignore[no-any-return]


# -- the work ----------------------------------------------------------------------------------
def _next_registration_no(s: Session, now: datetime) -> str:
    year = now.astimezone(LOCAL_TZ).year
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


def _validation(errors: list[FieldError]) -> ProblemError:
    return ProblemError(ErrorCode.VALIDATION_ERROR, errors=[e.to_problem() for e in errors])


def register_application(s: Session, cfg: ApplicationsSettings, kiosk: Kiosk,
                         body: ApplicationRequest, now: datetime) -> tuple[int, ApplicationReceipt]:
    existing = s.execute(select(ApplicationRow).where(
        ApplicationRow.kiosk_id == kiosk.id,
        ApplicationRow.client_application_id == body.client_application_id)).scalar_one_or_none()
    if existing is not None:
        return 200, _receipt(existing)
    form = cfg.forms.get(body.service_code)
    if form is None:
        raise _validation([FieldError("/service_code", "unknown_service", {})])
    errors = check_submission(form, body.answers, today=now.astimezone(LOCAL_TZ).date())
    if errors:
        raise _validation(errors)
    claim = body.identity.assurance
    satisfied = not form.needs_identity or (
        claim in form.identity.allowed and claim != "none"
        and (claim != "librarian_checked_id" or bool(body.identity.operator_id)))
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
        confirmed_by=body.identity.operator_id if satisfied and form.needs_identity else None)
    s.add(row)
    s.flush()
    return 201, _receipt(row)


def confirm_application(s: Session, kiosk: Kiosk, body: ConfirmationRequest,
                        now: datetime) -> tuple[int, ApplicationReceipt]:
    row = s.execute(select(ApplicationRow).where(
        ApplicationRow.registration_no == body.registration_no,
        # A kiosk (for now the operator's credential) confirms only its own location's papers.
        ApplicationRow.location_code == kiosk.location_code)).scalar_one_or_none()
    if row is None:
        raise ProblemError(ErrorCode.NOT_FOUND)
    if row.status == "awaiting_identity":
        row.status = "received"
        row.identity_assurance = "librarian_checked_id"
        row.confirmed_at = now
        row.confirmed_by = body.operator_id
    return 200, _receipt(row)


CSV_COLUMNS = ["registration_no", "status", "service_code", "form_version", "department",
               "location", "kiosk_id", "created_at_utc", "submitted_at_utc", "confirmed_at_utc",
               "confirmed_by", "identity_assurance", "lang", "answers_json"]


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
    w = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    n = 0
    for row in s.execute(q).scalars():
        iso = (lambda d: d.isoformat().replace("+00:00", "Z") if d else "")
        w.writerow([row.registration_no, row.status, row.service_code, row.form_version,
                    row.department, row.location_code, row.kiosk_id, iso(row.created_at),
                    iso(row.submitted_at), iso(row.confirmed_at), row.confirmed_by or "",
                    row.identity_assurance, row.lang,
                    json.dumps(cfg.decrypt(row.answers_enc), ensure_ascii=False, sort_keys=True)])
        n += 1
    return n


# -- the router --------------------------------------------------------------------------------
_IdemKey = Header(default=None, alias="Idempotency-Key")


def build_router() -> APIRouter:
    r = APIRouter(prefix=API_PREFIX, tags=["applications"])

    @r.get("/services", response_model=Catalogue)
    def list_services(request: Request, kiosk: Kiosk = Depends(current_kiosk)) -> Catalogue:
        """The Open311-like catalogue of application forms (code, title per language, group)."""
        cfg = settings_of(request)
        return Catalogue(services=[f.catalogue_entry() for _, f in sorted(cfg.forms.items())])

    @r.get("/services/{code}/form")
    def get_form(code: str, request: Request, kiosk: Kiosk = Depends(current_kiosk)) -> Any:
        """The KF1 definition and its compiled JSON Schema 2020-12 (for `answers`)."""
        form = settings_of(request).forms.get(code)
        if form is None:
            raise ProblemError(ErrorCode.NOT_FOUND)
        return {"definition": form.to_json(), "json_schema": compile_schema(form)}

    @r.post("/applications", response_model=ApplicationReceipt, status_code=201)
    def submit(body: ApplicationRequest, request: Request, kiosk: Kiosk = Depends(current_kiosk),
               idempotency_key: str | None = _IdemKey) -> Any:
        """Register an application: 201 with `registration_no` (`KAC-2026-000123`).

        Invalid answers: 422 problem+json, `errors[{pointer, code, message{lv,en,ru}}]` per field.
        A form that needs an identity check and arrives without one is `awaiting_identity` until
        `POST /application-confirmations`.
        """
        st = state_of(request)
        cfg = settings_of(request)
        now = st.now()
        return idempotency.run_request(
            request, kiosk_id=kiosk.id, raw_key=idempotency_key, body=body, now=now,
            handler=lambda s: register_application(s, cfg, kiosk, body, now))

    @r.post("/application-confirmations", response_model=ApplicationReceipt)
    def confirm(body: ConfirmationRequest, request: Request, kiosk: Kiosk = Depends(current_kiosk),
                idempotency_key: str | None = _IdemKey) -> Any:
        """A librarian checked the applicant's ID and signature: `awaiting_identity` -> `received`.

        Takes the kiosk token until operator sessions exist; confirming twice is harmless.
        """
        st = state_of(request)
        now = st.now()
        return idempotency.run_request(
            request, kiosk_id=kiosk.id, raw_key=idempotency_key, body=body, now=now,
            handler=lambda s: confirm_application(s, kiosk, body, now))

    return r


def export_to_string(sessions: Any, cfg: ApplicationsSettings, **kw: Any) -> str:
    buf = io.StringIO()
    with sessions() as s:
        export_csv(s, cfg, buf, **kw)
    return buf.getvalue()


__all__ = [
    "ApplicationRow",
    "ApplicationsSettings",
    "RegistrationCounter",
    "build_router",
    "configure",
    "export_csv",
    "migration_downgrade",
    "migration_upgrade",
]


# -- command line: `kiosk gateway applications export` (mounted by gateway/cli.py) -------------
def configure_cli(parser: Any) -> None:
    """Adds `export` under the given `applications` parser (argparse)."""
    sub = parser.add_subparsers(dest="applications_command", metavar="COMMAND")
    exp = sub.add_parser("export", help="CSV of applications with decrypted answers (personal data)")
    exp.add_argument("--db", required=True, help="database URL, e.g. sqlite:///gateway.sqlite")
    exp.add_argument("--out", required=True, help="output file (created mode 0600)")
    exp.add_argument("--status", choices=["received", "awaiting_identity"])
    exp.add_argument("--department")
    exp.add_argument("--semicolon", action="store_true", help="';' separator for Latvian Excel")
    exp.add_argument("--key-file", help=f"answers key (default ${KEY_ENV} or the data folder)")
    exp.set_defaults(func=_cli_export)


def _cli_export(args: Any) -> int:
    from gateway.db import make_engine, session_factory

    cfg = ApplicationsSettings.load(key_file=Path(args.key_file) if args.key_file else None)
    engine = make_engine(args.db)
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh, session_factory(engine)() as s:
        n = export_csv(s, cfg, fh, status=args.status, department=args.department,
                       delimiter=";" if args.semicolon else ",")
    engine.dispose()
    print(f"{n} applications written to {args.out}")
    return 0
