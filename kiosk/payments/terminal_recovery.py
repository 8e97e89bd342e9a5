"""Start-up (and before-each-payment) recovery of card payments whose answer was never journaled.

For every card entry left SENT_TO_TERMINAL or UNKNOWN (a crash, a lost answer) the terminal is asked
with TransactionStatus, a new ServiceID each time, and the journal moves as the answer allows:
approved -> APPROVED; declined / cancelled -> DECLINED / CANCELLED; NotFound -> VOID (never
approved); partial -> REVERSAL_PENDING -> Reversal -> REVERSED; still unknown at the deadline ->
MANUAL_REVIEW. RESERVED entries are not the terminal's business (the flow releases the reservation).

A REVERSAL_PENDING entry may have been reversed at the terminal already (the kiosk died before
REVERSED was journaled): its earlier Reversals are asked about by TransactionStatus first, and only
a partial approval whose earlier Reversals surely moved no money is reversed anew. An interrupted
staff refund is only confirmed, never sent again; if the terminal cannot say, the entry waits for a
person (`kiosk journal resolve ID --as reversed` after checking with the acquirer).

The terminal work itself is `TerminalService`'s (kiosk.payments.terminal_service, which calls this module):
here it is reached through the `Settler` protocol, so the two modules import one way only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from kiosk.journal import AsyncJournal, MoneyState, PaymentEntry
from kiosk.terminal.base import OutcomeStatus, TerminalOutcome

M = MoneyState


@dataclass(frozen=True)
class RecoveryResult:
    client_txn_id: str
    before: MoneyState
    after: MoneyState
    outcome: TerminalOutcome | None


class Settler(Protocol):
    """What recovery needs from the terminal service (kiosk.payments.terminal_service.TerminalService)."""

    async def settle(self, entry: PaymentEntry, sid: str, out: TerminalOutcome, *,
                     after_crash: bool) -> TerminalOutcome: ...

    async def retry_reversal(self, txn: str, out: TerminalOutcome) -> TerminalOutcome: ...

    async def confirm_reversal(self, client_txn_id: str) -> TerminalOutcome | None: ...


async def recover_entries(journal: AsyncJournal, settler: Settler, *,
                          exclude: Iterable[str] = ()) -> list[RecoveryResult]:
    """Resolve every unfinished card entry the terminal may still know about, oldest first."""
    skip = set(exclude)
    results: list[RecoveryResult] = []
    entries = await journal.unfinished()
    for entry in sorted(entries, key=lambda e: e.created_at):
        if entry.method != "card" or entry.client_txn_id in skip:
            continue
        before = entry.money_state
        outcome: TerminalOutcome | None = None
        if before in (M.SENT_TO_TERMINAL, M.UNKNOWN):
            if not entry.service_id:
                # SENT_TO_TERMINAL is written with the ServiceID before the POST: nothing was sent.
                await journal.transition(entry.client_txn_id, M.VOID,
                                         note="no ServiceID: never sent")
            else:
                pending = TerminalOutcome(OutcomeStatus.UNKNOWN, service_id=entry.service_id,
                                          requested_cents=entry.amount_cents)
                outcome = await settler.settle(entry, entry.service_id, pending, after_crash=True)
        elif before is M.REVERSAL_PENDING and entry.terminal and \
                entry.terminal.get("status") == OutcomeStatus.PARTIAL.value:
            outcome = await settler.retry_reversal(entry.client_txn_id,
                                                   TerminalOutcome.from_dict(entry.terminal))
        elif before is M.REVERSAL_PENDING:
            outcome = await settler.confirm_reversal(entry.client_txn_id)
        else:
            continue
        after = (await journal.get(entry.client_txn_id)).money_state
        results.append(RecoveryResult(entry.client_txn_id, before, after, outcome))
    return results
