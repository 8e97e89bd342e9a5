"""The posting outbox: what the gateway must hear after the card — the approved payment (posting)
and the release of a reservation that was not used.

Each request is queued in the journal first under its idempotency key and sent from there, so a
crash or an outage only delays it; the same key and the same body on every retry let the gateway
de-duplicate. A request the gateway refuses for good (a non-retryable 4xx, or a body that no longer
validates) is not sent again: the gateway stores that answer under the key and would repeat it
for ever. Neither is one that failed `max_attempts` times. A posting given up that way leaves
POST_PENDING for MANUAL_REVIEW with its reason (`kiosk journal list`); a release given up is
dropped, as the reservation lapses at its TTL anyway (docs/architecture.md, "Money and receipt
states").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from common.clock import Clock
from common.schema import AllocationIn, PaymentRequest, TerminalRef
from kiosk.gateway_client import GatewayClient, GatewayError, GatewayRetryable
from kiosk.journal import AsyncJournal, MoneyState, OutboxItem, PaymentEntry
from kiosk.terminal.base import TerminalOutcome

log = logging.getLogger(__name__)
M = MoneyState

PAYMENT, RELEASE = "payment", "intent-release"
DEFAULT_MAX_ATTEMPTS = 50
# A cash posting goes with the desk's session or its intent's posting proof (kiosk.payments.cash):
# without either, or with ones the gateway no longer accepts, it stays queued rather than going
# to review.
NO_OPERATOR_SESSION = "operator-session-required"
_SESSION_REFUSED = frozenset({401, 403})


def posting_key(client_txn_id: str) -> str:
    return f"{client_txn_id}:post"


def release_key(client_txn_id: str) -> str:
    return f"{client_txn_id}:release"


def failure_of(exc: Exception) -> tuple[str, bool]:
    """(the error as the journal records it, refused for good?).

    Like ApplicationService: retryable, unanswered (status 0) and 5xx answers may go through
    later; any other gateway answer is final. A stored body that fails validation never will.
    """
    if isinstance(exc, GatewayError):
        final = not (exc.retryable or exc.status == 0 or exc.status >= 500)
        return exc.code, final
    if isinstance(exc, ValidationError):
        return "validation-error", True
    return str(getattr(exc, "code", type(exc).__name__)), False


class PostingOutbox:
    def __init__(self, journal: AsyncJournal, gateway: GatewayClient, *, clock: Clock,
                 terminal_id: str = "", max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> None:
        self.journal = journal
        self.gateway = gateway
        self.clock = clock
        self.terminal_id = terminal_id
        self.max_attempts = max_attempts
        # The desk's current operator session (kiosk.desk): cash is posted only on its behalf.
        self.operator_session: Callable[[], str | None] = lambda: None

    # -- after the terminal approved -----------------------------------------------------------
    async def mark_approved(self, txn: str) -> None:
        """Fix the approval time and the receipt number once (posting, original and copies agree)."""
        entry = await self.journal.get(txn)
        if "approved_at" not in entry.data:
            await self.journal.transition(txn, M.APPROVED, data_update={
                "approved_at": self.clock.now().isoformat()})
        await self.journal.assign_receipt_no(txn)

    def payment_request(self, entry: PaymentEntry) -> PaymentRequest:
        outcome = TerminalOutcome.from_dict(entry.terminal) if entry.terminal else None
        terminal = None
        if outcome is not None:
            terminal = TerminalRef(terminal_id=self.terminal_id or None,
                                   transaction_id=outcome.transaction_id or None,
                                   approval_code=outcome.approval_code or None,
                                   card_last4=outcome.last4 or None,
                                   card_brand=outcome.brand or None,
                                   service_id=outcome.service_id or None)
        return PaymentRequest(
            client_txn_id=entry.client_txn_id, method=entry.method,  # type: ignore[arg-type]
            amount_cents=entry.amount_cents,
            approved_at=datetime.fromisoformat(entry.data.get("approved_at")
                                               or entry.updated_at.isoformat()),
            allocations=[AllocationIn(invoice_id=ln["invoice_id"], amount_cents=ln["amount_cents"])
                         for ln in entry.data.get("lines", [])] or None,
            terminal=terminal, receipt_no=entry.receipt_no)

    async def post(self, entry: PaymentEntry) -> bool:
        """Queue the posting durably, then send what is queued; True once POSTED."""
        if entry.money_state is M.POSTED:
            return True
        request = self.payment_request(entry)
        # reopen: only an APPROVED / POST_PENDING entry is posted, so a posting given up earlier
        # belongs to a case a person (or a later terminal status) has since approved again.
        await self.journal.outbox_put(PAYMENT, posting_key(entry.client_txn_id),
                                      request.model_dump(mode="json"), reopen=True)
        await self.flush(kinds=(PAYMENT,))
        return (await self.journal.get(entry.client_txn_id)).money_state is M.POSTED

    # -- not charged ---------------------------------------------------------------------------
    async def void(self, entry: PaymentEntry, *, note: str) -> None:
        """Not charged: close the entry and release the reservation."""
        await self.journal.transition(entry.client_txn_id, M.VOID, note=note)
        await self.release(entry)

    async def release(self, entry: PaymentEntry) -> None:
        await self.queue_release(entry.client_txn_id)
        await self.flush(kinds=(RELEASE,))

    async def queue_release(self, txn: str) -> None:
        await self.journal.outbox_put(RELEASE, release_key(txn), {"client_txn_id": txn})

    # -- sending -------------------------------------------------------------------------------
    async def flush(self, kinds: tuple[str, ...] = (PAYMENT, RELEASE)) -> int:
        """Send what the outbox holds of these kinds; returns how many went through."""
        sent = 0
        for item in await self.journal.outbox_pending():
            if item.kind not in kinds:
                continue
            try:
                await self._send(item)
            except Exception as exc:
                await self._failed(item, exc)
                continue
            if item.kind == PAYMENT:
                await self.journal.transition(item.body.get("client_txn_id", ""), M.POSTED)
            await self.journal.outbox_done(item.id)
            sent += 1
        return sent

    async def _send(self, item: OutboxItem) -> None:
        if item.kind == PAYMENT:
            req = PaymentRequest.model_validate(item.body)
            session: dict[str, str] = {}
            if req.method == "cash":
                # The desk's session if one is open; else the posting proof the intent answered
                # (journaled with the payment), which covers the cash after the desk locked.
                token = self.operator_session()
                proof = (await self.journal.get(req.client_txn_id)).data.get("posting_proof")
                if not token and not proof:
                    raise GatewayRetryable(NO_OPERATOR_SESSION, 0, True)
                if token:
                    session["operator_session"] = token
                if proof:
                    session["posting_proof"] = proof
            await self.gateway.post_payment(
                req.client_txn_id, method=req.method, amount_cents=req.amount_cents,
                approved_at=req.approved_at, allocations=req.allocations,
                terminal=req.terminal, receipt_no=req.receipt_no, idempotency_key=item.key,
                **session)
        else:
            await self.gateway.release_intent(item.body.get("client_txn_id", ""),
                                              idempotency_key=item.key)

    async def _failed(self, item: OutboxItem, exc: Exception) -> None:
        code, final = failure_of(exc)
        if item.body.get("method") == "cash" and getattr(exc, "status", 0) in _SESSION_REFUSED:
            final = False  # the session ended or is not this location's: wait for another one
        if item.kind == RELEASE and code == "intent-not-found":
            # The kiosk stopped before the reservation was made: nothing to release.
            await self.journal.outbox_done(item.id)
            return
        attempts = item.attempts + 1
        if not final and attempts < self.max_attempts:
            await self.journal.outbox_failed_attempt(item.id, code)
            if item.kind == PAYMENT:
                await self._defer(item, f"posting deferred: {code}")
            return
        what = "posting" if item.kind == PAYMENT else "reservation release"
        reason = (f"{what} refused by the gateway for good: {code}" if final
                  else f"{what} gave up after {attempts} attempts: {code}")
        log.warning("%s (%s)", reason, item.key)
        if item.kind != PAYMENT:
            await self.journal.outbox_give_up(item.id, reason)
            return
        entry = await self._defer(item, f"posting deferred: {code}")
        if entry.money_state is M.POST_PENDING:
            await self.journal.give_up_posting(entry.client_txn_id, item.id, reason)
        else:  # closed some other way meanwhile (POSTED, resolved by hand): just stop sending
            await self.journal.outbox_give_up(item.id, reason)

    async def _defer(self, item: OutboxItem, note: str) -> PaymentEntry:
        """APPROVED -> POST_PENDING: the receipt says "awaiting confirmation"."""
        txn = item.body.get("client_txn_id", "")
        entry = await self.journal.get(txn)
        if entry.money_state is M.APPROVED:
            entry = await self.journal.transition(txn, M.POST_PENDING, note=note)
        return entry
