"""invoices an operator session's person search returned; the posting proofs of cash intents

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session_invoice_finds",
        sa.Column("session_id", sa.String(length=40), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["operator_sessions.id"],
                                name=op.f("fk_session_invoice_finds_session_id_operator_sessions")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name=op.f("fk_session_invoice_finds_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("session_id", "invoice_id", name=op.f("pk_session_invoice_finds")),
    )
    op.create_table(
        "posting_proofs",
        sa.Column("intent_id", sa.String(length=40), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=40), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["intent_id"], ["payment_intents.id"],
                                name=op.f("fk_posting_proofs_intent_id_payment_intents")),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], name=op.f("fk_posting_proofs_operator_id_operators")),
        sa.ForeignKeyConstraint(["session_id"], ["operator_sessions.id"],
                                name=op.f("fk_posting_proofs_session_id_operator_sessions")),
        sa.PrimaryKeyConstraint("intent_id", name=op.f("pk_posting_proofs")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_posting_proofs_token_sha256")),
    )


def downgrade() -> None:
    op.drop_table("posting_proofs")
    op.drop_table("session_invoice_finds")
