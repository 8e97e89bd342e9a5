"""The librarian's desk: operators and their sessions, person searches, reversals, service events,
shifts, cash handovers and the /admin/ page's coordinators."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.models.base import Base, UtcDateTime


class ServiceEvent(Base):
    """One tap on the desk's counters (a consultation, a call, a letter...); `undone_at` set when
    the operator took it back. Kept after an undo, so a replayed outbox cannot count it again."""

    __tablename__ = "service_events"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "client_event_id"),
        Index("ix_service_events_location_code_local_day", "location_code", "local_day"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    location_code: Mapped[str] = mapped_column(ForeignKey("locations.code"))
    client_event_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    category: Mapped[str] = mapped_column(String(32))  # "" for kinds without categories
    operator: Mapped[str] = mapped_column(String(120))  # "" when sent with the kiosk token alone
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    local_day: Mapped[date] = mapped_column(Date)  # the Riga calendar day statistics count it on
    note: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Shift(Base):
    """A librarian's cash shift at one kiosk: opened with a counted float, closed with the cash
    counted by denomination against what the gateway expects."""

    __tablename__ = "shifts"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "client_shift_id"),
        Index("ix_shifts_kiosk_id_status", "kiosk_id", "status"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    location_code: Mapped[str] = mapped_column(ForeignKey("locations.code"))
    client_shift_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8))  # open | closed
    opened_by: Mapped[str] = mapped_column(String(120))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    float_cents: Mapped[int] = mapped_column(BigInteger)
    closed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    expected_cash_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    counted_cash_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    denominations: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON [[cents, count]]
    difference_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class CashHandover(Base):
    """Cash given to the collector in a sealed bag."""

    __tablename__ = "cash_handovers"
    __table_args__ = (UniqueConstraint("kiosk_id", "client_handover_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    location_code: Mapped[str] = mapped_column(ForeignKey("locations.code"))
    client_handover_id: Mapped[str] = mapped_column(String(64))
    shift_id: Mapped[str | None] = mapped_column(ForeignKey("shifts.id"), nullable=True, index=True)
    handed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    bag_no: Mapped[str] = mapped_column(String(40))
    seal_no: Mapped[str] = mapped_column(String(40))
    receipt_from: Mapped[str] = mapped_column(String(64))
    receipt_to: Mapped[str] = mapped_column(String(64))
    collector_name: Mapped[str] = mapped_column(String(120))
    handed_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Coordinator(Base):
    """A municipality coordinator of the /admin/ page: an Argon2 password hash, locked after five
    wrong passwords in a row."""

    __tablename__ = "coordinators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CoordinatorSession(Base):
    """A signed-in browser: the cookie's token stored as SHA-256, with the session's CSRF token."""

    __tablename__ = "coordinator_sessions"
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("coordinators.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Operator(Base):
    """A librarian (or coordinator) who signs in at their location's kiosks with a PIN (Argon2id)."""

    __tablename__ = "operators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    location_code: Mapped[str] = mapped_column(ForeignKey("locations.code"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # librarian | coordinator
    pin_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # No longer written: wrong PINs are counted per kiosk in `operator_sign_in_failures`, so a
    # stranger at one kiosk cannot lock the operator out everywhere. Kept for existing databases.
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    pin_set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SignInFailure(Base):
    """One failed sign-in at a kiosk for a typed name (stored as SHA-256): counted per (kiosk, name)
    for the sign-in back-off, whether the name is an operator's or not (docs/architecture.md,
    "Operators")."""

    __tablename__ = "operator_sign_in_failures"
    __table_args__ = (
        Index("ix_operator_sign_in_failures_kiosk_id_name_sha256_at", "kiosk_id", "name_sha256", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    name_sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class OperatorSessionRow(Base):
    """An operator signed in at one kiosk: the token is stored as SHA-256 only."""

    __tablename__ = "operator_sessions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    operator: Mapped[Operator] = relationship(lazy="joined")


class PersonSearch(Base):
    """The audit of one lookup by person: who, where, when, why, which document; the code only as a
    keyed hash and masked (docs/architecture.md, "Operators")."""

    __tablename__ = "person_searches"
    __table_args__ = (Index("ix_person_searches_operator_id_at", "operator_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(200))
    id_document: Mapped[str] = mapped_column(String(20))
    code_hmac: Mapped[str] = mapped_column(String(64), index=True)
    code_masked: Mapped[str] = mapped_column(String(12))
    found: Mapped[bool] = mapped_column(Boolean)
    invoice_count: Mapped[int] = mapped_column(Integer)


class SessionInvoiceFind(Base):
    """An invoice a person search on this operator session returned: while the session is open,
    the kiosk may reserve or pay it by id (docs/architecture.md, "Operators")."""

    __tablename__ = "session_invoice_finds"
    session_id: Mapped[str] = mapped_column(ForeignKey("operator_sessions.id"), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    found_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PostingProof(Base):
    """The gateway's word that an intent was made on a valid operator session: with its token the
    cash of that payment (that amount) posts after the session ended, until `expires_at`. The token
    is stored as SHA-256 only."""

    __tablename__ = "posting_proofs"
    intent_id: Mapped[str] = mapped_column(ForeignKey("payment_intents.id"), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    session_id: Mapped[str] = mapped_column(ForeignKey("operator_sessions.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PaymentOperator(Base):
    """Who took a payment at the desk (cash always; card when an operator was signed in)."""

    __tablename__ = "payment_operators"
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("operator_sessions.id"))


class PaymentReversal(Base):
    """A same-day card payment the terminal reversed at an operator's request; its allocations
    were taken back from the invoices."""

    __tablename__ = "payment_reversals"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), unique=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    reason: Mapped[str] = mapped_column(String(200))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    terminal_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    terminal_txn_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    service_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reversed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OperatorEventRow(Base):
    """The desk's audit: sign-ins, wrong PINs, locks, sign-outs, identity confirmations, cash,
    reversals and what a kiosk reports (a take-over). No personal data in `detail`."""

    __tablename__ = "operator_events"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "client_event_id"),
        Index("ix_operator_events_operator_id_at", "operator_id", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(24))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), nullable=True)
    kiosk_id: Mapped[str | None] = mapped_column(ForeignKey("kiosks.id"), nullable=True)
    detail: Mapped[str] = mapped_column(String(200), default="")
    client_event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
