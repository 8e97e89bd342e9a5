"""Identifiers handed out by the journal: terminal ServiceIDs, receipt numbers, slip references.

Each comes from a counter in the same transaction as the row that uses it, so numbers are gap-free
and never reused; the kiosk's generation (bumped when a kiosk is re-provisioned on a new disk) keeps
them unique across journals (docs/architecture.md, "Personal data and identifiers").
"""

from __future__ import annotations

import sqlite3

from kiosk.journal.base import JournalBase
from kiosk.journal.states import JournalError

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def base36(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = _ALPHABET[r] + out
    return out.rjust(width, "0")


class NumbersMixin(JournalBase):
    def allocate_service_id(self, client_txn_id: str | None, purpose: str) -> str:
        """A new nexo ServiceID (<= 10 chars), on disk before it is returned and never reused.

        Two base-36 characters of generation + eight of sequence: unique across re-provisioning.
        """
        with self._tx() as db:
            seq = self._next(db, "service_id")
            sid = base36(self.generation, 2) + base36(seq, 8)
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
        return f"U{base36(self.generation, 2)}{base36(seq, 5)}"

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
