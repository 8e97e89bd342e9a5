"""Personal data leaves the journal after the retention period (docs/architecture.md, "Personal
data and identifiers")."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

from kiosk.journal.base import JournalBase
from kiosk.journal.states import MONEY_SETTLED, MoneyState

# Keys of a payment's `data` that can name or identify a person; wiped after the retention period.
PERSONAL_KEYS = ("payer_names", "payer_name", "invoices_personal", "contact")


class PurgeMixin(JournalBase):
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
