"""The kiosk's journal: the durable record of every money-moving step (docs/architecture.md,
"Money and receipt states").

SQLite in WAL mode with `synchronous=FULL`: a step is on disk before the external call it announces
is made, and its result after. Money and receipt are two independent tracks of one payment; the
allowed transitions are a table, so an impossible jump (say, posting a declined payment) is refused
instead of recorded. The same file is the outbox for postings, applications and service events while
the gateway is down.

Parts: `states` (the tracks and their graph), `schema` (tables, durable connection), `base`
(transactions, the money step), `numbers` (ServiceIDs, receipt numbers, slip references), `outbox`,
`purge` (personal data past retention), `store` (`Journal`, all of it together) and `aio`
(`AsyncJournal`, the one way in from the asyncio loop).
"""

from __future__ import annotations

from kiosk.journal.aio import AsyncJournal
from kiosk.journal.crash import CRASH_ENV, crash_point
from kiosk.journal.purge import PERSONAL_KEYS
from kiosk.journal.states import (
    MONEY_NEEDS_RECEIPT,
    MONEY_SETTLED,
    MONEY_TRANSITIONS,
    RECEIPT_TRANSITIONS,
    JournalError,
    MoneyState,
    OutboxItem,
    PaymentEntry,
    ReceiptState,
    TransitionError,
)
from kiosk.journal.store import Journal

__all__ = [
    "CRASH_ENV",
    "MONEY_NEEDS_RECEIPT",
    "MONEY_SETTLED",
    "MONEY_TRANSITIONS",
    "PERSONAL_KEYS",
    "RECEIPT_TRANSITIONS",
    "AsyncJournal",
    "Journal",
    "JournalError",
    "MoneyState",
    "OutboxItem",
    "PaymentEntry",
    "ReceiptState",
    "TransitionError",
    "crash_point",
]
