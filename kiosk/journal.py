"""The kiosk's journal: the durable record of every money-moving step (DESIGN §3).

SQLite in WAL mode with `synchronous=FULL`: a step is on disk before the external call it announces
is made, and its result after. Money and receipt are two independent tracks of one payment; the
allowed transitions are a table, so an impossible jump (say, posting a declined payment) is refused
instead of recorded. The same file is the outbox for postings, applications and service events while
the gateway is down.

Receipt numbers and terminal ServiceIDs come from counters in the same transactions as the rows
that use them, so they are gap-free and never reused; the kiosk's generation (bumped when a kiosk is
re-provisioned on a new disk) keeps them unique across journals.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from common.clock import Clock, SystemClock

CRASH_ENV = "KIOSK_CRASH_AT"


def crash_point(name: str) -> None:
    """Die here, like a power cut, when the environment names this point (fault-injection tests).

    SIGKILL rather than an exception: nothing gets a chance to clean up, as in a real crash.
    """
    wanted = os.environ.get(CRASH_ENV)
    if wanted and name in wanted.split(","):
        os.kill(os.getpid(), signal.SIGKILL)


class MoneyState(StrEnum):
    RESERVED = "RESERVED"
    SENT_TO_TERMINAL = "SENT_TO_TERMINAL"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"
    UNKNOWN = "UNKNOWN"
    VOID = "VOID"
    MANUAL_REVIEW = "MANUAL_REVIEW"
    POST_PENDING = "POST_PENDING"
    POSTED = "POSTED"
    REVERSAL_PENDING = "REVERSAL_PENDING"
    REVERSED = "REVERSED"


class ReceiptState(StrEnum):
    NONE = "NONE"
    PRINT_SENT = "PRINT_SENT"
    PRINTED = "PRINTED"
    PRINT_FAILED = "PRINT_FAILED"


M = MoneyState
# DESIGN §3, money track. Cash payments skip the terminal: RESERVED -> APPROVED.
MONEY_TRANSITIONS: dict[MoneyState, frozenset[MoneyState]] = {
    M.RESERVED: frozenset({M.SENT_TO_TERMINAL, M.VOID, M.APPROVED}),
    M.SENT_TO_TERMINAL: frozenset(
        {M.APPROVED, M.DECLINED, M.CANCELLED, M.UNKNOWN, M.REVERSAL_PENDING, M.VOID}
    ),
    M.UNKNOWN: frozenset({M.APPROVED, M.VOID, M.MANUAL_REVIEW, M.DECLINED, M.CANCELLED,
                          M.REVERSAL_PENDING}),
    M.MANUAL_REVIEW: frozenset({M.APPROVED, M.VOID}),
    M.APPROVED: frozenset({M.POSTED, M.POST_PENDING, M.REVERSAL_PENDING}),
    M.POST_PENDING: frozenset({M.POSTED}),
    M.POSTED: frozenset({M.REVERSAL_PENDING}),
    M.REVERSAL_PENDING: frozenset({M.REVERSED}),
    M.DECLINED: frozenset({M.VOID}),
    M.CANCELLED: frozenset({M.VOID}),
    M.VOID: frozenset(),
    M.REVERSED: frozenset(),
}

R = ReceiptState
RECEIPT_TRANSITIONS: dict[ReceiptState, frozenset[ReceiptState]] = {
    R.NONE: frozenset({R.PRINT_SENT}),
    R.PRINT_SENT: frozenset({R.PRINTED, R.PRINT_FAILED}),
    R.PRINT_FAILED: frozenset({R.PRINT_SENT}),
    # A printed receipt may be printed again (second copy, DUBLIKĀTS).
    R.PRINTED: frozenset({R.PRINT_SENT}),
}

# Money states after which nothing more happens to the money by itself.
MONEY_SETTLED = frozenset({M.POSTED, M.VOID, M.REVERSED})
# States where the reservation at the gateway was released or consumed for good.
MONEY_NEEDS_RECEIPT = frozenset({M.APPROVED, M.POST_PENDING, M.POSTED})


class JournalError(Exception):
    pass


class TransitionError(JournalError):
    """A step that the state graph does not allow (a bug, or a replay of an old step)."""


@dataclass(frozen=True)
class PaymentEntry:
    client_txn_id: str
    method: str
    amount_cents: int
    money_state: MoneyState
    receipt_state: ReceiptState
    intent_id: str | None
    service_id: str | None
    terminal: dict[str, Any] | None
    receipt_no: str | None
    reference_code: str
    data: dict[str, Any]
    note: str
    created_at: datetime
    updated_at: datetime
    print_count: int

    @property
    def unfinished(self) -> bool:
        if self.money_state not in MONEY_SETTLED and self.money_state is not M.MANUAL_REVIEW:
            return True
        needs_paper = self.money_state in MONEY_NEEDS_RECEIPT
        return needs_paper and self.receipt_state is not R.PRINTED


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    key: str
    body: dict[str, Any]
    attempts: int
    created_at: datetime
    last_error: str


_SCHEMA = """
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

