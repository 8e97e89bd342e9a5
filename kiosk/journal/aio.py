"""`AsyncJournal`: the journal as the asyncio loop sees it.

Every journal write is an fsync (synchronous=FULL) and a read can walk every payment, so none may
run on the loop, where it would freeze the screens. Code on the loop reaches the journal only
through this class: each call goes to a worker thread in one place, `_off_loop`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from kiosk.journal.states import MoneyState, OutboxItem, PaymentEntry, ReceiptState
from kiosk.journal.store import Journal

P = ParamSpec("P")
T = TypeVar("T")


class AsyncJournal:
    def __init__(self, journal: Journal) -> None:
        self.sync = journal  # the blocking journal, for code that is not on the loop

    @staticmethod
    async def _off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    # -- payments ------------------------------------------------------------------------------
    async def get(self, client_txn_id: str) -> PaymentEntry:
        return await self._off_loop(self.sync.get, client_txn_id)

    async def begin_payment(self, *, amount_cents: int, method: str,
                            data: dict[str, Any]) -> PaymentEntry:
        return await self._off_loop(self.sync.begin_payment, amount_cents=amount_cents,
                                    method=method, data=data)

    async def transition(self, client_txn_id: str, new_state: MoneyState, *, note: str = "",
                         **fields: Any) -> PaymentEntry:
        return await self._off_loop(self.sync.transition, client_txn_id, new_state, note=note,
                                    **fields)

    async def set_receipt_state(self, client_txn_id: str, new_state: ReceiptState, *,
                                note: str = "") -> PaymentEntry:
        return await self._off_loop(self.sync.set_receipt_state, client_txn_id, new_state,
                                    note=note)

    async def find_by_reference(self, reference_code: str) -> PaymentEntry | None:
        return await self._off_loop(self.sync.find_by_reference, reference_code)

    async def payments(self, *, states: set[MoneyState] | None = None,
                       updated_since: datetime | None = None) -> list[PaymentEntry]:
        return await self._off_loop(self.sync.payments, states=states,
                                    updated_since=updated_since)

    async def unfinished(self) -> list[PaymentEntry]:
        return await self._off_loop(self.sync.unfinished)

    # -- identifiers ---------------------------------------------------------------------------
    async def allocate_service_id(self, client_txn_id: str | None, purpose: str) -> str:
        return await self._off_loop(self.sync.allocate_service_id, client_txn_id, purpose)

    async def service_ids_for(self, client_txn_id: str) -> list[tuple[str, str]]:
        return await self._off_loop(self.sync.service_ids_for, client_txn_id)

    async def assign_receipt_no(self, client_txn_id: str) -> str:
        return await self._off_loop(self.sync.assign_receipt_no, client_txn_id)

    # -- outbox --------------------------------------------------------------------------------
    async def outbox_put(self, kind: str, key: str, body: dict[str, Any], *,
                         reopen: bool = False) -> int:
        return await self._off_loop(self.sync.outbox_put, kind, key, body, reopen=reopen)

    async def outbox_pending(self, kind: str | None = None) -> list[OutboxItem]:
        return await self._off_loop(self.sync.outbox_pending, kind)

    async def outbox_failed_attempt(self, item_id: int, error: str) -> None:
        await self._off_loop(self.sync.outbox_failed_attempt, item_id, error)

    async def outbox_done(self, item_id: int) -> None:
        await self._off_loop(self.sync.outbox_done, item_id)

    async def outbox_give_up(self, item_id: int, reason: str) -> None:
        await self._off_loop(self.sync.outbox_give_up, item_id, reason)

    async def give_up_posting(self, client_txn_id: str, item_id: int,
                              reason: str) -> PaymentEntry:
        return await self._off_loop(self.sync.give_up_posting, client_txn_id, item_id, reason)

    # -- audit ---------------------------------------------------------------------------------
    async def log_event(self, track: str, state: str, *, note: str = "",
                        client_txn_id: str | None = None) -> None:
        """An audit line for a person's action (the librarian's desk, a resolution by hand)."""
        await self._off_loop(self.sync.log_event, track, state, note=note,
                             client_txn_id=client_txn_id)

    async def events(self, client_txn_id: str | None = None) -> list[dict[str, Any]]:
        return await self._off_loop(self.sync.events, client_txn_id)

    # -- housekeeping --------------------------------------------------------------------------
    async def purge_personal_data(self, retention_days: int) -> int:
        return await self._off_loop(self.sync.purge_personal_data, retention_days)

    async def close(self) -> None:
        await self._off_loop(self.sync.close)
