"""invoice finds (an intent by id needs one) and failed checks per notice

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_finds",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_invoice_finds_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_finds_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("kiosk_id", "invoice_id", name=op.f("pk_invoice_finds")),
    )
    op.create_index(op.f("ix_invoice_finds_found_at"), "invoice_finds", ["found_at"], unique=False)
    with op.batch_alter_table("failed_checks") as batch:
        batch.add_column(sa.Column("notice_number", sa.String(length=20), nullable=True))
        batch.create_index("ix_failed_checks_notice_number_at", ["notice_number", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("failed_checks") as batch:
        batch.drop_index("ix_failed_checks_notice_number_at")
        batch.drop_column("notice_number")
    op.drop_index(op.f("ix_invoice_finds_found_at"), table_name="invoice_finds")
    op.drop_table("invoice_finds")
