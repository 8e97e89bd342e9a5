"""operations: registered kiosk receipt keys, terminal reconciliation reports, revoked kiosks,
payment time indexes for the accounts' export and the daily reconciliation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "kiosk_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_kiosk_keys_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_kiosk_keys")),
    )
    op.create_index(op.f("ix_kiosk_keys_kiosk_id"), "kiosk_keys", ["kiosk_id"], unique=False)
    op.create_table(
        "terminal_reconciliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("reconciliation_id", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("reconciled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("card_count", sa.Integer(), nullable=False),
        sa.Column("card_cents", sa.BigInteger(), nullable=False),
        sa.Column("totals_json", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"],
                                name=op.f("fk_terminal_reconciliations_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terminal_reconciliations")),
        sa.UniqueConstraint("kiosk_id", "terminal_id", "reconciliation_id",
                            name=op.f("uq_terminal_reconciliations_kiosk_id_terminal_id_reconciliation_id")),
    )
    op.create_index(op.f("ix_terminal_reconciliations_business_date"), "terminal_reconciliations",
                    ["business_date"], unique=False)
    op.create_index(op.f("ix_payments_posted_at"), "payments", ["posted_at"], unique=False)
    op.create_index(op.f("ix_payments_approved_at"), "payments", ["approved_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_payments_approved_at"), table_name="payments")
    op.drop_index(op.f("ix_payments_posted_at"), table_name="payments")
    op.drop_index(op.f("ix_terminal_reconciliations_business_date"), table_name="terminal_reconciliations")
    op.drop_table("terminal_reconciliations")
    op.drop_index(op.f("ix_kiosk_keys_kiosk_id"), table_name="kiosk_keys")
    op.drop_table("kiosk_keys")
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("revoked_at")
