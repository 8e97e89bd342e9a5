"""applications and registration counters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "application_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_application_counters")),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("registration_no", sa.String(length=20), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("location_code", sa.String(length=32), nullable=False),
        sa.Column("client_application_id", sa.String(length=64), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("identity_assurance", sa.String(length=24), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("answers_enc", sa.Text(), nullable=False),
        sa.Column("subject_hmac", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"],
                                name=op.f("fk_applications_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(["location_code"], ["locations.code"],
                                name=op.f("fk_applications_location_code_locations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("kiosk_id", "client_application_id",
                            name=op.f("uq_applications_kiosk_id_client_application_id")),
        sa.UniqueConstraint("registration_no", name=op.f("uq_applications_registration_no")),
    )
    for col in ("department", "service_code", "status", "subject_hmac"):
        op.create_index(op.f(f"ix_applications_{col}"), "applications", [col], unique=False)


def downgrade() -> None:
    for col in ("department", "service_code", "status", "subject_hmac"):
        op.drop_index(op.f(f"ix_applications_{col}"), table_name="applications")
    op.drop_table("applications")
    op.drop_table("application_counters")
