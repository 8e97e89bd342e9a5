"""The zero-config demo's wiring: the real gateway app in-process, over httpx.ASGITransport.

The only module that imports both the kiosk and the gateway (docs/architecture.md, "Layers").

With no gateway URL configured the kiosk still speaks HTTP (docs/architecture.md, "The embedded
demo"): same client, same problem+json, same idempotency, on a local SQLite file
`data_dir/gateway.sqlite3` migrated and demo-seeded on first run, with the demo kiosk registered
under a token kept in `data_dir/gateway-token` (mode 0600).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import httpx

from common.clock import Clock
from common.schema import InvoiceView
from kiosk.backend import Backend, GatewayLink, http_link
from kiosk.backend import open_backend as build_backend
from kiosk.config import KioskConfig
from kiosk.gateway_client import GatewayClient
from kiosk.payments import TerminalService

if TYPE_CHECKING:  # FastAPI, SQLAlchemy and Alembic load only when the gateway opens
    from fastapi import FastAPI

DB_NAME = "gateway.sqlite3"
TOKEN_NAME = "gateway-token"
BASE_URL = "http://embedded-gateway"

# The demo's librarian (docs/architecture.md, "Operators"): created in the demo database only, on
# its first open; shown where the demo starts. A production gateway has no such operator.
DEMO_OPERATOR_NAME = "Līga Ozoliņa"
DEMO_OPERATOR_PIN = "240517"


@dataclass
class EmbeddedGateway:
    app: FastAPI
    token: str
    kiosk_id: str
    db_path: Path

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)

    def client(self, **kwargs: Any) -> GatewayClient:
        """A GatewayClient speaking to the in-process app (kwargs as GatewayClient's)."""
        return GatewayClient(BASE_URL, self.token, transport=self.transport(), **kwargs)

    def close(self) -> None:
        self.app.state.gateway.engine.dispose()


def _read_or_make_token(path: Path) -> tuple[str, bool]:
    if path.exists():
        return path.read_text(encoding="ascii").strip(), False
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    return token, True


def open_embedded(data_dir: Path, *, clock: Any = None) -> EmbeddedGateway:
    """Open (creating on first run) the demo gateway in data_dir."""
    from sqlalchemy import select

    from gateway import admin, demo_data
    from gateway.app import create_app
    from gateway.db import session_factory
    from gateway.deps import configure_applications
    from gateway.models import Kiosk, Operator
    from gateway.services.imports import ImportKeys
    from gateway.services.operators import add_operator

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / DB_NAME
    app = create_app(f"sqlite:///{db_path}", clock=clock, demo_receipts=True)
    # The demo's answers key lives with its database, not in the user's home folder.
    configure_applications(app, key_file=data_dir / "gateway-applications.key")
    engine = app.state.gateway.engine
    token, _new = _read_or_make_token(data_dir / TOKEN_NAME)
    with session_factory(engine).begin() as s:
        demo_data.seed(s, ImportKeys.derive(app.state.applications.pepper).payer_ref)
        if s.get(Kiosk, demo_data.DEMO_KIOSK_ID) is None:
            admin.add_kiosk(s, demo_data.DEMO_LOCATION, demo_data.DEMO_KIOSK_ID, token)
        else:
            # The token file is the source of truth (e.g. it was deleted and made anew).
            admin.set_kiosk_token(s, demo_data.DEMO_KIOSK_ID, token)
        if s.execute(select(Operator.id).where(Operator.name == DEMO_OPERATOR_NAME)).first() is None:
            add_operator(s, DEMO_OPERATOR_NAME, demo_data.DEMO_LOCATION, app.state.gateway.now(),
                         pin=DEMO_OPERATOR_PIN)
    return EmbeddedGateway(app=app, token=token, kiosk_id=demo_data.DEMO_KIOSK_ID, db_path=db_path)


class DeferredEmbedded:
    """The embedded gateway, opened on its first request or by `warm()`, in a worker thread.

    Opening it (FastAPI, SQLAlchemy, Alembic, migrations, demo seed) takes about a second; the
    kiosk shows its home screen meanwhile instead of waiting for it.
    """

    def __init__(self, data_dir: Path, *, clock: Any = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self.token, _new = _read_or_make_token(self.data_dir / TOKEN_NAME)
        self.kiosk_id = "demo-zoseni-1"
        self.db_path = self.data_dir / DB_NAME
        self._gateway: EmbeddedGateway | None = None
        self._lock = threading.Lock()

    def open(self) -> EmbeddedGateway:
        with self._lock:
            if self._gateway is None:
                self._gateway = open_embedded(self.data_dir, clock=self.clock)
            return self._gateway

    async def warm(self) -> None:
        if self._gateway is None:
            await asyncio.to_thread(self.open)

    @property
    def app(self) -> FastAPI:
        return self.open().app

    def transport(self) -> httpx.AsyncBaseTransport:
        return _DeferredTransport(self)

    def client(self, **kwargs: Any) -> GatewayClient:
        return GatewayClient(BASE_URL, self.token, transport=self.transport(), **kwargs)

    def close(self) -> None:
        if self._gateway is not None:
            self._gateway.close()


class _DeferredTransport(httpx.AsyncBaseTransport):
    def __init__(self, owner: DeferredEmbedded) -> None:
        self.owner = owner
        self._inner: httpx.ASGITransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            # Opening is idempotent and cheap once done; the first time it takes about a second.
            gateway = await asyncio.to_thread(self.owner.open)
            self._inner = httpx.ASGITransport(app=gateway.app)
        return await self._inner.handle_async_request(request)


def embedded_link(data_dir: Path, *, clock: Any = None) -> GatewayLink:
    """The demo gateway as the kiosk's backend sees it: a URL, a token and an in-process transport."""
    deferred = DeferredEmbedded(data_dir, clock=clock)
    return GatewayLink(base_url=BASE_URL, token=deferred.token, transport=deferred.transport,
                       warm=deferred.warm, close=deferred.close, handle=deferred)


def open_backend(cfg: KioskConfig, *, clock: Clock | None = None,
                 terminal_service: TerminalService | None = None) -> Backend:
    """The kiosk's services on the gateway the config names, or on the embedded demo gateway."""
    link = embedded_link(cfg.data_dir()) if cfg.embedded_gateway else http_link(cfg)
    return build_backend(cfg, link=link, clock=clock, terminal_service=terminal_service)


# -- sample invoices for the gallery (no network, no event loop) ----------------------------------

GALLERY_TODAY = date(2026, 4, 20)  # between NĪN instalments: "due now" differs from the balance


def demo_view(notice: str, today: date = GALLERY_TODAY) -> InvoiceView:
    """The invoice as the demo gateway would show it, built from the demo data directly."""
    from gateway.demo_data import CREDITORS, demo_invoice
    from gateway.services.invoices import due_now, instalment_views, mask_name

    d = demo_invoice(notice)
    insts = [SimpleNamespace(seq=i + 1, due_date=dd, amount_cents=a)
             for i, (dd, a) in enumerate(zip(d.due_dates, d.instalments, strict=True))]
    inv = SimpleNamespace(total_cents=d.total_cents, paid_cents=d.paid_cents, instalments=insts,
                          period_end=d.period_end)
    now_cents, due = due_now(inv, today)  # type: ignore[arg-type]
    cid, cname, reg, iban, _bic = next(c for c in CREDITORS if c[0] == d.creditor_id)
    balance = d.total_cents - d.paid_cents
    return InvoiceView(
        invoice_id=d.invoice_id, notice_number=d.notice_number, service=d.service,  # type: ignore[arg-type]
        creditor={"id": cid, "name": cname, "reg_no": reg, "iban": iban},  # type: ignore[arg-type]
        period_start=d.period_start, period_end=d.period_end, due_date=due,
        total_cents=d.total_cents, paid_cents=d.paid_cents, balance_cents=balance,
        due_now_cents=now_cents,
        status="paid" if balance == 0 else ("partly-paid" if d.paid_cents else "unpaid"),
        payer_masked=mask_name(d.payer_name), object_kind=d.object_kind,  # type: ignore[arg-type]
        object_ref=d.object_ref, instalments=instalment_views(inv),  # type: ignore[arg-type]
    )
