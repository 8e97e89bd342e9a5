"""Kiosks and their tokens: provisioning (a token is shown once and stored only as SHA-256), the
lookup that authenticates a request, and seeding the demo data."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from gateway import demo_data
from gateway.db import session_factory
from gateway.models import Kiosk, Location


class AdminError(Exception):
    pass


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(session: Session, token: str) -> Kiosk | None:
    """The active kiosk whose token this is, or None."""
    return session.execute(
        select(Kiosk).where(Kiosk.token_sha256 == hash_token(token), Kiosk.active.is_(True))
    ).scalar_one_or_none()


def add_kiosk(
    session: Session, location: str, kiosk_id: str | None = None, token: str | None = None
) -> tuple[str, str]:
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
            token_sha256=hash_token(token),
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
    kiosk.token_sha256 = hash_token(token)


def seed_demo(engine: Engine, key_file: Path | None = None) -> int:
    """Insert the demo locations, creditors, payers and invoices not there yet; returns how many
    invoices were added. Payers are kept under the keyed hash of their code made with the gateway's
    key (`key_file`, else the default, as for applications and the import)."""
    from gateway.services.imports import ImportKeys
    from gateway.settings import ApplicationsSettings

    keys = ImportKeys.derive(ApplicationsSettings.load(key_file=key_file).pepper)
    with session_factory(engine).begin() as s:
        return demo_data.seed(s, keys.payer_ref)
