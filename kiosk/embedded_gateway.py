"""The embedded demo gateway: the real gateway app in-process, over httpx.ASGITransport.

With no gateway URL configured the kiosk still speaks HTTP (DESIGN §4): same client, same problem+json,
same idempotency, on a local SQLite file `data_dir/gateway.sqlite3` migrated and demo-seeded on first
run, with the demo kiosk registered under a token kept in `data_dir/gateway-token` (mode 0600).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from kiosk.gateway_client import GatewayClient

DB_NAME = "gateway.sqlite3"
TOKEN_NAME = "gateway-token"
BASE_URL = "http://embedded-gateway"


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
    from gateway import admin, demo_data
    from gateway.app import create_app
    from gateway.db import session_factory
    from gateway.models import Kiosk

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / DB_NAME
    app = create_app(f"sqlite:///{db_path}", clock=clock)
    engine = app.state.gateway.engine
    token, _new = _read_or_make_token(data_dir / TOKEN_NAME)
    with session_factory(engine).begin() as s:
        demo_data.seed(s)
        if s.get(Kiosk, demo_data.DEMO_KIOSK_ID) is None:
            admin.add_kiosk(s, demo_data.DEMO_LOCATION, demo_data.DEMO_KIOSK_ID, token)
        else:
            # The token file is the source of truth (e.g. it was deleted and made anew).
            admin.set_kiosk_token(s, demo_data.DEMO_KIOSK_ID, token)
    return EmbeddedGateway(app=app, token=token, kiosk_id=demo_data.DEMO_KIOSK_ID, db_path=db_path)
