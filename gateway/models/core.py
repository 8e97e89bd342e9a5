"""Invoices, payments, idempotency records, check limits and applications."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.models.base import Base, UtcDateTime


class Location(Base):
    __tablename__ = "locations"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Kiosk(Base):
    __tablename__ = "kiosks"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    location_code: Mapped[str] = mapped_column(ForeignKey("locations.code"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set by `kiosk gateway kiosk revoke` (docs/architecture.md, "Operations"); `active` goes false.
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Creditor(Base):
    __tablename__ = "creditors"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(70))
    reg_no: Mapped[str] = mapped_column(String(20))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str] = mapped_column(String(11), default="")


class Payer(Base):
    __tablename__ = "payers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A keyed hash of the payer's personal code or registration number (`ImportKeys.payer_ref`):
    # the import's identity of a payer and what an operator's person search matches, so the
    # database alone reveals no codes (docs/architecture.md, "Operators").
    payer_ref: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    deceased: Mapped[bool] = mapped_column(Boolean, default=False)


class Invoice(Base):
    __tablename__ = "invoices"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    notice_number: Mapped[str] = mapped_column(String(10), unique=True)
    check_value: Mapped[str] = mapped_column(String(4))
    service: Mapped[str] = mapped_column(String(20))
    creditor_id: Mapped[str] = mapped_column(ForeignKey("creditors.id"))
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    object_kind: Mapped[str] = mapped_column(String(10))
    object_ref: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)

    creditor: Mapped[Creditor] = relationship(lazy="joined")
    payer: Mapped[Payer] = relationship(lazy="joined")
    instalments: Mapped[list[Instalment]] = relationship(
        order_by="Instalment.seq", lazy="selectin", cascade="all, delete-orphan"
    )


class Instalment(Base):
    __tablename__ = "instalments"
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_date: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class PaymentIntentRow(Base):
    __tablename__ = "payment_intents"
    __table_args__ = (UniqueConstraint("kiosk_id", "client_txn_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    client_txn_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))  # active | released | consumed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    total_cents: Mapped[int] = mapped_column(BigInteger)

    items: Mapped[list[IntentItem]] = relationship(
        order_by="IntentItem.seq", lazy="selectin", cascade="all, delete-orphan"
    )


class IntentItem(Base):
    __tablename__ = "intent_items"
    __table_args__ = (Index("ix_intent_items_invoice_id", "invoice_id"),)
    intent_id: Mapped[str] = mapped_column(ForeignKey("payment_intents.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    invoice: Mapped[Invoice] = relationship(lazy="joined")


class PaymentRow(Base):
    __tablename__ = "payments"
    # Kept forever: an offline queue replayed under new Idempotency-Keys still cannot double-post.
    __table_args__ = (UniqueConstraint("kiosk_id", "client_txn_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    client_txn_id: Mapped[str] = mapped_column(String(64))
    intent_id: Mapped[str | None] = mapped_column(ForeignKey("payment_intents.id"), nullable=True)
    method: Mapped[str] = mapped_column(String(8))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    credit_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    flags: Mapped[str] = mapped_column(String(200), default="")
    terminal_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    terminal_txn_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    approval_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    card_last4: Mapped[str | None] = mapped_column(String(4), nullable=True)
    card_brand: Mapped[str | None] = mapped_column(String(32), nullable=True)
    acquirer_batch: Mapped[str | None] = mapped_column(String(64), nullable=True)
    service_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    receipt_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Indexed for the accounts' export (posted_at) and the daily reconciliation (approved_at).
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)

    allocations: Mapped[list[Allocation]] = relationship(
        order_by="Allocation.seq", lazy="selectin", cascade="all, delete-orphan"
    )


class Allocation(Base):
    __tablename__ = "allocations"
    __table_args__ = (Index("ix_allocations_invoice_id", "invoice_id"),)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    invoice: Mapped[Invoice] = relationship(lazy="joined")


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10))  # in-flight | done
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class FailedCheck(Base):
    """A wrong notice/check pair or a refused invoice id: counted per kiosk and per notice
    (docs/architecture.md, "API rules")."""

    __tablename__ = "failed_checks"
    __table_args__ = (
        Index("ix_failed_checks_kiosk_id_at", "kiosk_id", "at"),
        Index("ix_failed_checks_notice_number_at", "notice_number", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    notice_number: Mapped[str | None] = mapped_column(String(20), nullable=True)


class InvoiceFind(Base):
    """An invoice a kiosk found with its check value: only such an invoice may be reserved by id
    (docs/architecture.md, "API rules")."""

    __tablename__ = "invoice_finds"
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    found_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ApplicationRow(Base):
    """A municipal application received from a kiosk; its answers are encrypted (`answers_enc`)."""

    __tablename__ = "applications"
    # Kept forever like payments' client_txn_id: an outbox replayed under a new key cannot
    # register the same application twice.
    __table_args__ = (UniqueConstraint("kiosk_id", "client_application_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    registration_no: Mapped[str] = mapped_column(String(20), unique=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    location_code: Mapped[str] = mapped_column(ForeignKey("locations.code"))
    client_application_id: Mapped[str] = mapped_column(String(64))
    service_code: Mapped[str] = mapped_column(String(40), index=True)
    form_version: Mapped[int] = mapped_column(Integer)
    department: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # received | awaiting_identity
    identity_assurance: Mapped[str] = mapped_column(String(24))
    lang: Mapped[str] = mapped_column(String(2))
    answers_enc: Mapped[str] = mapped_column(Text)
    subject_hmac: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RegistrationCounter(Base):
    """The last registration number given in a year (`KAC-<year>-<6 digits>`)."""

    __tablename__ = "application_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


# --- the desk's counters, shifts and cash (docs/architecture.md, "Counters, shifts and statistics")
