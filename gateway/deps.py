"""The routes' dependencies, as `Annotated` types: the request's one database session, the calling
kiosk, the request's time, the applications' settings, the Idempotency-Key runner and the operator
a request is made for (`OperatorSession`, `OptionalOperatorSession`); and the application state
they read (`GatewayState`, `configure_applications`, `configure_operators`).

Each request gets one SQLAlchemy session (`DbSession`); whoever uses it opens and closes its own
transactions with `session.begin()`, so none is left open when the request ends. The kiosk's
authentication is one AUTOCOMMIT read before that (no transaction, no lock), and the idempotency
claim shares the route's transaction, so a state-changing POST is one transaction
(docs/architecture.md, "Operations").
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from common.schema import OPERATOR_SESSION_HEADER, POSTING_PROOF_HEADER, ErrorCode
from gateway import admin, idempotency, recheck
from gateway.db import read_connection
from gateway.models import Kiosk
from gateway.problems import ProblemError
from gateway.services import operator_sessions
from gateway.services.operator_sessions import OperatorContext
from gateway.services.operators import OperatorPolicy
from gateway.settings import ApplicationsSettings


@dataclass
class GatewayState:
    """What `create_app` keeps on `app.state.gateway`."""

    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock

    def now(self) -> datetime:
        return self.clock.now()


async def gateway_state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


Gateway = Annotated[GatewayState, Depends(gateway_state)]


async def get_db(gateway: Gateway) -> AsyncIterator[Session]:
    # Async, so making the session costs no thread-pool hop (it opens no connection yet); closing
    # one that still holds a connection goes to a worker thread (docs/architecture.md, "Operations").
    session = gateway.sessions()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


DbSession = Annotated[Session, Depends(get_db)]


async def request_time(gateway: Gateway) -> datetime:
    """The gateway clock's time, read once per request."""
    return gateway.now()


Now = Annotated[datetime, Depends(request_time)]

_bearer = HTTPBearer(auto_error=False, description="the kiosk's own token")


async def current_kiosk(
    request: Request, gateway: Gateway, db: DbSession,
    cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Kiosk:
    """The active kiosk the bearer token belongs to; 401 problem otherwise.

    One read outside any transaction (`gateway.db.read_connection`), on its own pooled
    connection: a transaction (or a connection) held here would wait for the route's worker thread
    while the threads wait for it — with every thread taken that deadlocks until a timeout. It
    costs the same one round trip as a read inside the route's transaction would
    (docs/architecture.md, "Operations"). A route with a body was authenticated already, before
    the body was read, by `gateway.request_guard`, which left the kiosk in the request's state; as
    the body may have taken a while, each transaction of the request checks the token again
    (`gateway.recheck`).
    """
    checked: Kiosk | None = getattr(request.state, "kiosk", None)
    if checked is not None:
        recheck.watch_kiosk(db, checked)
        return checked
    if cred is None or not cred.credentials:
        raise ProblemError(ErrorCode.UNAUTHENTICATED)
    with read_connection(gateway.engine) as conn, Session(bind=conn, expire_on_commit=False) as session:
        kiosk = admin.authenticate(session, cred.credentials)
        if kiosk is not None:
            session.expunge(kiosk)
    if kiosk is None:
        raise ProblemError(ErrorCode.UNAUTHENTICATED)
    return kiosk


CurrentKiosk = Annotated[Kiosk, Depends(current_kiosk)]


def configure_applications(app: FastAPI, forms_dir: Path | None = None, key_file: Path | None = None) -> None:
    """Set where forms and the answers key come from (default: shipped forms, $KAC_APPLICATIONS_KEY_FILE
    or <user data>/gateway-applications.key, created 0600)."""
    app.state.applications = ApplicationsSettings.load(forms_dir, key_file)


def applications_settings(request: Request) -> ApplicationsSettings:
    """The settings `configure_applications` set; else the defaults, loaded on first use."""
    settings: ApplicationsSettings | None = getattr(request.app.state, "applications", None)
    if settings is None:
        settings = request.app.state.applications = ApplicationsSettings.load()
    return settings


ApplicationsConfig = Annotated[ApplicationsSettings, Depends(applications_settings)]

# Required, so the OpenAPI document says so; a request without it is answered 400
# `idempotency-key-missing` (gateway.problems), as before.
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        description='Structured Field string, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324" (a bare token '
        "is accepted too)",
        # Printable ASCII, 1-255 characters, quoted (RFC 8941) or a bare token (gateway.idempotency.parse_key).
        pattern=r'^(?:"[ !#-~]{1,255}"|[!#-~]{1,255})$',
    ),
]


@dataclass
class IdempotentCall:
    """A state-changing POST under its Idempotency-Key (see `gateway.idempotency`)."""

    session: Session
    kiosk: Kiosk
    raw_key: str | None
    method: str
    path: str
    now: datetime

    def run(
        self,
        body: BaseModel,
        handler: idempotency.Handler,
        on_problem: Callable[[ProblemError], None] | None = None,
    ) -> JSONResponse:
        """`handler(session)` once for this key, in a transaction; the stored answer after that."""
        return idempotency.run(
            self.session, kiosk_id=self.kiosk.id, raw_key=self.raw_key, method=self.method,
            path=self.path, body=body, now=self.now, handler=handler, on_problem=on_problem,
        )


async def idempotent_call(
    request: Request, db: DbSession, kiosk: CurrentKiosk, now: Now, idempotency_key: IdempotencyKey
) -> IdempotentCall:
    """The request's session, kiosk, time, key, method and path, for `IdempotentCall.run`."""
    return IdempotentCall(db, kiosk, idempotency_key, request.method, request.url.path, now)


Idempotent = Annotated[IdempotentCall, Depends(idempotent_call)]


# --- operators (docs/architecture.md, "Operators") ------------------------------------------------


def configure_operators(app: FastAPI, policy: OperatorPolicy) -> None:
    """Set the sign-in, session and person-search limits (default: `OperatorPolicy()`)."""
    app.state.operator_policy = policy


def operator_policy(request: Request) -> OperatorPolicy:
    policy: OperatorPolicy | None = getattr(request.app.state, "operator_policy", None)
    return policy or OperatorPolicy()


OperatorLimits = Annotated[OperatorPolicy, Depends(operator_policy)]

OperatorSessionToken = Annotated[
    str | None,
    Header(alias=OPERATOR_SESSION_HEADER, description="the signed-in operator's session, beside the kiosk token"),
]

PostingProofToken = Annotated[
    str | None,
    Header(alias=POSTING_PROOF_HEADER, max_length=100,
           description="the posting proof of this payment's intent: cash after the operator's session ended"),
]


def optional_operator(
    db: DbSession, kiosk: CurrentKiosk, now: Now, token: OperatorSessionToken = None
) -> OperatorContext | None:
    """The operator whose session the request carries; None without the header; 401 when the
    session has ended, expired or is not this kiosk's; 403 when the operator is not of its location."""
    if not token:
        return None
    with db.begin():
        operator = operator_sessions.current(db, kiosk, token, now)
    recheck.watch_operator(db, operator.session_id, now)  # still open when the route writes
    return operator


OptionalOperatorSession = Annotated[OperatorContext | None, Depends(optional_operator)]


def required_operator(operator: OptionalOperatorSession) -> OperatorContext:
    """As `optional_operator`, and 403 `operator-session-required` without the header."""
    if operator is None:
        raise ProblemError(ErrorCode.OPERATOR_SESSION_REQUIRED)
    return operator


OperatorSession = Annotated[OperatorContext, Depends(required_operator)]