# Keys of a payment's `data` that can name or identify a person; wiped after the retention period.
PERSONAL_KEYS = ("payer_names", "payer_name", "invoices_personal", "contact")

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _base36(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = _ALPHABET[r] + out
    return out.rjust(width, "0")


class Journal:
    """One SQLite file per kiosk. Thread-safe: calls are serialised (asyncio.to_thread callers)."""

    def __init__(self, conn: sqlite3.Connection, *, kiosk_id: str, generation: int,
                 clock: Clock) -> None:
        self._db = conn
        self._lock = threading.RLock()
        self.kiosk_id = kiosk_id
        self.generation = generation
        self.clock = clock

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, *, kiosk_id: str, generation: int,
             clock: Clock | None = None) -> Journal:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(_SCHEMA)
        journal = cls(conn, kiosk_id=kiosk_id, generation=generation, clock=clock or SystemClock())
        journal._check_identity()
        return journal

    def _check_identity(self) -> None:
        with self._tx() as db:
            rows = dict(db.execute("SELECT key, value FROM meta").fetchall())
            if not rows:
                db.execute("INSERT INTO meta VALUES ('kiosk_id', ?), ('generation', ?)",
                           (self.kiosk_id, str(self.generation)))
                return
            if rows.get("kiosk_id") != self.kiosk_id:
                raise JournalError(
                    f"journal belongs to kiosk {rows.get('kiosk_id')!r}, not {self.kiosk_id!r}")
            stored = int(rows.get("generation", "1"))
            if self.generation < stored:
                raise JournalError(
                    f"config generation {self.generation} is older than the journal's {stored}")
            if self.generation > stored:
                db.execute("UPDATE meta SET value=? WHERE key='generation'", (str(self.generation),))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------------
    class _Tx:
        def __init__(self, journal: Journal) -> None:
            self.j = journal

        def __enter__(self) -> sqlite3.Connection:
            self.j._lock.acquire()
            self.j._db.execute("BEGIN IMMEDIATE")
            return self.j._db

        def __exit__(self, exc_type: object, *rest: object) -> None:
            try:
                self.j._db.execute("ROLLBACK" if exc_type else "COMMIT")
            finally:
                self.j._lock.release()

    def _tx(self) -> Journal._Tx:
        return Journal._Tx(self)

    def _now(self) -> str:
        return self.clock.now().astimezone(UTC).isoformat(timespec="microseconds")

    def _next(self, db: sqlite3.Connection, name: str) -> int:
        db.execute("INSERT OR IGNORE INTO counters VALUES (?, 0)", (name,))
        db.execute("UPDATE counters SET value = value + 1 WHERE name = ?", (name,))
        return int(db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0])

    def _event(self, db: sqlite3.Connection, txn: str | None, track: str, old: str | None,
               new: str, note: str = "") -> None:
        db.execute("INSERT INTO events (at, client_txn_id, track, from_state, to_state, note) "
                   "VALUES (?, ?, ?, ?, ?, ?)", (self._now(), txn, track, old, new, note))

    @staticmethod
    def _entry(row: sqlite3.Row) -> PaymentEntry:
        return PaymentEntry(
            client_txn_id=row["client_txn_id"],
            method=row["method"],
            amount_cents=row["amount_cents"],
            money_state=MoneyState(row["money_state"]),
            receipt_state=ReceiptState(row["receipt_state"]),
            intent_id=row["intent_id"],
            service_id=row["service_id"],
            terminal=json.loads(row["terminal"]) if row["terminal"] else None,
            receipt_no=row["receipt_no"],
            reference_code=row["reference_code"],
            data=json.loads(row["data"]),
            note=row["note"],
            created_at=datetime.fromisoformat(row["created_at"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
            print_count=row["print_count"],
        )

    # -- identifiers ---------------------------------------------------------------------------
    def allocate_service_id(self, client_txn_id: str | None, purpose: str) -> str:
        """A new nexo ServiceID (<= 10 chars), on disk before it is returned and never reused.

        Two base-36 characters of generation + eight of sequence: unique across re-provisioning.
        """
        with self._tx() as db:
            seq = self._next(db, "service_id")
            sid = _base36(self.generation, 2) + _base36(seq, 8)
            db.execute("INSERT INTO service_ids VALUES (?, ?, ?, ?)",
                       (sid, client_txn_id, purpose, self._now()))
        return sid

    def service_ids_for(self, client_txn_id: str) -> list[tuple[str, str]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT service_id, purpose FROM service_ids WHERE client_txn_id = ? "
                "ORDER BY rowid", (client_txn_id,)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def _reference_code(self, db: sqlite3.Connection) -> str:
        # Short, typeable, unambiguous: printed on "outcome unknown" slips and read back by scan.
        seq = self._next(db, "reference")
        return f"U{_base36(self.generation, 2)}{_base36(seq, 5)}"

    # -- payments ------------------------------------------------------------------------------
    def begin_payment(self, *, amount_cents: int, method: str, data: dict[str, Any],
                      intent_id: str | None = None, client_txn_id: str | None = None
                      ) -> PaymentEntry:
        """Record a new payment as RESERVED with its idempotency key (client_txn_id)."""
        if method not in ("card", "cash"):
            raise JournalError(f"unknown payment method {method!r}")
        txn = client_txn_id or str(uuid.uuid4())
        crash_point("RESERVED:before")
        with self._tx() as db:
            now = self._now()
            db.execute(
                "INSERT INTO payments (client_txn_id, method, amount_cents, money_state, "
                "receipt_state, intent_id, reference_code, data, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (txn, method, amount_cents, M.RESERVED, R.NONE, intent_id,
                 self._reference_code(db), json.dumps(data, ensure_ascii=False), now, now))
            self._event(db, txn, "money", None, M.RESERVED)
        crash_point("RESERVED:after")
        return self.get(txn)

    def get(self, client_txn_id: str) -> PaymentEntry:
        with self._lock:
            row = self._db.execute("SELECT * FROM payments WHERE client_txn_id = ?",
                                   (client_txn_id,)).fetchone()
        if row is None:
            raise JournalError(f"no payment {client_txn_id}")
        return self._entry(row)

    def find_by_reference(self, reference_code: str) -> PaymentEntry | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM payments WHERE reference_code = ?",
                                   (reference_code.strip().upper(),)).fetchone()
        return self._entry(row) if row else None

    def transition(self, client_txn_id: str, new_state: MoneyState, *,
                   note: str = "", **fields: Any) -> PaymentEntry:
        """Move the money track; the write is durable before this returns.

        fields: service_id, terminal (JSON-able outcome dict), intent_id, data_update (dict merged
        into data). Repeating the current state is a no-op, so a replayed step after a restart is
        harmless.
        """
        new_state = MoneyState(new_state)
        crash_point(f"{new_state}:before")
        with self._tx() as db:
            row = db.execute("SELECT money_state, data FROM payments WHERE client_txn_id = ?",
                             (client_txn_id,)).fetchone()
            if row is None:
                raise JournalError(f"no payment {client_txn_id}")
            old = MoneyState(row["money_state"])
            if old is new_state and not fields:
                return self._entry(db.execute("SELECT * FROM payments WHERE client_txn_id = ?",
                                              (client_txn_id,)).fetchone())
            if old is not new_state and new_state not in MONEY_TRANSITIONS[old]:
                raise TransitionError(f"{client_txn_id}: {old} -> {new_state} is not allowed")
            sets = ["money_state = ?", "updated_at = ?"]
            args: list[Any] = [new_state.value, self._now()]
            for key in ("service_id", "intent_id"):
                if key in fields:
                    sets.append(f"{key} = ?")
                    args.append(fields.pop(key))
            if "terminal" in fields:
                sets.append("terminal = ?")
                args.append(json.dumps(fields.pop("terminal"), ensure_ascii=False))
            if "data_update" in fields:
                data = json.loads(row["data"])
                data.update(fields.pop("data_update"))
                sets.append("data = ?")
                args.append(json.dumps(data, ensure_ascii=False))
            if fields:
                raise JournalError(f"unknown fields {sorted(fields)}")
            if note:
                sets.append("note = ?")
                args.append(note)
            db.execute(f"UPDATE payments SET {', '.join(sets)} WHERE client_txn_id = ?",
                       (*args, client_txn_id))
            if old is not new_state:
                self._event(db, client_txn_id, "money", old, new_state, note)
        crash_point(f"{new_state}:after")
        return self.get(client_txn_id)

    def assign_receipt_no(self, client_txn_id: str) -> str:
        """The payment's receipt number, allocated once: `<kiosk-id>.<generation>-<seq>`."""
        with self._tx() as db:
            row = db.execute("SELECT receipt_no FROM payments WHERE client_txn_id = ?",
                             (client_txn_id,)).fetchone()
            if row is None:
                raise JournalError(f"no payment {client_txn_id}")
            if row["receipt_no"]:
                return str(row["receipt_no"])
            number = f"{self.kiosk_id}.{self.generation}-{self._next(db, 'receipt'):06d}"
            db.execute("UPDATE payments SET receipt_no = ? WHERE client_txn_id = ?",
                       (number, client_txn_id))
        return number

    def set_receipt_state(self, client_txn_id: str, new_state: ReceiptState,
                          *, note: str = "") -> PaymentEntry:
        new_state = ReceiptState(new_state)
        crash_point(f"receipt-{new_state}:before")
        with self._tx() as db:
            row = db.execute("SELECT receipt_state FROM payments WHERE client_txn_id = ?",
                             (client_txn_id,)).fetchone()
            if row is None:
                raise JournalError(f"no payment {client_txn_id}")
            old = ReceiptState(row["receipt_state"])
            if new_state not in RECEIPT_TRANSITIONS[old]:
                raise TransitionError(f"{client_txn_id}: receipt {old} -> {new_state}")
            bump = 1 if new_state is R.PRINTED else 0
            db.execute("UPDATE payments SET receipt_state = ?, print_count = print_count + ?, "
                       "updated_at = ? WHERE client_txn_id = ?",
                       (new_state.value, bump, self._now(), client_txn_id))
            self._event(db, client_txn_id, "receipt", old, new_state, note)
        crash_point(f"receipt-{new_state}:after")
        return self.get(client_txn_id)

    def payments(self, *, states: set[MoneyState] | None = None,
                 updated_since: datetime | None = None) -> list[PaymentEntry]:
        since = (updated_since.astimezone(UTC).isoformat(timespec="microseconds")
                 if updated_since else "")
        with self._lock:
            rows = self._db.execute("SELECT * FROM payments WHERE updated_at >= ? "
                                    "ORDER BY created_at", (since,)).fetchall()
        entries = [self._entry(r) for r in rows]
        return [e for e in entries if states is None or e.money_state in states]

    def unfinished(self) -> list[PaymentEntry]:
        """Every payment whose money or receipt still needs work (start-up recovery's input)."""
        return [e for e in self.payments() if e.unfinished]

    def manual_review(self) -> list[PaymentEntry]:
        return self.payments(states={M.MANUAL_REVIEW})

    def events(self, client_txn_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            if client_txn_id is None:
                rows = self._db.execute("SELECT * FROM events ORDER BY id").fetchall()
            else:
                rows = self._db.execute("SELECT * FROM events WHERE client_txn_id = ? ORDER BY id",
                                        (client_txn_id,)).fetchall()
        return [dict(r) for r in rows]

    def log_event(self, track: str, state: str, *, note: str = "",
                  client_txn_id: str | None = None) -> None:
        """An audit line for a manual action (a librarian's resolution, a reprint)."""
        with self._tx() as db:
            self._event(db, client_txn_id, track, None, state, note)

    # -- outbox --------------------------------------------------------------------------------
    def outbox_put(self, kind: str, key: str, body: dict[str, Any]) -> int:
        """Queue a request for the gateway under its idempotency key (a repeat key is a no-op)."""
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO outbox (kind, key, body, created_at) "
                       "VALUES (?, ?, ?, ?)",
                       (kind, key, json.dumps(body, ensure_ascii=False), self._now()))
            return int(db.execute("SELECT id FROM outbox WHERE key = ?", (key,)).fetchone()[0])

    def outbox_pending(self, kind: str | None = None) -> list[OutboxItem]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM outbox WHERE state = 'pending' AND (? IS NULL OR kind = ?) "
                "ORDER BY id", (kind, kind)).fetchall()
        return [OutboxItem(r["id"], r["kind"], r["key"], json.loads(r["body"]), r["attempts"],
                           datetime.fromisoformat(r["created_at"]), r["last_error"]) for r in rows]

    def outbox_failed_attempt(self, item_id: int, error: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                       (error[:500], item_id))

    def outbox_done(self, item_id: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE outbox SET state = 'done', done_at = ? WHERE id = ?",
                       (self._now(), item_id))

    # -- privacy -------------------------------------------------------------------------------
    def purge_personal_data(self, retention_days: int) -> int:
        """Remove personal data of payments settled more than retention_days ago.

        secure_delete is on, so freed pages are zeroed; the WAL is checkpointed and truncated so
        no old copy of a page survives in it.
        """
        cutoff = (self.clock.now() - timedelta(days=retention_days)).astimezone(
            UTC).isoformat(timespec="microseconds")
        purged = 0
        with self._tx() as db:
            rows = db.execute(
                "SELECT client_txn_id, data, money_state FROM payments "
                "WHERE personal_purged = 0 AND updated_at < ?", (cutoff,)).fetchall()
            for row in rows:
                if MoneyState(row["money_state"]) not in MONEY_SETTLED:
                    continue
                data = json.loads(row["data"])
                for key in PERSONAL_KEYS:
                    data.pop(key, None)
                db.execute("UPDATE payments SET data = ?, personal_purged = 1 "
                           "WHERE client_txn_id = ?",
                           (json.dumps(data, ensure_ascii=False), row["client_txn_id"]))
                purged += 1
            db.execute("DELETE FROM outbox WHERE state = 'done' AND done_at < ?", (cutoff,))
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return purged

    def iter_rows(self, table: str) -> Iterator[sqlite3.Row]:
        """Raw rows for diagnostics and tests (table name from a fixed set)."""
        if table not in {"payments", "events", "outbox", "service_ids", "counters", "meta"}:
            raise JournalError(table)
        with self._lock:
            rows = self._db.execute(f"SELECT * FROM {table}").fetchall()
        yield from rows
