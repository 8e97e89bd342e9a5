"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('creditors',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=70), nullable=False),
    sa.Column('reg_no', sa.String(length=20), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=False),
    sa.Column('bic', sa.String(length=11), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_creditors'))
    )
    op.create_table('locations',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_locations'))
    )
    op.create_table('payers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payer_ref', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('deceased', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payers')),
    sa.UniqueConstraint('payer_ref', name=op.f('uq_payers_payer_ref'))
    )
    op.create_table('invoices',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('notice_number', sa.String(length=10), nullable=False),
    sa.Column('check_value', sa.String(length=4), nullable=False),
    sa.Column('service', sa.String(length=20), nullable=False),
    sa.Column('creditor_id', sa.String(length=32), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('paid_cents', sa.BigInteger(), nullable=False),
    sa.Column('object_kind', sa.String(length=10), nullable=False),
    sa.Column('object_ref', sa.String(length=40), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], name=op.f('fk_invoices_creditor_id_creditors')),
    sa.ForeignKeyConstraint(['payer_id'], ['payers.id'], name=op.f('fk_invoices_payer_id_payers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('notice_number', name=op.f('uq_invoices_notice_number'))
    )
    op.create_index('ix_invoices_payer_id', 'invoices', ['payer_id'], unique=False)

    op.create_table('kiosks',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('location_code', sa.String(length=32), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['location_code'], ['locations.code'], name=op.f('fk_kiosks_location_code_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosks')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_kiosks_token_sha256'))
    )
    op.create_table('failed_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_failed_checks_kiosk_id_kiosks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_checks'))
    )
    op.create_index('ix_failed_checks_kiosk_id_at', 'failed_checks', ['kiosk_id', 'at'], unique=False)

    op.create_table('idempotency_records',
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_idempotency_records_kiosk_id_kiosks')),
    sa.PrimaryKeyConstraint('kiosk_id', 'key', name=op.f('pk_idempotency_records'))
    )
    op.create_index('ix_idempotency_records_created_at', 'idempotency_records', ['created_at'], unique=False)

    op.create_table('instalments',
    sa.Column('invoice_id', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_instalments_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('invoice_id', 'seq', name=op.f('pk_instalments'))
    )
    op.create_table('payment_intents',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('client_txn_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_payment_intents_kiosk_id_kiosks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_intents')),
    sa.UniqueConstraint('kiosk_id', 'client_txn_id', name=op.f('uq_payment_intents_kiosk_id_client_txn_id'))
    )
    op.create_table('intent_items',
    sa.Column('intent_id', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.String(length=40), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['intent_id'], ['payment_intents.id'], name=op.f('fk_intent_items_intent_id_payment_intents')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_intent_items_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('intent_id', 'seq', name=op.f('pk_intent_items'))
    )
    op.create_index('ix_intent_items_invoice_id', 'intent_items', ['invoice_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('client_txn_id', sa.String(length=64), nullable=False),
    sa.Column('intent_id', sa.String(length=40), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('credit_cents', sa.BigInteger(), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('flags', sa.String(length=200), nullable=False),
    sa.Column('terminal_id', sa.String(length=64), nullable=True),
    sa.Column('terminal_txn_id', sa.String(length=128), nullable=True),
    sa.Column('approval_code', sa.String(length=32), nullable=True),
    sa.Column('card_last4', sa.String(length=4), nullable=True),
    sa.Column('card_brand', sa.String(length=32), nullable=True),
    sa.Column('acquirer_batch', sa.String(length=64), nullable=True),
    sa.Column('service_id', sa.String(length=32), nullable=True),
    sa.Column('receipt_no', sa.String(length=64), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['intent_id'], ['payment_intents.id'], name=op.f('fk_payments_intent_id_payment_intents')),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_payments_kiosk_id_kiosks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('kiosk_id', 'client_txn_id', name=op.f('uq_payments_kiosk_id_client_txn_id'))
    )
    op.create_table('allocations',
    sa.Column('payment_id', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.String(length=40), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_allocations_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_allocations_payment_id_payments')),
    sa.PrimaryKeyConstraint('payment_id', 'seq', name=op.f('pk_allocations'))
    )
    op.create_index('ix_allocations_invoice_id', 'allocations', ['invoice_id'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_allocations_invoice_id', table_name='allocations')

    op.drop_table('allocations')
    op.drop_table('payments')
    op.drop_index('ix_intent_items_invoice_id', table_name='intent_items')

    op.drop_table('intent_items')
    op.drop_table('payment_intents')
    op.drop_table('instalments')
    op.drop_index('ix_idempotency_records_created_at', table_name='idempotency_records')

    op.drop_table('idempotency_records')
    op.drop_index('ix_failed_checks_kiosk_id_at', table_name='failed_checks')

    op.drop_table('failed_checks')
    op.drop_table('kiosks')
    op.drop_index('ix_invoices_payer_id', table_name='invoices')

    op.drop_table('invoices')
    op.drop_table('payers')
    op.drop_table('locations')
    op.drop_table('creditors')
