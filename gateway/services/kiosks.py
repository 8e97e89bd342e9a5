"""Kiosks as the municipality's IT manages them: list, revoke, rotate a token, register the
kiosk's receipt key (`kiosk gateway kiosk ...`; docs/architecture.md, "Operations").

A revoked kiosk's token stops working on its next request (authentication reads the database on
every request, no worker caches it). A rotated token is shown once and only its SHA-256 is kept.
A registered receipt key is trusted by the `/r/` page for receipts of that kiosk alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.admin import AdminError, hash_token, new_token
from gateway.models import Kiosk, KioskKey

KID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


@dataclass(frozen=True)
class KioskInfo:
    id: str
    location: str
    active: bool
    created_at: datetime
    revoked_at: datetime | None
    kids: tuple[str, ...]


def list_kiosks(session: Session) -> list[KioskInfo]:
    kids: dict[str, list[str]] = {}
    for kid, kiosk_id in session.execute(select(KioskKey.kid, KioskKey.kiosk_id).order_by(KioskKey.kid)):
        kids.setdefault(kiosk_id, []).append(kid)
    return [
        KioskInfo(k.id, k.location_code, k.active, k.created_at, k.revoked_at, tuple(kids.get(k.id, ())))
        for k in session.execute(select(Kiosk).order_by(Kiosk.id)).scalars()
    ]


def _kiosk(session: Session, kiosk_id: str) -> Kiosk:
    kiosk = session.get(Kiosk, kiosk_id, with_for_update=True)
    if kiosk is None:
        raise AdminError(f"unknown kiosk {kiosk_id!r}")
    return kiosk


def revoke(session: Session, kiosk_id: str, now: datetime) -> bool:
    """Turn the kiosk's token off for good; False when it was revoked already."""
    kiosk = _kiosk(session, kiosk_id)
    if not kiosk.active and kiosk.revoked_at is not None:
        return False
    kiosk.active = False
    kiosk.revoked_at = now
    return True


def rotate_token(session: Session, kiosk_id: str) -> str:
    """A new token for the kiosk (the old one stops working); returned once, stored hashed.

    A revoked kiosk stays revoked: re-provision it with `add-kiosk` under a new id instead.
    """
    kiosk = _kiosk(session, kiosk_id)
    if kiosk.revoked_at is not None:
        raise AdminError(f"kiosk {kiosk_id!r} is revoked")
    token = new_token()
    kiosk.token_sha256 = hash_token(token)
    return token


def kid_from_filename(name: str) -> str:
    for suffix in (".pub.pem", ".key.pem", ".pem"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def register_key(session: Session, kiosk_id: str, pem: bytes, kid: str, now: datetime) -> bool:
    """Trust `pem` (an Ed25519 public key) as `kid` for this kiosk's receipts; False if it already was.

    A kid belongs to one kiosk for ever: another kiosk's kid, or the same kid with another key, is
    refused (receipts signed earlier must keep verifying against the key they were signed with).
    """
    _kiosk(session, kiosk_id)
    if not kid or len(kid) > 64 or not set(kid) <= KID_CHARS or kid.startswith("demo-"):
        raise AdminError(f"key id {kid[:70]!r}: letters, digits . _ - only, at most 64, not demo-")
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise AdminError("not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AdminError("not an Ed25519 public key")
    text = key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    row = session.get(KioskKey, kid)
    if row is not None:
        if row.kiosk_id != kiosk_id:
            raise AdminError(f"key id {kid!r} is registered to another kiosk")
        if row.public_key_pem != text:
            raise AdminError(f"key id {kid!r} is registered with another key")
        return False
    session.add(KioskKey(kid=kid, kiosk_id=kiosk_id, public_key_pem=text, registered_at=now))
    return True


class RegisteredKeys(Mapping[str, Ed25519PublicKey]):
    """kid -> public key: the static keys given at start, then those registered in the database
    (read when asked, so a key registered after the gateway started verifies at once)."""

    def __init__(self, sessions: sessionmaker[Session], static: Mapping[str, Ed25519PublicKey]) -> None:
        self._sessions = sessions
        self._static = dict(static)

    def _row(self, kid: str) -> tuple[str, str] | None:
        with self._sessions() as s:
            row = s.execute(select(KioskKey.kiosk_id, KioskKey.public_key_pem).where(KioskKey.kid == kid)).first()
        return (row[0], row[1]) if row else None

    def owner(self, kid: str) -> str | None:
        """The kiosk a registered kid belongs to (None for static or unknown keys)."""
        row = self._row(kid)
        return row[0] if row else None

    def __getitem__(self, kid: str) -> Ed25519PublicKey:
        if kid in self._static:
            return self._static[kid]
        row = self._row(kid) if kid and len(kid) <= 64 else None
        if row is None:
            raise KeyError(kid)
        key = serialization.load_pem_public_key(row[1].encode("ascii"))
        assert isinstance(key, Ed25519PublicKey)  # register_key stores Ed25519 keys only
        return key

    def _all(self) -> dict[str, str]:
        with self._sessions() as s:
            return {kid: pem for kid, pem in s.execute(select(KioskKey.kid, KioskKey.public_key_pem))}

    def __iter__(self) -> Iterator[str]:
        yield from dict.fromkeys([*self._static, *sorted(self._all())])

    def __len__(self) -> int:
        return len(set(self._static) | set(self._all()))
