"""The gateway's FastAPI application: `create_app(db_url)` builds it and mounts the routers.

Endpoints are sync functions (FastAPI runs them in its thread pool) over a sync SQLAlchemy engine,
the same code on SQLite and PostgreSQL. Identifiers travel in bodies only, never in URLs
(docs/architecture.md, "API rules").
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from common.clock import Clock, SystemClock
from common.signing import load_public_keys
from gateway import idempotency
from gateway.db import make_engine, migrate, session_factory
from gateway.deps import GatewayState
from gateway.problems import install
from gateway.routes import (
    application_confirmations,
    applications,
    health,
    invoice_searches,
    payment_intents,
    payment_lookups,
    payments,
    receipts,
    services,
)
from gateway.settings import VERSION

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
)


def create_app(
    db_url: str,
    *,
    clock: Clock | None = None,
    run_migrations: bool = True,
    engine: Engine | None = None,
    receipt_keys: Path | None = None,
    demo_receipts: bool = False,
) -> FastAPI:
    """The gateway app on `db_url` (SQLite file or `postgresql+psycopg://`), migrated to head.

    `receipt_keys`: folder of the kiosks' public receipt keys for the `/r/` page; `demo_receipts`:
    trust the public demo key there too.
    """
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
    state = GatewayState(engine=engine, sessions=session_factory(engine), clock=clock or SystemClock())
    app.state.gateway = state
    # Idempotency records older than their retention go at every start (UNIQUE(kiosk,
    # client_txn_id) on payments keeps guarding against a double posting after that).
    idempotency.purge(state.sessions, state.now())
    install(app)
    for router in API_ROUTERS:
        app.include_router(router)
    # The receipt QR's verification page, for the kiosks' published public keys (and the demo's).
    keys = load_public_keys(receipt_keys) if receipt_keys else {}
    app.include_router(receipts.build_router(keys, demo=demo_receipts))
    return app
