"""The routes' dependencies, as `Annotated` types: the request's one database session, the calling
kiosk, the request's time, the applications' settings and the Idempotency-Key runner; and the
application state they read (`GatewayState`, `configure_applications`).

Each request gets one SQLAlchemy session (`DbSession`); whoever uses it opens and closes its own
transactions with `session.begin()`, so none is left open when the request ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from common.schema import ErrorCode
from gateway import admin, idempotency
from gateway.models import Kiosk
from gateway.problems import ProblemError
from gateway.settings import ApplicationsSettings


@dataclass
class GatewayState:
    """What `create_app` keeps on `app.state.gateway`."""

    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock

    def now(self) -> datetime:
        return self.clock.now()


def gateway_state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


Gateway = Annotated[GatewayState, Depends(gateway_state)]


def get_db(gateway: Gateway) -> Iterator[Session]:
    with gateway.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(get_db)]


def request_time(gateway: Gateway) -> datetime:
    """The gateway clock's time, read once per request."""
    return gateway.now()


Now = Annotated[datetime, Depends(request_time)]

_bearer = HTTPBearer(auto_error=False, description="the kiosk's own token")


def current_kiosk(
    db: DbSession, cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Kiosk:
    """The active kiosk the bearer token belongs to; 401 problem otherwise."""
    if cred is None or not cred.credentials:
        raise ProblemError(ErrorCode.UNAUTHENTICATED)
    with db.begin():
        kiosk = admin.authenticate(db, cred.credentials)
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

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description='Structured Field string, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324"; required',
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


def idempotent_call(
    request: Request, db: DbSession, kiosk: CurrentKiosk, now: Now, idempotency_key: IdempotencyKey = None
) -> IdempotentCall:
    """The request's session, kiosk, time, key, method and path, for `IdempotentCall.run`."""
    return IdempotentCall(db, kiosk, idempotency_key, request.method, request.url.path, now)


Idempotent = Annotated[IdempotentCall, Depends(idempotent_call)]
