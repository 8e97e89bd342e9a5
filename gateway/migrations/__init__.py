"""Alembic migrations of the gateway schema (run by gateway.db.migrate)."""
