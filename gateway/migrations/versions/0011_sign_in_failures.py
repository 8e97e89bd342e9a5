"""sign-in failures counted per (kiosk, typed name) for the operators' back-off

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operator_sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("name_sha256", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"],
                                name=op.f("fk_operator_sign_in_failures_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_sign_in_failures")),
    )
    op.create_index("ix_operator_sign_in_failures_kiosk_id_name_sha256_at", "operator_sign_in_failures",
                    ["kiosk_id", "name_sha256", "at"], unique=False)
    op.create_index(op.f("ix_operator_sign_in_failures_at"), "operator_sign_in_failures", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_operator_sign_in_failures_at"), table_name="operator_sign_in_failures")
    op.drop_index("ix_operator_sign_in_failures_kiosk_id_name_sha256_at", table_name="operator_sign_in_failures")
    op.drop_table("operator_sign_in_failures")
