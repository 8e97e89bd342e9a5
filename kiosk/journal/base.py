"""The journal's plumbing shared by its parts: one connection, serialised transactions, the event
log, and the money-track step itself (so a part can take it inside its own transaction)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from common.clock import Clock
from kiosk.journal import crash
from kiosk.journal.states import (
    MONEY_TRANSITIONS,
    JournalError,
    MoneyState,
    PaymentEntry,
    ReceiptState,
    TransitionError,
)


class _Tx:
    """BEGIN IMMEDIATE under the journal's lock: one writer, and readers never see half a step."""

    def __init__(self, journal: JournalBase) -> None:
        self.j = journal

    def __enter__(self) -> sqlite3.Connection:
        self.j._lock.acquire()
        try:
            self.j._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.j._lock.release()
            raise
        return self.j._db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            self.j._db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.j._lock.release()


class JournalBase:
    """One SQLite connection. Thread-safe: calls are serialised (asyncio.to_thread callers)."""

    def __init__(self, conn: sqlite3.Connection, *, kiosk_id: str, generation: int,
                 clock: Clock) -> None:
        self._db = conn
        self._lock = threading.RLock()
        self.kiosk_id = kiosk_id
        self.generation = generation
        self.clock = clock

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- plumbing ------------------------------------------------------------------------------
    def _tx(self) -> _Tx:
        return _Tx(self)

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

    def get(self, client_txn_id: str) -> PaymentEntry:
        with self._lock:
            row = self._db.execute("SELECT * FROM payments WHERE client_txn_id = ?",
                                   (client_txn_id,)).fetchone()
        if row is None:
            raise JournalError(f"no payment {client_txn_id}")
        return self._entry(row)

    # -- the money track -----------------------------------------------------------------------
    def _transition(self, client_txn_id: str, new_state: MoneyState, note: str,
                    fields: dict[str, Any],
                    also: Callable[[sqlite3.Connection], None] | None = None) -> PaymentEntry:
        """One money step, durable before this returns; `also` writes in the same transaction."""
        new_state = MoneyState(new_state)
        # Looked up on the module each time: the fault worker wraps it to trace the points.
        crash.crash_point(f"{new_state}:before")
        with self._tx() as db:
            moved = self._move(db, client_txn_id, new_state, note, dict(fields))
            if also is not None:
                also(db)
        if moved:
            crash.crash_point(f"{new_state}:after")
        return self.get(client_txn_id)

    def _move(self, db: sqlite3.Connection, client_txn_id: str, new_state: MoneyState,
              note: str, fields: dict[str, Any]) -> bool:
        """False when the step repeats the current state with nothing to change."""
        row = db.execute("SELECT money_state, data FROM payments WHERE client_txn_id = ?",
                         (client_txn_id,)).fetchone()
        if row is None:
            raise JournalError(f"no payment {client_txn_id}")
        old = MoneyState(row["money_state"])
        if old is new_state and not fields:
            return False  # a replayed step after a restart is harmless
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
        return True
