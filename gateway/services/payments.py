"""Reservations (payment intents) and postings of approved payments.

Reservation refuses conflicts before the card is touched. Posting never refuses for a business
reason: whatever cannot be allocated (intent expired and invoice since paid, amount over the
balance, unknown invoice) becomes credit flagged for staff, because the money has already moved.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.invoice_codes import CodeError, normalise_check, normalise_notice
from common.schema import (
    AllocationOut,
    ErrorCode,
    IntentItemIn,
    IntentItemOut,
    Payment,
    PaymentIntent,
    PaymentIntentRequest,
    PaymentLookupResponse,
    PaymentRequest,
)
from gateway.models import Allocation, IntentItem, Invoice, Kiosk, PaymentIntentRow, PaymentRow
from gateway.problems import ProblemError
from gateway.services import check_limits
from gateway.services.invoices import find_checked


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(10)}"


def intent_status(row: PaymentIntentRow, now: datetime) -> str:
    if row.status == "active" and row.expires_at <= now:
        return "expired"
    return row.status


def intent_view(row: PaymentIntentRow, now: datetime) -> PaymentIntent:
    return PaymentIntent(
        intent_id=row.id,
        client_txn_id=row.client_txn_id,
        status=intent_status(row, now),  # type: ignore[arg-type]
        created_at=row.created_at,
        expires_at=row.expires_at,
        total_cents=row.total_cents,
        items=[
            IntentItemOut(
                invoice_id=it.invoice_id,
                notice_number=it.invoice.notice_number,
                service=it.invoice.service,  # type: ignore[arg-type]
                creditor_id=it.invoice.creditor_id,
                amount_cents=it.amount_cents,
            )
            for it in row.items
        ],
    )


def payment_view(row: PaymentRow) -> Payment:
    allocated = sum(a.amount_cents for a in row.allocations)
    return Payment(
        payment_id=row.id,
        client_txn_id=row.client_txn_id,
        intent_id=row.intent_id,
        method=row.method,  # type: ignore[arg-type]
        amount_cents=row.amount_cents,
        allocated_cents=allocated,
        credit_cents=row.credit_cents,
        needs_review=row.needs_review,
        flags=[f for f in row.flags.split(",") if f],
        allocations=[
            AllocationOut(
                invoice_id=a.invoice_id,
                notice_number=a.invoice.notice_number,
                service=a.invoice.service,  # type: ignore[arg-type]
                creditor_id=a.invoice.creditor_id,
                amount_cents=a.amount_cents,
            )
            for a in row.allocations
        ],
        approved_at=row.approved_at,
        posted_at=row.posted_at,
        receipt_no=row.receipt_no,
    )


def _live_reservation(session: Session, invoice_id: str, now: datetime, exclude: str | None) -> bool:
    stmt = (
        select(PaymentIntentRow.id)
        .join(IntentItem, IntentItem.intent_id == PaymentIntentRow.id)
        .where(
            IntentItem.invoice_id == invoice_id,
            PaymentIntentRow.status == "active",
            PaymentIntentRow.expires_at > now,
        )
    )
    if exclude:
        stmt = stmt.where(PaymentIntentRow.id != exclude)
    return session.execute(stmt.limit(1)).first() is not None


def _lock_invoices(session: Session, ids: list[str]) -> dict[str, Invoice]:
    # Sorted, so two transactions locking overlapping sets cannot deadlock.
    rows = session.execute(
        select(Invoice).where(Invoice.id.in_(sorted(ids))).order_by(Invoice.id).with_for_update(of=Invoice)
    ).unique().scalars().all()
    return {r.id: r for r in rows}


def find_intent(session: Session, kiosk_id: str, client_txn_id: str) -> PaymentIntentRow | None:
    return session.execute(
        select(PaymentIntentRow).where(
            PaymentIntentRow.kiosk_id == kiosk_id, PaymentIntentRow.client_txn_id == client_txn_id
        )
    ).scalar_one_or_none()


class CheckFailed(ProblemError):
    """An intent item that names an invoice this kiosk may not reserve: answered like an unknown
    invoice, and counted as a failed check in the same transaction (see gateway.routes)."""

    def __init__(self, idx: int, *, notice: str | None) -> None:
        super().__init__(ErrorCode.INVOICE_NOT_FOUND,
                         errors=[{"pointer": f"/items/{idx}", "code": "invoice-not-found"}])
        self.notice = notice


def _code_error(idx: int, exc: CodeError) -> ProblemError:
    field = "notice_number" if exc.code == ErrorCode.NOTICE_MALFORMED else "check_value"
    return ProblemError(exc.code, errors=[{"pointer": f"/items/{idx}/{field}", "code": exc.code}])


def _notice_of(idx: int, item: IntentItemIn) -> str:
    try:
        return normalise_notice(item.notice_number or "")
    except CodeError as exc:
        raise _code_error(idx, exc) from None


def _check_of(idx: int, item: IntentItemIn) -> str:
    try:
        return normalise_check(item.check_value or "")
    except CodeError as exc:
        raise _code_error(idx, exc) from None


def create_intent(
    session: Session, kiosk: Kiosk, req: PaymentIntentRequest, now: datetime, *,
    operator_session_id: str | None = None,
) -> tuple[int, PaymentIntent]:
    """Reserve the items' invoices: (201, new), or (200, the same intent asked again).

    `operator_session_id`: the desk's session, whose person searches' invoices it may name by id."""
    existing = find_intent(session, kiosk.id, req.client_txn_id)
    notices = [_notice_of(idx, item) for idx, item in enumerate(req.items) if item.invoice_id is None]
    check_limits.lock(session, kiosk.id, notices)
    check_limits.check(session, kiosk.id, now, notices)

    # Resolve every item to an invoice id. By id: only an invoice this kiosk found with its check
    # value, its own intent asked again, or one a person search on this operator session returned;
    # by notice + check value: checked like a search.
    resolved: list[tuple[str, int]] = []
    for idx, item in enumerate(req.items):
        if item.invoice_id is not None:
            own = existing is not None and any(it.invoice_id == item.invoice_id for it in existing.items)
            if not (own or check_limits.may_use(session, kiosk.id, operator_session_id, item.invoice_id, now)):
                raise CheckFailed(idx, notice=None)
            resolved.append((item.invoice_id, item.amount_cents))
            continue
        notice = _notice_of(idx, item)
        inv = find_checked(session, notice, _check_of(idx, item))
        if inv is None:
            raise CheckFailed(idx, notice=notice)
        resolved.append((inv.id, item.amount_cents))
    ids = [i for i, _ in resolved]
    if len(set(ids)) != len(ids):
        raise ProblemError(ErrorCode.VALIDATION_ERROR, errors=[{"pointer": "/items", "code": "duplicate-invoice"}])

    if existing is not None:
        same = [(it.invoice_id, it.amount_cents) for it in existing.items] == resolved
        if not same:
            raise ProblemError(ErrorCode.CLIENT_TXN_CONFLICT)
        return 200, intent_view(existing, now)

    invoices = _lock_invoices(session, ids)
    for idx, (inv_id, amount) in enumerate(resolved):
        inv = invoices.get(inv_id)
        ptr = f"/items/{idx}"
        if inv is None:
            raise ProblemError(ErrorCode.INVOICE_NOT_FOUND, errors=[{"pointer": ptr, "code": "invoice-not-found"}])
        balance = inv.total_cents - inv.paid_cents
        if balance <= 0:
            errors = [{"pointer": ptr, "code": "invoice-already-paid"}]
            raise ProblemError(ErrorCode.INVOICE_ALREADY_PAID, errors=errors)
        if amount > balance:
            raise ProblemError(
                ErrorCode.AMOUNT_MISMATCH, errors=[{"pointer": ptr + "/amount_cents", "code": "amount-mismatch"}]
            )
        if _live_reservation(session, inv_id, now, exclude=None):
            raise ProblemError(ErrorCode.INVOICE_RESERVED, errors=[{"pointer": ptr, "code": "invoice-reserved"}])

    row = PaymentIntentRow(
        id=new_id("pi"),
        kiosk_id=kiosk.id,
        client_txn_id=req.client_txn_id,
        status="active",
        created_at=now,
        expires_at=now + timedelta(seconds=req.ttl_s),
        total_cents=sum(a for _, a in resolved),
        items=[IntentItem(seq=i, invoice_id=inv_id, amount_cents=a) for i, (inv_id, a) in enumerate(resolved)],
    )
    session.add(row)
    session.flush()
    for it in row.items:
        it.invoice = invoices[it.invoice_id]
    return 201, intent_view(row, now)


def release_intent(session: Session, kiosk: Kiosk, client_txn_id: str, now: datetime) -> PaymentIntent:
    row = session.execute(
        select(PaymentIntentRow)
        .where(PaymentIntentRow.kiosk_id == kiosk.id, PaymentIntentRow.client_txn_id == client_txn_id)
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise ProblemError(ErrorCode.INTENT_NOT_FOUND)
    if row.status == "active":
        row.status = "released"
    return intent_view(row, now)


def find_payment(session: Session, kiosk_id: str, client_txn_id: str) -> PaymentRow | None:
    return session.execute(
        select(PaymentRow).where(PaymentRow.kiosk_id == kiosk_id, PaymentRow.client_txn_id == client_txn_id)
    ).scalar_one_or_none()


def _permitted(session: Session, kiosk: Kiosk, intent: PaymentIntentRow | None, wanted: list[tuple[str, int]],
               now: datetime, operator_session_id: str | None) -> set[str]:
    """The wanted invoices the posting may pay: its accepted intent's (checked when reserved,
    before money moved) and those it adds that the intent rule allows now. The others are treated
    as unknown invoices: credit for staff, never a refusal (docs/architecture.md, "Operators")."""
    reserved = {it.invoice_id for it in intent.items} if intent is not None else set()
    return {inv_id for inv_id, _ in wanted
            if inv_id in reserved or check_limits.may_use(session, kiosk.id, operator_session_id, inv_id, now)}


def post_payment(session: Session, kiosk: Kiosk, req: PaymentRequest, now: datetime, *,
                 operator_session_id: str | None = None) -> tuple[int, Payment]:
    """Record an approved payment; returns (201, new) or (200, the one already recorded).

    `operator_session_id`: the session the posting is made on, whose person searches' invoices an
    allocation may name beyond the intent's."""
    existing = find_payment(session, kiosk.id, req.client_txn_id)
    if existing is not None:
        return 200, payment_view(existing)

    intent = session.execute(
        select(PaymentIntentRow)
        .where(PaymentIntentRow.kiosk_id == kiosk.id, PaymentIntentRow.client_txn_id == req.client_txn_id)
        .with_for_update()
    ).scalar_one_or_none()
    flags: list[str] = []
    if req.allocations is not None:
        wanted = [(a.invoice_id, a.amount_cents) for a in req.allocations]
    elif intent is not None:
        wanted = [(it.invoice_id, it.amount_cents) for it in intent.items]
    else:
        wanted = []
        flags.append("no-allocation")
    if intent is None:
        flags.append("no-intent")
    else:
        status = intent_status(intent, now)
        if status == "expired":
            flags.append("intent-expired")
        elif status == "released":
            flags.append("intent-released")

    permitted = _permitted(session, kiosk, intent, wanted, now, operator_session_id)
    invoices = _lock_invoices(session, sorted(permitted))
    money_left = req.amount_cents
    allocations: list[Allocation] = []
    for inv_id, amount in wanted:
        inv = invoices.get(inv_id)
        if inv is None:
            if "unknown-invoice" not in flags:
                flags.append("unknown-invoice")
            continue
        # Another kiosk may hold a live reservation taken after ours expired: we still pay the
        # invoice (our money arrived first); that kiosk's posting will then turn into credit.
        if _live_reservation(session, inv_id, now, exclude=intent.id if intent else None):
            flags.append("late-conflict")
        balance = inv.total_cents - inv.paid_cents
        take = min(amount, balance, money_left)
        if take < amount and balance < amount and "late-conflict" not in flags:
            flags.append("over-balance")
        if take <= 0:
            continue
        inv.paid_cents += take
        money_left -= take
        allocations.append(Allocation(seq=len(allocations), invoice_id=inv_id, amount_cents=take, invoice=inv))
    over = sum(a for _, a in wanted) < req.amount_cents
    if money_left > 0 and wanted and "amount-over-allocations" not in flags and over:
        flags.append("amount-over-allocations")

    term = req.terminal
    row = PaymentRow(
        id=new_id("pay"),
        kiosk_id=kiosk.id,
        client_txn_id=req.client_txn_id,
        intent_id=intent.id if intent else None,
        method=req.method,
        amount_cents=req.amount_cents,
        credit_cents=money_left,
        needs_review=money_left > 0 or bool(flags),
        flags=",".join(dict.fromkeys(flags)),
        terminal_id=term.terminal_id if term else None,
        terminal_txn_id=term.transaction_id if term else None,
        approval_code=term.approval_code if term else None,
        card_last4=term.card_last4 if term else None,
        card_brand=term.card_brand if term else None,
        acquirer_batch=term.acquirer_batch if term else None,
        service_id=term.service_id if term else None,
        receipt_no=req.receipt_no,
        approved_at=req.approved_at,
        posted_at=now,
        allocations=allocations,
    )
    if intent is not None and intent.status == "active":
        intent.status = "consumed"
    session.add(row)
    session.flush()
    return 201, payment_view(row)


def post_once(session: Session, kiosk: Kiosk, req: PaymentRequest, now: datetime, *,
              operator_session_id: str | None = None) -> tuple[int, Payment]:
    """`post_payment`, answering the payment already recorded when the same `client_txn_id` was
    posted concurrently under another Idempotency-Key."""
    try:
        with session.begin_nested():
            return post_payment(session, kiosk, req, now, operator_session_id=operator_session_id)
    except IntegrityError:
        existing = find_payment(session, kiosk.id, req.client_txn_id)
        if existing is None:
            raise
        return 200, payment_view(existing)


def lookup(session: Session, kiosk_id: str, client_txn_id: str, now: datetime) -> PaymentLookupResponse:
    """What the gateway knows of this kiosk's `client_txn_id`: its payment and its intent."""
    pay = find_payment(session, kiosk_id, client_txn_id)
    intent = find_intent(session, kiosk_id, client_txn_id)
    return PaymentLookupResponse(
        client_txn_id=client_txn_id,
        found=pay is not None,
        payment=payment_view(pay) if pay else None,
        intent=intent_view(intent, now) if intent else None,
    )
