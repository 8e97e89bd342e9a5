"""The gateway's FastAPI application: `create_app(db_url)`.

Endpoints are sync functions (FastAPI runs them in its thread pool) over a sync SQLAlchemy engine,
the same code on SQLite and PostgreSQL. Identifiers travel in bodies only, never in URLs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from common.invoice_codes import CodeError, normalise_check, normalise_notice, parse_scanned
from common.schema import (
    API_PREFIX,
    PROBLEM_MEDIA_TYPE,
    ErrorCode,
    Health,
    IntentReleaseRequest,
    InvoiceSearchRequest,
    InvoiceSearchResponse,
    Payment,
    PaymentIntent,
    PaymentIntentRequest,
    PaymentLookupRequest,
    PaymentLookupResponse,
    PaymentRequest,
    Problem,
)
from gateway import idempotency, invoices, payments
from gateway.db import make_engine, migrate, session_factory
from gateway.models import Kiosk
from gateway.problems import ProblemError, install

VERSION = "1.0.0"
LOCAL_TZ = ZoneInfo("Europe/Riga")


class Clock(Protocol):
    def now(self) -> datetime: ...


class _SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class GatewayState:
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        # Due dates are Latvian calendar days, not UTC ones.
        return self.now().astimezone(LOCAL_TZ).date()


def _problem_doc(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}} for s in statuses}


def state_of(request: Request) -> GatewayState:
    return request.app.state.gateway  # type: ignore[no-any-return]


_bearer = HTTPBearer(auto_error=False, description="the kiosk's own token")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def current_kiosk(request: Request, cred: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Kiosk:
    if cred is None or not cred.credentials:
        raise ProblemError(ErrorCode.UNAUTHENTICATED)
    st = state_of(request)
    with st.sessions() as s:
        kiosk = s.execute(
            select(Kiosk).where(Kiosk.token_sha256 == hash_token(cred.credentials), Kiosk.active.is_(True))
        ).scalar_one_or_none()
    if kiosk is None:
        raise ProblemError(ErrorCode.UNAUTHENTICATED)
    return kiosk


IdemKey = Header(
    default=None,
    alias="Idempotency-Key",
    description='Structured Field string, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324"; required',
)


def _count_failures(st: GatewayState, kiosk: Kiosk) -> Callable[[ProblemError], None]:
    def on_problem(exc: ProblemError) -> None:
        if exc.code == ErrorCode.INVOICE_NOT_FOUND:
            with st.sessions.begin() as s:
                invoices.record_failure(s, kiosk.id, st.now())

    return on_problem


def build_router() -> APIRouter:
    r = APIRouter(prefix=API_PREFIX)

    @r.get("/health", response_model=Health, tags=["health"], responses=_problem_doc(503))
    def health(request: Request) -> Health:
        """Reachability for the kiosk's "gateway reachable" indicator; touches the database."""
        st = state_of(request)
        with st.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return Health(version=VERSION, time=st.now())

    @r.post(
        "/invoice-searches",
        response_model=InvoiceSearchResponse,
        tags=["invoices"],
        responses=_problem_doc(401, 404, 422, 429, 503),
    )
    def search_invoices(
        body: InvoiceSearchRequest, request: Request, kiosk: Kiosk = Depends(current_kiosk)
    ) -> InvoiceSearchResponse:
        """Find an invoice by notice number + check value (typed or scanned).

        Unknown notice and wrong check value answer the same `invoice-not-found` and both count
        towards the kiosk's failed-check limit (5 in 10 minutes, then 429).
        """
        st = state_of(request)
        try:
            if body.scanned is not None:
                pointer = "/scanned"
                notice, check = parse_scanned(body.scanned)
            else:
                pointer = "/notice_number"
                notice = normalise_notice(body.notice_number or "")
                pointer = "/check_value"
                check = normalise_check(body.check_value or "")
        except CodeError as exc:
            raise ProblemError(exc.code, errors=[{"pointer": pointer, "code": exc.code}]) from None
        now = st.now()
        with st.sessions.begin() as s:
            invoices.check_rate_limit(s, kiosk.id, now)
            inv = invoices.find_checked(s, notice, check)
            if inv is None:
                invoices.record_failure(s, kiosk.id, now)
                view = None
            else:
                view = invoices.invoice_view(inv, st.today())
        if view is None:
            raise ProblemError(ErrorCode.INVOICE_NOT_FOUND)
        return InvoiceSearchResponse(invoices=[view])

    @r.post(
        "/payment-intents",
        response_model=PaymentIntent,
        status_code=201,
        tags=["payments"],
        responses=_problem_doc(400, 401, 404, 409, 422, 429, 503),
    )
    def create_intent(
        body: PaymentIntentRequest,
        request: Request,
        kiosk: Kiosk = Depends(current_kiosk),
        idempotency_key: str | None = IdemKey,
    ) -> Any:
        """Reserve invoices for one payment (`client_txn_id`) for `ttl_s` seconds, before the card moves."""
        st = state_of(request)
        now = st.now()
        if any(it.invoice_id is None for it in body.items):
            with st.sessions.begin() as s:
                invoices.check_rate_limit(s, kiosk.id, now)
        return idempotency.run_request(
            request,
            kiosk_id=kiosk.id,
            raw_key=idempotency_key,
            body=body,
            now=now,
            handler=lambda s: payments.create_intent(s, kiosk, body, now),
            on_problem=_count_failures(st, kiosk),
        )

    @r.post(
        "/payment-intent-releases",
        response_model=PaymentIntent,
        tags=["payments"],
        responses=_problem_doc(400, 401, 404, 422, 503),
    )
    def release_intent(
        body: IntentReleaseRequest,
        request: Request,
        kiosk: Kiosk = Depends(current_kiosk),
        idempotency_key: str | None = IdemKey,
    ) -> Any:
        """Release this kiosk's reservation for `client_txn_id`; releasing twice is fine."""
        st = state_of(request)
        now = st.now()
        return idempotency.run_request(
            request,
            kiosk_id=kiosk.id,
            raw_key=idempotency_key,
            body=body,
            now=now,
            handler=lambda s: (200, payments.release_intent(s, kiosk, body.client_txn_id, now)),
        )

    @r.post(
        "/payments",
        response_model=Payment,
        status_code=201,
        tags=["payments"],
        responses=_problem_doc(400, 401, 409, 422, 503),
    )
    def post_payment(
        body: PaymentRequest,
        request: Request,
        kiosk: Kiosk = Depends(current_kiosk),
        idempotency_key: str | None = IdemKey,
    ) -> Any:
        """Post an approved payment. Never refused for a business reason: conflicts become credit.

        The same `client_txn_id` always answers the same payment (200), whatever the key.
        """
        st = state_of(request)
        now = st.now()
        return idempotency.run_request(
            request,
            kiosk_id=kiosk.id,
            raw_key=idempotency_key,
            body=body,
            now=now,
            handler=lambda s: _post_once(st, s, kiosk, body, now),
        )

    @r.post(
        "/payment-lookups",
        response_model=PaymentLookupResponse,
        tags=["payments"],
        responses=_problem_doc(401, 422, 503),
    )
    def lookup_payment(
        body: PaymentLookupRequest, request: Request, kiosk: Kiosk = Depends(current_kiosk)
    ) -> PaymentLookupResponse:
        """Does the gateway have this kiosk's payment `client_txn_id`? (used by recovery)"""
        st = state_of(request)
        now = st.now()
        with st.sessions() as s:
            pay = payments.find_payment(s, kiosk.id, body.client_txn_id)
            intent = s.execute(
                select(payments.PaymentIntentRow).where(
                    payments.PaymentIntentRow.kiosk_id == kiosk.id,
                    payments.PaymentIntentRow.client_txn_id == body.client_txn_id,
                )
            ).scalar_one_or_none()
            return PaymentLookupResponse(
                client_txn_id=body.client_txn_id,
                found=pay is not None,
                payment=payments.payment_view(pay) if pay else None,
                intent=payments.intent_view(intent, now) if intent else None,
            )

    return r


