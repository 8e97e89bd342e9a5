"""The gateway's FastAPI application: `create_app(db_url)` builds it and mounts the routers.

Endpoints are sync functions (FastAPI runs them in its thread pool) over a sync SQLAlchemy engine,
the same code on SQLite and PostgreSQL. Identifiers travel in bodies only, never in URLs
(docs/architecture.md, "API rules").
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import TimeoutError as PoolTimeout

from common.clock import Clock, SystemClock
from common.schema import ErrorCode
from common.signing import demo_keys_dir, load_public_keys
from gateway import idempotency, openapi, recheck, request_guard
from gateway.db import make_engine, migrate, schema_is_current, session_factory
from gateway.deps import GatewayState, configure_operators
from gateway.problems import ProblemError, install, problem_response
from gateway.routes import (
    application_confirmations,
    applications,
    cash_handovers,
    health,
    invoice_searches,
    kiosk_status,
    operator_sessions,
    payment_intents,
    payment_lookups,
    payment_reversals,
    payments,
    person_searches,
    receipts,
    service_events,
    services,
    shifts,
    statistics,
    terminal_reconciliations,
)
from gateway.services.kiosks import RegisteredKeys
from gateway.services.operators import OperatorPolicy
from gateway.serving import ServeSettings
from gateway.settings import VERSION, GatewaySettings

# The API's routers, in the order the OpenAPI document lists them.
API_ROUTERS = (
    health.router,
    invoice_searches.router,
    payment_intents.router,
    payments.router,
    payment_lookups.router,
    # Applications are part of the municipality's API, not an optional extra.
    services.router,
    applications.router,
    application_confirmations.router,
    # Heartbeats: the municipality sees which kiosk needs a person (docs/architecture.md,
    # "Running unattended").
    kiosk_status.router,
    # The librarian's desk: operators, lookup by person, reversals (docs/architecture.md, "Operators").
    operator_sessions.router,
    person_searches.router,
    payment_reversals.router,
    # Day-end card terminal totals for `kiosk gateway reconcile` (docs/architecture.md, "Operations").
    terminal_reconciliations.router,
    # The desk's counters, shifts and cash, and the statistics made of them (docs/architecture.md,
    # "Counters, shifts and statistics").
    service_events.router,
    shifts.router,
    cash_handovers.router,
    statistics.router,
)


def create_app(
    db_url: str | None = None,
    *,
    clock: Clock | None = None,
    run_migrations: bool | None = None,
    engine: Engine | None = None,
    receipt_keys: Path | None = None,
    demo_receipts: bool | None = None,
    operator_policy: OperatorPolicy | None = None,
    settings: GatewaySettings | None = None,
    server_keys: Path | None = None,
) -> FastAPI:
    """The gateway app on `db_url` (SQLite file or `postgresql+psycopg://`), migrated to head.

    `receipt_keys`: folder of the kiosks' public receipt keys for the `/r/` page; `demo_receipts`:
    trust the public demo key there too; `operator_policy`: sign-in, session and person-search
    limits (docs/architecture.md, "Operators").

    Keys registered with `kiosk gateway kiosk register-key` are trusted on `/r/` too. What is not
    given comes from the environment (`gateway.serving`), so `uvicorn --factory
    gateway.app:create_app` works; with `run_migrations` false (KAC_GATEWAY_MIGRATE=0) the schema
    must already be current and the start-up purge is skipped (docs/architecture.md, "Operations").

    `settings`: the body limit, public `/docs` (off unless asked for) and the gateway's own receipt
    keys (`server_keys` overrides them): `GatewaySettings.from_env()` when not given
    (docs/architecture.md, "API rules").
    """
    guard = settings or GatewaySettings.from_env()
    server_keys = server_keys or guard.server_keys
    env = ServeSettings.from_env()
    db_url = db_url or env.db_url
    run_migrations = env.migrate if run_migrations is None else run_migrations
    demo_receipts = env.demo_receipts if demo_receipts is None else demo_receipts
    receipt_keys = receipt_keys or env.receipt_keys
    engine = engine or make_engine(db_url, workers=env.workers)
    if run_migrations:
        migrate(engine)
    elif not schema_is_current(engine):
        raise RuntimeError("the database schema is not current: run `kiosk gateway migrate` first")
    app = FastAPI(
        title="KAC gateway",
        version=VERSION,
        description="Cēsis municipality's kiosk API: invoices, reservations, payments. "
        "Errors are RFC 9457 problem+json with a stable `code`.",
        # The API's documentation is for developers and tests, not for the internet.
        openapi_url="/openapi.json" if guard.public_docs else None,
        docs_url="/docs" if guard.public_docs else None,
        redoc_url=None,
    )
    state = GatewayState(engine=engine, sessions=session_factory(engine), clock=clock or SystemClock())
    app.state.gateway = state
    # A token revoked, or an operator session ended, while a body was arriving writes nothing.
    recheck.install(state.sessions)
    # Idempotency records older than their retention go at every start (UNIQUE(kiosk,
    # client_txn_id) on payments keeps guarding against a double posting after that); with
    # several workers the one `kiosk gateway` process does it, not each worker.
    if run_migrations:
        idempotency.purge(state.sessions, state.now())
    install(app)
    # Head and body limits, the body's timeout, the token before the body, strict JSON, nosniff
    # (docs/architecture.md, "API rules").
    request_guard.install(app, guard.max_body_bytes, guard.body_timeout_s)
    # Every pooled connection busy for pool_timeout is "try again", not a server error.
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    configure_operators(app, operator_policy or OperatorPolicy())
    for router in API_ROUTERS:
        app.include_router(router)
    # The receipt QR's verification page, for the kiosks' published public keys (and the demo's).
    static = load_public_keys(receipt_keys) if receipt_keys else {}
    if demo_receipts:
        static.update(load_public_keys(demo_keys_dir()))
    app.include_router(receipts.build_router(
        RegisteredKeys(state.sessions, static), demo=demo_receipts,
        server_keys=load_public_keys(server_keys) if server_keys else None))
    # The municipality's statistics page for coordinators (docs/architecture.md, "The
    # municipality's statistics page"); imported here so the API alone never loads Jinja2.
    from gateway.routes import admin as admin_page

    app.include_router(admin_page.router)
    # The document names every shared answer (401, 400, 413, 415, 422, 503) as problem+json.
    openapi.install(app)
    return app


async def _pool_timeout(_req: Request, _exc: Exception) -> JSONResponse:
    return problem_response(ProblemError(ErrorCode.BACKEND_UNAVAILABLE, headers={"Retry-After": "1"}))
