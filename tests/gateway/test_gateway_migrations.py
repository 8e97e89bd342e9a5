"""Migrations at head give exactly the models' schema, on SQLite and PostgreSQL; results match."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from gw_helpers import Gateway
from sqlalchemy import inspect

from gateway.db import make_engine, migrate
from gateway.models import Base


def _diff(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)


def test_head_matches_models(gw: Gateway) -> None:
    assert _diff(gw.engine) == []
    assert set(inspect(gw.engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate(engine)
    migrate_down = __import__("alembic.command", fromlist=["downgrade"]).downgrade
    from gateway.db import alembic_config

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        migrate_down(cfg, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate(engine)
    assert _diff(engine) == []
    engine.dispose()


def _scenario(gw: Gateway) -> list[Any]:
    """A fixed story; ids and times stripped, so both databases must answer identically."""
    import httpx

    _kid, token = gw.add_kiosk()
    _kid2, token2 = gw.add_kiosk()
    tag = uuid.uuid4().hex[:6]
    a_id, a_no, a_chk = gw.make_invoice(total=14840, paid=3710, instalments=4, notice="2099000001", check="1111")
    # Kiosk 1 finds b before the story starts; kiosk 2 found both: a kiosk reserves by id only
    # what it found with the check value.
    b_id, _b_no, _b_chk = gw.make_invoice(total=999, notice="2099000002", check="2222", found_by=(token, token2))
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC).isoformat()

    def k() -> dict[str, str]:
        return {"Idempotency-Key": str(uuid.uuid4())}

    out: list[Any] = []
    with gw.http(token) as c, gw.http(token2) as c2:
        calls: list[tuple[httpx.Client, str, dict[str, Any], bool]] = [
            (c, "/invoice-searches", {"notice_number": a_no, "check_value": a_chk}, False),
            (c, "/invoice-searches", {"notice_number": a_no, "check_value": "0000"}, False),
            (c, "/payment-intents", {"client_txn_id": f"s-{tag}", "items": [
                {"invoice_id": a_id, "amount_cents": 3710}, {"invoice_id": b_id, "amount_cents": 999}]}, True),
            (c2, "/payment-intents", {"client_txn_id": f"s2-{tag}", "items": [
                {"invoice_id": b_id, "amount_cents": 999}]}, True),
            (c, "/payments", {"client_txn_id": f"s-{tag}", "method": "card", "amount_cents": 5000,
                              "approved_at": now}, True),
            (c, "/invoice-searches", {"notice_number": a_no, "check_value": a_chk}, False),
            (c, "/payment-lookups", {"client_txn_id": f"s-{tag}"}, False),
            (c2, "/payment-intents", {"client_txn_id": f"s3-{tag}", "items": [
                {"invoice_id": b_id, "amount_cents": 1}]}, True),
        ]
        for client, path, body, idem in calls:
            r = client.post(path, json=body, headers=k() if idem else {})
            out.append((path, r.status_code, _strip(r.json())))
    return out


_VOLATILE = {"intent_id", "payment_id", "instance", "created_at", "expires_at", "posted_at", "client_txn_id"}


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def test_identical_results_on_sqlite_and_postgresql(sqlite_gateway: Gateway, postgres_gateway: Gateway) -> None:
    a = _scenario(sqlite_gateway)
    b = _scenario(postgres_gateway)
    assert a == b
    statuses = [s for _p, s, _b in a]
    assert statuses == [200, 404, 201, 409, 201, 200, 200, 409]
    assert a[5][2]["invoices"][0]["paid_cents"] == 3710 * 2
    assert a[4][2]["credit_cents"] == 5000 - 3710 - 999