def _post_once(st: GatewayState, s: Session, kiosk: Kiosk, body: PaymentRequest, now: datetime) -> tuple[int, Payment]:
    from sqlalchemy.exc import IntegrityError

    try:
        with s.begin_nested():
            return payments.post_payment(s, kiosk, body, now)
    except IntegrityError:
        # The same client_txn_id was posted concurrently under another key: answer that one.
        existing = payments.find_payment(s, kiosk.id, body.client_txn_id)
        if existing is None:
            raise
        return 200, payments.payment_view(existing)


def create_app(
    db_url: str,
    *,
    clock: Clock | None = None,
    run_migrations: bool = True,
    engine: Engine | None = None,
    extra_routers: Iterable[APIRouter] = (),
    receipt_keys: Path | None = None,
    demo_receipts: bool = False,
) -> FastAPI:
    """The gateway app on `db_url` (SQLite file or `postgresql+psycopg://`), migrated to head."""
    engine = engine or make_engine(db_url)
    if run_migrations:
        migrate(engine)
    app = FastAPI(
        title="KAC gateway",
        version=VERSION,
        description="Cēsis municipality's kiosk API: invoices, reservations, payments. "
        "Errors are RFC 9457 problem+json with a stable `code`.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.gateway = GatewayState(engine=engine, sessions=session_factory(engine), clock=clock or _SystemClock())
    # Idempotency records older than their retention go at every start (UNIQUE(kiosk,
    # client_txn_id) on payments keeps guarding against a double posting after that).
    idempotency.purge(app.state.gateway.sessions, app.state.gateway.now())
    install(app)
    app.include_router(build_router())
    # Applications are part of the municipality's API, not an optional extra.
    from gateway import applications

    app.include_router(applications.build_router())
    # The receipt QR's verification page, for the kiosks' published public keys (and the demo's).
    from common.signing import load_public_keys
    from gateway import verification

    keys = load_public_keys(receipt_keys) if receipt_keys else {}
    app.include_router(verification.build_router(keys, demo=demo_receipts))
    for router in extra_routers:
        app.include_router(router)
    return app
