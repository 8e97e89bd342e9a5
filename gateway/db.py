"""Engine set-up and programmatic Alembic migrations (no alembic.ini, no dependence on cwd)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(db_url: str, *, workers: int = 1, **kwargs: Any) -> Engine:
    """An engine for SQLite (file) or PostgreSQL (`postgresql+psycopg://`).

    On SQLite every transaction starts with BEGIN IMMEDIATE: the database's one writer lock then
    serialises reservations the way row locks (SELECT ... FOR UPDATE) do on PostgreSQL, instead of
    failing a deferred transaction when it upgrades to a write.
    """
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            _private_file(Path(url.database))
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A `read_connection` read (the kiosk's authentication) takes no lock at all.
            if not conn.get_execution_options().get(NO_BEGIN):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No pre-ping: it costs a round trip per checkout. A connection the server dropped fails its
    # request once as 503 (retryable; the kiosk sends it again) and SQLAlchemy then refreshes the
    # pool (docs/architecture.md, "Operations").
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", pg_pool_size(url, workers))
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 10)
    return create_engine(url, **kwargs)


# Connections kept free for `kiosk gateway migrate`, psql and the CLI while workers run.
PG_HEADROOM = 10
# AnyIO runs at most 40 sync endpoints at once per worker: more connections would sit idle.
PG_POOL_MAX = 40


def pg_pool_size(url: URL, workers: int = 1) -> int:
    """Connections per worker so that every worker's pool together stays under the server's
    max_connections (less the superuser reserve and PG_HEADROOM); 10 if the server cannot be asked."""
    probe = create_engine(url, poolclass=NullPool)
    try:
        with probe.connect() as conn:
            max_conn = int(conn.exec_driver_sql("SHOW max_connections").scalar_one())
            reserved = int(conn.exec_driver_sql("SHOW superuser_reserved_connections").scalar_one())
    except Exception:
        return 10
    finally:
        probe.dispose()
    budget = (max_conn - reserved - PG_HEADROOM) // max(workers, 1)
    return max(2, min(PG_POOL_MAX, budget))


def _private_file(path: Path) -> None:
    """Create the SQLite file 0600 (its folder 0700 when new) before SQLite opens it: it holds
    payments and applications. SQLite gives the -wal and -shm files the database's mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # an empty file is an empty database
    except FileExistsError:
        pass


NO_BEGIN = "kac_no_begin"


def read_connection(engine: Engine) -> Connection:
    """A pooled connection for single reads outside any transaction: AUTOCOMMIT on PostgreSQL (one
    round trip, no BEGIN/COMMIT); on SQLite no BEGIN IMMEDIATE, so the read takes no writer lock.
    (SQLite's own AUTOCOMMIT setting is not used: resetting it re-enables the driver's implicit
    transactions.)"""
    conn = engine.connect()
    if engine.dialect.name == "sqlite":
        return conn.execution_options(**{NO_BEGIN: True})
    return conn.execution_options(isolation_level="AUTOCOMMIT")


def xact_lock(session: Session, *keys: str) -> None:
    """Serialise decisions on these keys until the session's transaction ends: a PostgreSQL
    advisory transaction lock per key, taken in the order given (callers pass a fixed order, so
    no two transactions wait on each other in a ring). On SQLite every transaction already holds
    the one writer lock of BEGIN IMMEDIATE (`make_engine`), so nothing more is needed there. A
    limit counted under it cannot be passed by concurrent requests that all read the same count
    (docs/architecture.md, "API rules")."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in keys:
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def alembic_config(engine: Engine | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def migrate(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to `revision` (default: every head, so parallel branches all apply)."""
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_heads(engine: Engine) -> tuple[str, ...]:
    """The revisions the database is at (empty before the first migration)."""
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def schema_is_current(engine: Engine) -> bool:
    """Is the database at every head of the shipped migrations? (workers that skip migrating
    check this instead; docs/architecture.md, "Operations")"""
    from alembic.script import ScriptDirectory

    heads = tuple(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))
    return current_heads(engine) == heads


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
