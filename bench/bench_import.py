"""Importing 60,000 invoices (`kiosk gateway import-invoices`, docs/invoice-import.md).

For each database (a fresh SQLite file; PostgreSQL from KIOSK_TEST_PG_URL or the PG* variables that
pg_virtualenv sets, in a database of its own that is dropped afterwards): the first import, the same
file again (nothing changes), and the floor — a bare executemany of the same rows into a fresh
database. Reported as seconds, as a ratio to the floor, and against the one-minute budget.

    .venv/bin/python bench/bench_import.py [--invoices N]
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import URL, make_url

BUDGET_S = 60.0


def make_csv(n: int) -> bytes:
    lines = ["notice_number;check_value;creditor;service;payer_name;payer_code;object;period;due_date;"
             "amount;instalments"]
    for i in range(n):
        notice = f"{5000000000 + i}"
        payer = f"{40003000000 + i % 20000}"
        if i % 4 == 0:
            cents = 4000 + i % 50000
            q = cents // 4
            parts = [q, q, q, cents - 3 * q]
            dues = ["2026-03-31", "2026-05-15", "2026-08-17", "2026-11-16"]
            inst = "|".join(f"{d}={c // 100},{c % 100:02d}" for d, c in zip(dues, parts, strict=True))
            lines.append(f"{notice};;cesu-novads;property-tax;Maksātājs Nr {i % 20000};{payer};"
                         f"42{i:09d};2026;2026-11-16;{cents // 100},{cents % 100:02d};{inst}")
        else:
            cents = 700 + i % 9000
            lines.append(f"{notice};{i % 10000:04d};vinda;water;Maksātājs Nr {i % 20000};{payer};"
                         f"Līgums Ū-{i};2026-10;2026-11-20;{cents // 100},{cents % 100:02d};")
    return ("\n".join(lines) + "\n").encode("utf-8")


def pg_admin() -> URL | None:
    raw = os.environ.get("KIOSK_TEST_PG_URL")
    if raw:
        return make_url(raw)
    if not (os.environ.get("PGHOST") or os.environ.get("PGPORT")):
        return None
    host = os.environ.get("PGHOST", "localhost")
    query = {"host": host} if host.startswith("/") else {}
    return URL.create("postgresql+psycopg", username=os.environ.get("PGUSER") or None,
                      password=os.environ.get("PGPASSWORD") or None, host=None if query else host,
                      port=int(os.environ["PGPORT"]) if os.environ.get("PGPORT") else None,
                      database=os.environ.get("PGDATABASE", "postgres"), query=query)


@contextmanager
def fresh_db(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / f'import-{secrets.token_hex(3)}.sqlite3'}"
        return
    admin_url = pg_admin()
    assert admin_url is not None
    name = f"kac_bench_import_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepared(url: str):  # type: ignore[no-untyped-def]
    from gateway.admin import seed_demo
    from gateway.db import make_engine, migrate

    engine = make_engine(url)
    migrate(engine)
    seed_demo(engine)
    return engine


def timed_import(url: str, data: bytes) -> tuple[float, str]:
    from gateway.db import session_factory
    from gateway.services.imports import ImportKeys, import_invoices

    engine = prepared(url)
    keys = ImportKeys.derive(b"bench-key")
    try:
        t0 = time.perf_counter()
        with session_factory(engine).begin() as s:
            report = import_invoices(s, data, keys, datetime.now(UTC))
        first = time.perf_counter() - t0
        assert not report.errors, report.errors[:3]
        t0 = time.perf_counter()
        with session_factory(engine).begin() as s:
            again = import_invoices(s, data, keys, datetime.now(UTC))
        second = time.perf_counter() - t0
        assert again.added == again.updated == 0 and again.unchanged == report.added
    finally:
        engine.dispose()
    return first, f"{report.added} added; re-import {second:.1f} s ({again.unchanged} unchanged)"


def timed_floor(url: str, n: int) -> float:
    """The same number of payers, invoices and instalments, inserted with no checks at all."""
    from gateway.db import session_factory
    from gateway.models import Instalment, Invoice, Payer

    engine = prepared(url)
    now = datetime.now(UTC)
    try:
        t0 = time.perf_counter()
        with session_factory(engine).begin() as s:
            s.execute(insert(Payer), [{"payer_ref": f"h{i:031d}", "name": f"P {i}", "deceased": False}
                                      for i in range(20000)])
            pid = s.execute(text("SELECT min(id) FROM payers")).scalar_one()
            s.execute(insert(Invoice), [{
                "id": f"inv-{i:020d}", "notice_number": f"{5000000000 + i}", "check_value": "0000",
                "service": "water", "creditor_id": "vinda", "payer_id": pid + i % 20000,
                "period_start": date(2026, 10, 1), "period_end": date(2026, 10, 31), "total_cents": 1000,
                "paid_cents": 0, "object_kind": "object", "object_ref": f"L {i}", "issued_at": now}
                for i in range(n)])
            s.execute(insert(Instalment), [
                {"invoice_id": f"inv-{i:020d}", "seq": k + 1, "due_date": date(2026, 11, 20), "amount_cents": 250}
                for i in range(n) for k in range(4 if i % 4 == 0 else 1)])
        return time.perf_counter() - t0
    finally:
        engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--invoices", type=int, default=60_000)
    args = ap.parse_args()
    data = make_csv(args.invoices)
    kinds = ["sqlite"] + (["postgresql"] if pg_admin() is not None else [])
    print(f"import bench: {args.invoices} invoices ({len(data) / 1e6:.1f} MB CSV), budget {BUDGET_S:.0f} s")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            with fresh_db(kind, Path(tmp)) as url:
                seconds, note = timed_import(url, data)
            with fresh_db(kind, Path(tmp)) as url:
                floor = timed_floor(url, args.invoices)
            worst = max(worst, seconds)
            print(f"{kind:<11} import {seconds:6.1f} s  floor {floor:5.1f} s  ratio to floor {seconds / floor:4.1f}  "
                  f"budget used {seconds / BUDGET_S:4.0%}  ({note})")
    if "postgresql" not in kinds:
        print("postgresql: skipped (set KIOSK_TEST_PG_URL or run under pg_virtualenv)")
    return 0 if worst < BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
