"""Operations: kiosk heartbeats, registered kiosk receipt keys, terminal reconciliations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, UtcDateTime


class KioskStatusRow(Base):
    """A kiosk's latest heartbeat (docs/architecture.md, "Running unattended"): one row per kiosk,
    replaced by each report; no personal data."""

    __tablename__ = "kiosk_status"
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[str] = mapped_column(String(40))
    uptime_s: Mapped[int] = mapped_column(BigInteger)
    printer_state: Mapped[str] = mapped_column(String(20))
    terminal_reachable: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    outbox_len: Mapped[int] = mapped_column(Integer)
    review_len: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(200), default="")


# --- operations: kiosk keys and terminal reconciliations (docs/architecture.md, "Operations") ---


class KioskKey(Base):
    """A kiosk's Ed25519 receipt public key, registered by `kiosk gateway kiosk register-key`; the
    `/r/` page trusts a kid only for the kiosk it was registered to."""

    __tablename__ = "kiosk_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), index=True)
    public_key_pem: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TerminalReconciliation(Base):
    """The card terminal's Reconciliation totals a kiosk reported at day end (card payments only)."""

    __tablename__ = "terminal_reconciliations"
    __table_args__ = (UniqueConstraint("kiosk_id", "terminal_id", "reconciliation_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    terminal_id: Mapped[str] = mapped_column(String(64))
    reconciliation_id: Mapped[str] = mapped_column(String(64))
    business_date: Mapped[date] = mapped_column(Date, index=True)  # the Riga day it closes
    reconciled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    card_count: Mapped[int] = mapped_column(Integer)
    card_cents: Mapped[int] = mapped_column(BigInteger)
    totals_json: Mapped[str] = mapped_column(Text)  # per brand, as the terminal reported them
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- the librarian's desk: operators, sessions, person searches, reversals (docs/architecture.md,
# "Operators") ---------------------------------------------------------------------------------
