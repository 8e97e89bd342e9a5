"""The journal as outbox: requests for the gateway (postings, reservation releases, applications)
kept under their idempotency key until they are answered, or given up on.

An item is `pending` until sent, then `done`; `given_up` when the gateway refused it for good or it
failed too often, so it is not retried by itself (docs/architecture.md, "Money and receipt states").
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from kiosk.journal.base import JournalBase
from kiosk.journal.states import MoneyState, OutboxItem, PaymentEntry


class OutboxMixin(JournalBase):
    def outbox_put(self, kind: str, key: str, body: dict[str, Any], *,
                   reopen: bool = False) -> int:
        """Queue a request for the gateway under its idempotency key (a repeat key is a no-op).

        reopen: an item given up under this key goes back to pending, same body (a person
        resolved the case, so sending it again is wanted).
        """
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO outbox (kind, key, body, created_at) "
                       "VALUES (?, ?, ?, ?)",
                       (kind, key, json.dumps(body, ensure_ascii=False), self._now()))
            if reopen:
                db.execute("UPDATE outbox SET state = 'pending', attempts = 0 "
                           "WHERE key = ? AND state = 'given_up'", (key,))
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

    def outbox_give_up(self, item_id: int, reason: str) -> None:
        """Stop sending an item: its last attempt failed for good (reason kept as last_error)."""
        with self._tx() as db:
            self._give_up(db, item_id, reason)

    def give_up_posting(self, client_txn_id: str, item_id: int, reason: str) -> PaymentEntry:
        """POST_PENDING -> MANUAL_REVIEW with the reason, and the posting item given up.

        One transaction: a crash can leave neither a review case whose posting is still sent nor
        a pending posting with nothing left in the outbox to send it.
        """
        return self._transition(client_txn_id, MoneyState.MANUAL_REVIEW, reason, {},
                                also=lambda db: self._give_up(db, item_id, reason))

    def _give_up(self, db: sqlite3.Connection, item_id: int, reason: str) -> None:
        db.execute("UPDATE outbox SET state = 'given_up', attempts = attempts + 1, "
                   "last_error = ? WHERE id = ?", (reason[:500], item_id))
