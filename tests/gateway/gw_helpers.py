"""Test helpers: a real uvicorn server on loopback, a movable clock, fresh kiosks and invoices."""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from gateway import admin
from gateway.app import create_app
from gateway.db import session_factory
from gateway.deps import configure_applications
from gateway.models import Instalment, Invoice, Payer
from gateway.settings import GatewaySettings


class MovableClock:
    """Real time plus an offset the test can push forward (the server runs in this process)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.offset += timedelta(seconds=seconds)


class ServerThread:
    """uvicorn serving `app` on 127.0.0.1 on a port the OS picked."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Gateway:
    backend: str
    db_url: str
    app: FastAPI
    clock: MovableClock
    server: ServerThread
    _payer_id: int = 0
    _counter: list[int] = field(default_factory=lambda: [0])

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def engine(self) -> Any:
        return self.app.state.gateway.engine

    def add_kiosk(self, location: str = "zoseni") -> tuple[str, str]:
        with session_factory(self.engine).begin() as s:
            return admin.add_kiosk(s, location, f"t-{secrets.token_hex(4)}")

    def http(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url + "/api/v1", headers=headers, timeout=30)

    def make_invoice(
        self,
        total: int = 10_000,
        paid: int = 0,
        instalments: int = 1,
        notice: str | None = None,
        check: str | None = None,
        found_by: tuple[str, ...] = (),
    ) -> tuple[str, str, str]:
        """A fresh invoice only this test touches: (invoice_id, notice_number, check_value).

        `found_by`: kiosk tokens that then search it with its check value, as a kiosk must before
        it may reserve the invoice by id."""
        notice = notice or f"7{secrets.randbelow(10**9):09d}"
        check = check or f"{secrets.randbelow(10**4):04d}"
        inv_id = f"inv-{notice}"
        with session_factory(self.engine).begin() as s:
            if not self._payer_id:
                payer = Payer(payer_ref=f"T{secrets.token_hex(6)}", name="Kārlis Ūdris", deceased=False)
                s.add(payer)
                s.flush()
                self._payer_id = payer.id
            base = total // instalments
            amounts = [base] * (instalments - 1) + [total - base * (instalments - 1)]
            s.add(
                Invoice(
                    id=inv_id,
                    notice_number=notice,
                    check_value=check,
                    service="water",
                    creditor_id="vinda",
                    payer_id=self._payer_id,
                    period_start=date(2026, 10, 1),
                    period_end=date(2026, 10, 31),
                    total_cents=total,
                    paid_cents=paid,
                    object_kind="object",
                    object_ref="Līgums Ū-12345",
                    issued_at=datetime(2026, 11, 1, tzinfo=UTC),
                    instalments=[
                        Instalment(seq=i + 1, due_date=date(2027, 1, 20) + timedelta(days=30 * i), amount_cents=a)
                        for i, a in enumerate(amounts)
                    ],
                )
            )
        for token in found_by:
            self.find(token, notice, check)
        return inv_id, notice, check

    def find(self, token: str, notice: str, check: str) -> None:
        with self.http(token) as c:
            r = c.post("/invoice-searches", json={"notice_number": notice, "check_value": check})
        assert r.status_code == 200, r.text


def start_gateway(backend: str, db_url: str, key_file: Path | None = None) -> Gateway:
    """`key_file`: the gateway's key (else the default); the demo payers are kept under their
    codes' keyed hashes made with it."""
    clock = MovableClock()
    # The tests read /openapi.json, which a production gateway does not serve.
    app = create_app(db_url, clock=clock, settings=GatewaySettings(public_docs=True))
    if key_file is not None:
        configure_applications(app, key_file=key_file)
    admin.seed_demo(app.state.gateway.engine, key_file=key_file)
    server = ServerThread(app).start()
    return Gateway(backend=backend, db_url=db_url, app=app, clock=clock, server=server)


# --- PostgreSQL -----------------------------------------------------------------------------


def pg_admin_url() -> URL | None:
    """KIOSK_TEST_PG_URL, else libpq's PG* variables (as pg_virtualenv sets them), else None."""
    raw = os.environ.get("KIOSK_TEST_PG_URL")
    if raw:
        return make_url(raw)
    if not (os.environ.get("PGHOST") or os.environ.get("PGPORT") or os.environ.get("PGDATABASE")):
        return None
    host = os.environ.get("PGHOST", "localhost")
    query = {}
    if host.startswith("/"):
        query, host = {"host": host}, None  # type: ignore[assignment]
    return URL.create(
        "postgresql+psycopg",
        username=os.environ.get("PGUSER") or None,
        password=os.environ.get("PGPASSWORD") or None,
        host=host,
        port=int(os.environ["PGPORT"]) if os.environ.get("PGPORT") else None,
        database=os.environ.get("PGDATABASE", "postgres"),
        query=query,
    )


def create_pg_database(admin_url: URL) -> tuple[str, Any]:
    """A fresh database; returns (its URL, a function that drops it)."""
    name = f"kac_gw_test_{secrets.token_hex(4)}"
    admin_engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()

    return url, drop
