"""The journal's SQLite file: its tables and the connection settings that make a write durable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS payments (
    client_txn_id TEXT PRIMARY KEY,
    method TEXT NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    money_state TEXT NOT NULL,
    receipt_state TEXT NOT NULL,
    intent_id TEXT,
    service_id TEXT,
    terminal TEXT,
    receipt_no TEXT UNIQUE,
    reference_code TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    print_count INTEGER NOT NULL DEFAULT 0,
    personal_purged INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS service_ids (
    service_id TEXT PRIMARY KEY,
    client_txn_id TEXT,
    purpose TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    client_txn_id TEXT,
    track TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    done_at TEXT
);
"""

TABLES = frozenset({"payments", "events", "outbox", "service_ids", "counters", "meta"})


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) a journal file.

    WAL with synchronous=FULL: a step is on disk before the external call it announces is made.
    secure_delete zeroes freed pages, so purged personal data does not linger in the file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA secure_delete=ON")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(SCHEMA)
    return conn
