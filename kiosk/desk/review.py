"""The review queue: every case that waits for a person, and the action that resolves each.

Cases come from the journal (card outcomes unknown, postings in MANUAL_REVIEW, postings not yet
confirmed, reversals the terminal did not confirm, receipts not printed, reversals to report),
from the application outbox (applications waiting for an ID check) and from the printer's spool
(other papers not printed). An action moves the money track only along the journal's graph, and
every action is an audit line with the operator and the reason (docs/architecture.md, "The
librarian's desk" and "Money and receipt states").

A refund is a Reversal through the terminal, for a card payment of the same day only: the report
to the gateway is queued in the journal first (outbox kind `reversal-record`) and sent once the
terminal confirmed, so a crash between the two cannot lose it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from common.clock import RIGA, Clock
from common.i18n import N_
from common.schema import ApplicationReceipt
from kiosk.desk.session import TRACK
from kiosk.journal import MoneyState, PaymentEntry, ReceiptState
from kiosk.payments.receipts import approved_day
from kiosk.payments.result import Verdict
from kiosk.terminal.base import OutcomeStatus

if TYPE_CHECKING:
    from kiosk.applications.service import ApplicationService, OperatorSend
    from kiosk.gateway_client import GatewayClient
    from kiosk.journal import AsyncJournal
    from kiosk.payments.card import PaymentService
    from kiosk.payments.terminal_service import TerminalService
    from printer.service import ReceiptPrinter

log = logging.getLogger(__name__)
M, R = MoneyState, ReceiptState
REVERSAL_RECORD = "reversal-record"


class Kind(StrEnum):
    UNKNOWN = "unknown"  # the terminal's answer was lost (MANUAL_REVIEW, no receipt number)
    POSTING = "posting"  # a posting refused for good or given up (MANUAL_REVIEW with a receipt)
    AWAITING = "awaiting"  # approved, the gateway has not confirmed it yet (cash waits for a session)
    REVERSAL = "reversal"  # a Reversal the terminal did not confirm (REVERSAL_PENDING)
    REPORT = "report"  # a refund the gateway has not heard of yet
    PRINT = "print"  # a payment receipt not printed
    DOCUMENT = "document"  # another paper still in the printer's spool
    IDENTITY = "identity"  # an application waiting for the librarian's ID check


KIND_TITLES: dict[Kind, str] = {
    Kind.UNKNOWN: N_("Card payment: outcome unknown"),
    Kind.POSTING: N_("Payment the municipality has not accepted"),
    Kind.AWAITING: N_("Payment waiting for the municipality"),
    Kind.REVERSAL: N_("Refund not confirmed by the terminal"),
    Kind.REPORT: N_("Refund not yet reported to the municipality"),
    Kind.PRINT: N_("Receipt not printed"),
    Kind.DOCUMENT: N_("Paper not printed"),
    Kind.IDENTITY: N_("Application waiting for an ID check"),
}
ACTIONS: dict[str, str] = {
    "ask-terminal": N_("Ask the terminal again"),
    "charged": N_("The card was charged"),
    "not-charged": N_("The card was not charged"),
    "post-again": N_("Send to the municipality again"),
    "refund": N_("Refund to the card"),
    "send-now": N_("Send now"),
    "returned": N_("The money was returned"),
    "reprint": N_("Print again"),
    "confirm-identity": N_("ID checked: confirm"),
}
# Actions that decide about money: the librarian chooses why (journaled with their name).
REASONS: dict[str, tuple[str, ...]] = {
    "charged": (N_("The terminal's own slip shows it approved"),
                N_("The bank confirmed the charge")),
    "not-charged": (N_("The terminal's own slip shows it declined"),
                    N_("The bank confirmed there was no charge")),
    "returned": (N_("The terminal's own slip shows the reversal"),
                 N_("The bank confirmed the return")),
    "refund": (N_("Paid twice by mistake"), N_("Wrong invoice paid"),
               N_("The resident cancelled the payment")),
    "post-again": (N_("The municipality asked for it again"),),
}


@dataclass(frozen=True)
class ReviewItem:
    kind: Kind
    key: str  # client_txn_id, application id or spool job id
    when: datetime
    actions: tuple[str, ...]
    amount_cents: int = 0
    method: str = ""
    receipt_no: str = ""
    reference: str = ""
    note: str = ""  # why it is here (the journal's note: never personal data)
    title: str = ""  # an application's title, a paper's kind


def _payment_items(e: PaymentEntry, reports: set[str], today: date) -> list[ReviewItem]:
    def item(kind: Kind, *actions: str) -> ReviewItem:
        return ReviewItem(kind, e.client_txn_id, e.updated_at, actions,
                          amount_cents=e.amount_cents, method=e.method,
                          receipt_no=e.receipt_no or "", reference=e.reference_code, note=e.note)

    card_today = e.method == "card" and bool(e.terminal) and approved_day(e) == today
    items = []
    if e.money_state is M.MANUAL_REVIEW and e.receipt_no is None:
        items.append(item(Kind.UNKNOWN, "ask-terminal", "charged", "not-charged"))
    elif e.money_state is M.MANUAL_REVIEW:
        items.append(item(Kind.POSTING, *(("post-again", "refund") if card_today
                                          else ("post-again",))))
    elif e.money_state in (M.APPROVED, M.POST_PENDING):
        items.append(item(Kind.AWAITING, "send-now"))
    elif e.money_state is M.REVERSAL_PENDING:
        items.append(item(Kind.REVERSAL, "ask-terminal", "returned"))
    elif e.money_state is M.REVERSED and e.client_txn_id in reports:
        items.append(item(Kind.REPORT, "send-now"))
    if e.owes_receipt and e.receipt_state is R.PRINT_FAILED:
        items.append(item(Kind.PRINT, "reprint"))
    return items


class ReviewQueue:
    def __init__(self, journal: AsyncJournal, payments: PaymentService,
                 terminal: TerminalService, applications: ApplicationService,
                 printer: ReceiptPrinter, gateway: GatewayClient, clock: Clock) -> None:
        self.journal = journal
        self.clock = clock
        self.payments = payments
        self.terminal = terminal
        self.applications = applications
        self.printer = printer
        self.gateway = gateway

    def today(self) -> date:
        """Today in Europe/Riga: the day a same-day refund is allowed."""
        return self.clock.now().astimezone(RIGA).date()

    # -- the list ------------------------------------------------------------------------------
    async def items(self) -> list[ReviewItem]:
        today = self.today()
        reports = {i.body.get("client_txn_id", "")
                   for i in await self.journal.outbox_pending(REVERSAL_RECORD)}
        items: list[ReviewItem] = []
        for e in await self.journal.payments():
            items += _payment_items(e, reports, today)
        for held in await self.applications.identity_queue():
            items.append(ReviewItem(Kind.IDENTITY, held.application_id, held.created_at,
                                    ("confirm-identity",), title=held.title))
        for job in self.printer.spool.pending():
            if job.kind != "payment":  # payment receipts are on the journal's receipt track
                items.append(ReviewItem(Kind.DOCUMENT, job.job_id,
                                        datetime.fromisoformat(job.created_at), ("reprint",),
                                        note=job.last_error, title=job.kind))
        return sorted(items, key=lambda i: i.when)

    # -- resolving -----------------------------------------------------------------------------
    async def act(self, item: ReviewItem, action: str, *, operator: str, session: str,
                  reason: str = "", lang: str = "lv") -> str:
        """Do `action` on `item`; a code for the desk's message. Logged with operator and reason."""
        if action not in item.actions:
            raise ValueError(f"{action} does not resolve {item.kind}")
        if action in REASONS and reason not in REASONS[action]:
            raise ValueError(f"{action} needs one of its reasons")
        txn = item.key if item.kind not in (Kind.IDENTITY, Kind.DOCUMENT) else None
        await self.journal.log_event(TRACK, f"REVIEW_{action.upper()}", client_txn_id=txn,
                                     note=f"{operator}: {reason or item.kind.value}")
        try:
            return await self._act(item, action, operator, session, reason, lang)
        except Exception:
            log.exception("review action %s on %s failed", action, item.kind)
            return "resolve-failed"

    async def _act(self, item: ReviewItem, action: str, operator: str, session: str,
                   reason: str, lang: str) -> str:
        p, key = self.payments, item.key
        note = f"resolved at the desk by {operator}: {reason}"
        if action == "reprint" and item.kind is Kind.DOCUMENT:
            await self.printer.reprint(key)
            return "reprinted"
        if action == "reprint":
            return "reprinted" if await p.reprint(key, lang=lang) else "print-failed"
        if action == "confirm-identity":
            await self.applications.confirm_identity(key, operator,
                                                     send=self.operator_send(session))
            return "identity-confirmed"
        if action == "send-now" and item.kind is Kind.REPORT:
            return await self.report_reversals(session)
        entry = await self.journal.get(key)
        if action == "ask-terminal" and item.kind is Kind.REVERSAL:
            outcome = await self.terminal.confirm_reversal(key)
            if outcome is None or outcome.status is not OutcomeStatus.APPROVED:
                return "resolve-failed"
            return await self._after_reversal(entry, session)
        if action == "ask-terminal":
            result = await p.resolve_reference(entry.reference_code, lang=lang)
            return "resolve-failed" if result is None or result.verdict is Verdict.UNKNOWN \
                else "resolved"
        if action == "not-charged":
            await p.posting.void(entry, note=note)
            return "resolved"
        if action == "returned":
            await self.journal.transition(key, M.REVERSED, note=note)
            return await self._after_reversal(entry, session)
        if action in ("charged", "post-again"):
            await self.journal.transition(key, M.APPROVED, note=note)
            await p.posting.mark_approved(key)
            posted = await p.posting.post(await self.journal.get(key))
            entry = await self.journal.get(key)
            if entry.owes_receipt and entry.receipt_state is R.NONE:
                await p.paper.print_receipt(entry, lang=lang, duplicate=False)
            return "resolved" if posted else "paid-awaiting"
        if action == "send-now":
            return "resolved" if await p.posting.post(entry) else "resolve-failed"
        if action == "refund":
            return await self.refund(key, operator=operator, session=session, reason=reason)
        raise ValueError(action)

    def operator_send(self, session: str) -> OperatorSend:
        """An application submitted on the operator's session (the gateway trusts their ID check
        only there; kiosk.applications.service.OperatorSend)."""

        async def send(body: dict[str, Any], key: str) -> ApplicationReceipt:
            return await self.gateway.submit_application_as_operator(session, body,
                                                                     idempotency_key=key)
        return send

    # -- refunds ---------------------------------------------------------------------------------
    async def refund(self, txn: str, *, operator: str, session: str, reason: str) -> str:
        """Give a card payment of today back through the terminal (a Reversal)."""
        entry = await self.journal.get(txn)
        if entry.method != "card" or not entry.terminal or \
                approved_day(entry) != self.today():
            return "refund-not-today"
        if entry.money_state not in (M.POSTED, M.MANUAL_REVIEW):
            return "resolve-failed"
        if entry.money_state is M.POSTED:
            # Journaled before the terminal moves money: the gateway hears of it even after a crash.
            await self.journal.outbox_put(REVERSAL_RECORD, f"{txn}:reversal",
                                          {"client_txn_id": txn, "reason": reason,
                                           "operator": operator})
        else:  # never posted: back to APPROVED (the graph's way to a reversal), then reverse
            await self.journal.transition(txn, M.APPROVED,
                                          note=f"refund at the desk by {operator}: {reason}")
        outcome = await self.terminal.refund(txn)
        if outcome.status is not OutcomeStatus.APPROVED:
            return "refund-failed"
        code = await self._after_reversal(entry, session)
        return "refunded" if code == "resolved" else code

    async def _after_reversal(self, before: PaymentEntry, session: str) -> str:
        """The money is back: the gateway hears of a posted payment's reversal; a payment it
        never had loses its reservation instead."""
        txn = before.client_txn_id
        reports = [i for i in await self.journal.outbox_pending(REVERSAL_RECORD)
                   if i.body.get("client_txn_id") == txn]
        if reports:
            return await self.report_reversals(session)
        await self.payments.posting.queue_release(txn)
        await self.payments.flush_outbox()
        return "resolved"

    async def report_reversals(self, session: str) -> str:
        """Send the queued reversal reports whose reversal the journal confirmed."""
        failed = False
        for item in await self.journal.outbox_pending(REVERSAL_RECORD):
            txn = item.body.get("client_txn_id", "")
            if (await self.journal.get(txn)).money_state is not M.REVERSED:
                continue
            entry = await self.journal.get(txn)
            try:
                await self.gateway.record_reversal(
                    session, txn, reason=item.body["reason"], reversed_at=entry.updated_at,
                    idempotency_key=item.key,
                    terminal=self.payments.posting.payment_request(entry).terminal)
            except Exception as exc:
                log.warning("reversal report of %s not sent: %s", txn,
                            getattr(exc, "code", exc))
                await self.journal.outbox_failed_attempt(item.id, str(getattr(exc, "code", exc)))
                failed = True
                continue
            await self.journal.outbox_done(item.id)
        return "resolve-failed" if failed else "resolved"
