"""`Journal`: the kiosk's journal file with its parts (numbers, outbox, purge) put together, and
the payments themselves: begun, moved along the money and receipt tracks, read back."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common.clock import Clock, SystemClock
from kiosk.journal import crash
from kiosk.journal.numbers import NumbersMixin
from kiosk.journal.outbox import OutboxMixin
from kiosk.journal.purge import PurgeMixin
from kiosk.journal.schema import TABLES, connect
from kiosk.journal.states import (
    RECEIPT_TRANSITIONS,
    JournalError,
    MoneyState,
    PaymentEntry,
    ReceiptState,
    TransitionError,
)

M, R = MoneyState, ReceiptState


class Journal(NumbersMixin, OutboxMixin, PurgeMixin):
    """One SQLite file per kiosk. Blocking calls: from the asyncio loop use `AsyncJournal`."""

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, *, kiosk_id: str, generation: int,
             clock: Clock | None = None) -> Journal:
        conn = connect(Path(path))
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

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- payments ------------------------------------------------------------------------------
    def begin_payment(self, *, amount_cents: int, method: str, data: dict[str, Any],
                      intent_id: str | None = None, client_txn_id: str | None = None
                      ) -> PaymentEntry:
        """Record a new payment as RESERVED with its idempotency key (client_txn_id)."""
        if method not in ("card", "cash"):
            raise JournalError(f"unknown payment method {method!r}")
        txn = client_txn_id or str(uuid.uuid4())
        crash.crash_point("RESERVED:before")
        with self._tx() as db:
            now = self._now()
            db.execute(
                "INSERT INTO payments (client_txn_id, method, amount_cents, money_state, "
                "receipt_state, intent_id, reference_code, data, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (txn, method, amount_cents, M.RESERVED, R.NONE, intent_id,
                 self._reference_code(db), json.dumps(data, ensure_ascii=False), now, now))
            self._event(db, txn, "money", None, M.RESERVED)
        crash.crash_point("RESERVED:after")
        return self.get(txn)

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
        return self._transition(client_txn_id, new_state, note, fields)

    def set_receipt_state(self, client_txn_id: str, new_state: ReceiptState,
                          *, note: str = "") -> PaymentEntry:
        new_state = ReceiptState(new_state)
        crash.crash_point(f"receipt-{new_state}:before")
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
        crash.crash_point(f"receipt-{new_state}:after")
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

    # -- audit ---------------------------------------------------------------------------------
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

    def iter_rows(self, table: str) -> Iterator[sqlite3.Row]:
        """Raw rows for diagnostics and tests (table name from a fixed set)."""
        if table not in TABLES:
            raise JournalError(table)
        with self._lock:
            rows = self._db.execute(f"SELECT * FROM {table}").fetchall()
        yield from rows
