"""payers: no plain personal codes; the person search matches the keyed `payer_ref`

Only the demo seed ever wrote `payers.personal_code` (the import keeps a payer under a keyed hash
of the code), and the demo seed re-keys its payers from its own made-up codes on its next run, so
the column is dropped without a backfill: a migration has no access to the gateway's key.
A downgrade gives the column back empty: a hash cannot be turned back into a code.

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payers") as batch:
        batch.drop_index("ix_payers_personal_code")
        batch.drop_column("personal_code")


def downgrade() -> None:
    with op.batch_alter_table("payers") as batch:
        batch.add_column(sa.Column("personal_code", sa.String(length=11), nullable=True))
        batch.create_index("ix_payers_personal_code", ["personal_code"], unique=True)
