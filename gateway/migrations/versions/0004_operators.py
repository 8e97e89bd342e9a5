"""operators, their sessions, person-search audit, payment operators, reversals, desk events;
payers' personal codes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("payers") as batch:
        batch.add_column(sa.Column("personal_code", sa.String(length=11), nullable=True))
        batch.create_index("ix_payers_personal_code", ["personal_code"], unique=True)
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("location_code", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        _utc("locked_until", nullable=True),
        _utc("created_at"),
        _utc("pin_set_at"),
        sa.ForeignKeyConstraint(["location_code"], ["locations.code"],
                                name=op.f("fk_operators_location_code_locations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("name", name=op.f("uq_operators_name")),
    )
    op.create_index(op.f("ix_operators_location_code"), "operators", ["location_code"], unique=False)
    op.create_table(
        "operator_sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        _utc("created_at"),
        _utc("expires_at"),
        _utc("ended_at", nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"],
                                name=op.f("fk_operator_sessions_operator_id_operators")),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_operator_sessions_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_sessions")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_operator_sessions_token_sha256")),
    )
    op.create_index(op.f("ix_operator_sessions_operator_id"), "operator_sessions", ["operator_id"], unique=False)
    op.create_table(
        "person_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        _utc("at"),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("id_document", sa.String(length=20), nullable=False),
        sa.Column("code_hmac", sa.String(length=64), nullable=False),
        sa.Column("code_masked", sa.String(length=12), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("invoice_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"],
                                name=op.f("fk_person_searches_operator_id_operators")),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_person_searches_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_searches")),
    )
    op.create_index("ix_person_searches_operator_id_at", "person_searches", ["operator_id", "at"], unique=False)
    op.create_index(op.f("ix_person_searches_code_hmac"), "person_searches", ["code_hmac"], unique=False)
    op.create_table(
        "payment_operators",
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"],
                                name=op.f("fk_payment_operators_payment_id_payments")),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"],
                                name=op.f("fk_payment_operators_operator_id_operators")),
        sa.ForeignKeyConstraint(["session_id"], ["operator_sessions.id"],
                                name=op.f("fk_payment_operators_session_id_operator_sessions")),
        sa.PrimaryKeyConstraint("payment_id", name=op.f("pk_payment_operators")),
    )
    op.create_index(op.f("ix_payment_operators_operator_id"), "payment_operators", ["operator_id"], unique=False)
    op.create_table(
        "payment_reversals",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=True),
        sa.Column("terminal_txn_id", sa.String(length=128), nullable=True),
        sa.Column("service_id", sa.String(length=32), nullable=True),
        _utc("reversed_at"),
        _utc("recorded_at"),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"],
                                name=op.f("fk_payment_reversals_payment_id_payments")),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_payment_reversals_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"],
                                name=op.f("fk_payment_reversals_operator_id_operators")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reversals")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_payment_reversals_payment_id")),
    )
    op.create_table(
        "operator_events",
        sa.Column("id", sa.Integer(), nullable=False),
        _utc("at"),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("kiosk_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("client_event_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"],
                                name=op.f("fk_operator_events_operator_id_operators")),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_operator_events_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_events")),
        sa.UniqueConstraint("kiosk_id", "client_event_id", name=op.f("uq_operator_events_kiosk_id_client_event_id")),
    )
    op.create_index("ix_operator_events_operator_id_at", "operator_events", ["operator_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_operator_events_operator_id_at", table_name="operator_events")
    op.drop_table("operator_events")
    op.drop_table("payment_reversals")
    op.drop_index(op.f("ix_payment_operators_operator_id"), table_name="payment_operators")
    op.drop_table("payment_operators")
    op.drop_index(op.f("ix_person_searches_code_hmac"), table_name="person_searches")
    op.drop_index("ix_person_searches_operator_id_at", table_name="person_searches")
    op.drop_table("person_searches")
    op.drop_index(op.f("ix_operator_sessions_operator_id"), table_name="operator_sessions")
    op.drop_table("operator_sessions")
    op.drop_index(op.f("ix_operators_location_code"), table_name="operators")
    op.drop_table("operators")
    with op.batch_alter_table("payers") as batch:
        batch.drop_index("ix_payers_personal_code")
        batch.drop_column("personal_code")
