"""service events (counters), shifts, cash handovers; coordinators of the /admin/ page and their
sessions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("location_code", sa.String(length=32), nullable=False),
        sa.Column("client_event_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("operator", sa.String(length=120), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_service_events_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(["location_code"], ["locations.code"],
                                name=op.f("fk_service_events_location_code_locations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_events")),
        sa.UniqueConstraint("kiosk_id", "client_event_id",
                            name=op.f("uq_service_events_kiosk_id_client_event_id")),
    )
    op.create_index("ix_service_events_location_code_local_day", "service_events",
                    ["location_code", "local_day"], unique=False)
    op.create_table(
        "shifts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("location_code", sa.String(length=32), nullable=False),
        sa.Column("client_shift_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("opened_by", sa.String(length=120), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("float_cents", sa.BigInteger(), nullable=False),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expected_cash_cents", sa.BigInteger(), nullable=True),
        sa.Column("counted_cash_cents", sa.BigInteger(), nullable=True),
        sa.Column("denominations", sa.Text(), nullable=True),
        sa.Column("difference_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_shifts_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(["location_code"], ["locations.code"],
                                name=op.f("fk_shifts_location_code_locations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
        sa.UniqueConstraint("kiosk_id", "client_shift_id", name=op.f("uq_shifts_kiosk_id_client_shift_id")),
    )
    op.create_index("ix_shifts_kiosk_id_status", "shifts", ["kiosk_id", "status"], unique=False)
    op.create_table(
        "cash_handovers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("location_code", sa.String(length=32), nullable=False),
        sa.Column("client_handover_id", sa.String(length=64), nullable=False),
        sa.Column("shift_id", sa.String(length=40), nullable=True),
        sa.Column("handed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("bag_no", sa.String(length=40), nullable=False),
        sa.Column("seal_no", sa.String(length=40), nullable=False),
        sa.Column("receipt_from", sa.String(length=64), nullable=False),
        sa.Column("receipt_to", sa.String(length=64), nullable=False),
        sa.Column("collector_name", sa.String(length=120), nullable=False),
        sa.Column("handed_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_cash_handovers_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(["location_code"], ["locations.code"],
                                name=op.f("fk_cash_handovers_location_code_locations")),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_cash_handovers_shift_id_shifts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_handovers")),
        sa.UniqueConstraint("kiosk_id", "client_handover_id",
                            name=op.f("uq_cash_handovers_kiosk_id_client_handover_id")),
    )
    op.create_index(op.f("ix_cash_handovers_shift_id"), "cash_handovers", ["shift_id"], unique=False)
    op.create_table(
        "coordinators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordinators")),
        sa.UniqueConstraint("name", name=op.f("uq_coordinators_name")),
    )
    op.create_table(
        "coordinator_sessions",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["coordinator_id"], ["coordinators.id"],
                                name=op.f("fk_coordinator_sessions_coordinator_id_coordinators")),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_coordinator_sessions")),
    )


def downgrade() -> None:
    op.drop_table("coordinator_sessions")
    op.drop_table("coordinators")
    op.drop_index(op.f("ix_cash_handovers_shift_id"), table_name="cash_handovers")
    op.drop_table("cash_handovers")
    op.drop_index("ix_shifts_kiosk_id_status", table_name="shifts")
    op.drop_table("shifts")
    op.drop_index("ix_service_events_location_code_local_day", table_name="service_events")
    op.drop_table("service_events")
