"""Money at the desk: cash postings (only on an operator's behalf), who took a payment, and card
reversals recorded against the original payment (docs/architecture.md, "Operators").

The posting itself is `gateway.services.payments.post_once`: this module decides who may post cash
before it runs (a session valid now, or the intent's posting proof) and records the operator after it.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import ErrorCode, Payment, PaymentRequest, Reversal, ReversalRequest
from gateway.models import Invoice, Kiosk, PaymentOperator, PaymentReversal, PaymentRow
from gateway.problems import ProblemError
from gateway.services import operator_sessions, payments, posting_proofs
from gateway.services.operator_sessions import OperatorContext
from gateway.services.operators import record_event
from gateway.settings import local_date


def authorise(db: Session, kiosk: Kiosk, req: PaymentRequest, token: str | None, proof: str | None,
              now: datetime) -> OperatorContext | None:
    """The operator a posting is made for, checked before the posting runs, on the gateway's clock.

    Cash needs an operator session valid now, or the posting proof the gateway issued with this
    payment's intent on a session then valid (`gateway.services.posting_proofs`): 403 with
    neither, 401 when what came is not valid. The proof names who took the cash; `approved_at` is
    the kiosk's and decides nothing. A posting already recorded is answered as it was, so an
    outbox replay never needs either. A card posting is never refused here: money already moved
    on the terminal; a session valid now only names who took it.
    """
    if req.method == "cash":
        if payments.find_payment(db, kiosk.id, req.client_txn_id) is not None:
            return None
        if proof:
            proven = posting_proofs.operator_for(db, kiosk, proof, req, now)
            if proven is not None:
                return proven
        if token:
            return operator_sessions.current(db, kiosk, token, now)
        raise ProblemError(ErrorCode.OPERATOR_SESSION_INVALID if proof else ErrorCode.OPERATOR_SESSION_REQUIRED)
    if not token:
        return None
    try:
        return operator_sessions.current(db, kiosk, token, now)
    except ProblemError:
        return None


def post(s: Session, kiosk: Kiosk, req: PaymentRequest, now: datetime,
         operator: OperatorContext | None) -> tuple[int, Payment]:
    """`payments.post_once`, then the operator who took a new payment, in the same transaction."""
    status, view = payments.post_once(s, kiosk, req, now,
                                      operator_session_id=operator.session_id if operator else None)
    if status == 201 and operator is not None:
        s.add(PaymentOperator(payment_id=view.payment_id, operator_id=operator.operator_id,
                              session_id=operator.session_id))
        record_event(s, f"{req.method}-payment", now, operator_id=operator.operator_id, kiosk_id=kiosk.id,
                     detail=f"{view.amount_cents} cents")
    return status, view


def _view(row: PaymentReversal, pay: PaymentRow, operator_name: str) -> Reversal:
    return Reversal(reversal_id=row.id, payment_id=pay.id, client_txn_id=pay.client_txn_id,
                    amount_cents=row.amount_cents, reason=row.reason, operator=operator_name,
                    reversed_at=row.reversed_at, recorded_at=row.recorded_at)


def record_reversal(s: Session, kiosk: Kiosk, operator: OperatorContext, req: ReversalRequest,
                    now: datetime) -> tuple[int, Reversal]:
    """Record the terminal's Reversal of this kiosk's card payment and take its allocations back
    from the invoices: (201, new) or (200, the reversal already recorded).

    404 when this kiosk has no such payment; 409 for cash, or when it is not the payment's day.
    The day is decided on the gateway's clock (docs/architecture.md, "Operators"): the Riga day of
    `now` must be the day the gateway received the posting (`posted_at`, its own record) and the
    day the kiosk says the card was approved (`approved_at`, which can only narrow the rule: a
    posting delayed past midnight is of a day the terminal no longer reverses). The kiosk's
    `reversed_at` is recorded, never trusted.
    """
    pay = s.execute(select(PaymentRow).where(PaymentRow.kiosk_id == kiosk.id,
                                             PaymentRow.client_txn_id == req.client_txn_id)
                    .with_for_update(of=PaymentRow)).scalar_one_or_none()
    if pay is None:
        raise ProblemError(ErrorCode.PAYMENT_NOT_FOUND)
    done = s.execute(select(PaymentReversal).where(PaymentReversal.payment_id == pay.id)).scalar_one_or_none()
    if done is not None:
        return 200, _view(done, pay, operator.name)
    today = local_date(now)
    if pay.method != "card" or local_date(pay.posted_at) != today or local_date(pay.approved_at) != today:
        raise ProblemError(ErrorCode.REVERSAL_REFUSED)
    ids = sorted(a.invoice_id for a in pay.allocations)
    locked = {inv.id: inv for inv in s.execute(select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.id)
                                               .with_for_update(of=Invoice)).unique().scalars()}
    for alloc in pay.allocations:
        inv = locked[alloc.invoice_id]
        inv.paid_cents = max(0, inv.paid_cents - alloc.amount_cents)
    flags = [f for f in pay.flags.split(",") if f]
    pay.flags = ",".join([*flags, "reversed"])
    term = req.terminal
    row = PaymentReversal(id=f"rev-{secrets.token_hex(10)}", payment_id=pay.id, kiosk_id=kiosk.id,
                          operator_id=operator.operator_id, reason=req.reason, amount_cents=pay.amount_cents,
                          terminal_id=term.terminal_id if term else None,
                          terminal_txn_id=term.transaction_id if term else None,
                          service_id=term.service_id if term else None,
                          reversed_at=req.reversed_at, recorded_at=now)
    s.add(row)
    record_event(s, "reversal", now, operator_id=operator.operator_id, kiosk_id=kiosk.id,
                 detail=f"{pay.amount_cents} cents")
    s.flush()
    return 201, _view(row, pay, operator.name)
