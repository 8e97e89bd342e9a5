"""Provisioning: register kiosks (tokens are shown once and stored only as SHA-256) and seed demo data."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gateway import demo_data
from gateway.db import session_factory
from gateway.models import Kiosk, Location


class AdminError(Exception):
    pass


def new_token() -> str:
    return secrets.token_urlsafe(32)


def add_kiosk(session: Session, location: str, kiosk_id: str | None = None, token: str | None = None) -> tuple[str, str]:
    """Register a kiosk at `location`; returns (kiosk_id, token). The token is not stored."""
    if session.get(Location, location) is None:
        raise AdminError(f"unknown location {location!r}")
    kiosk_id = kiosk_id or f"{location}-{secrets.token_hex(3)}"
    if session.get(Kiosk, kiosk_id) is not None:
        raise AdminError(f"kiosk {kiosk_id!r} already exists")
    token = token or new_token()
    session.add(
        Kiosk(
            id=kiosk_id,
            location_code=location,
            token_sha256=hashlib.sha256(token.encode("utf-8")).hexdigest(),
            active=True,
            created_at=datetime.now(UTC),
        )
    )
    session.flush()
    return kiosk_id, token


def set_kiosk_token(session: Session, kiosk_id: str, token: str) -> None:
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise AdminError(f"unknown kiosk {kiosk_id!r}")
    kiosk.token_sha256 = hashlib.sha256(token.encode("utf-8")).hexdigest()


def seed_demo(engine: Engine) -> int:
    with session_factory(engine).begin() as s:
        return demo_data.seed(s)
