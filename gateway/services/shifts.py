"""Cash shifts and cash handovers: a shift opens with a counted float and closes with the cash
counted per euro denomination; what should be there is the gateway's own sum — the float, plus
the kiosk's cash payments during the shift, minus the cash handed to the collector meanwhile
(docs/architecture.md, "Counters, shifts and statistics").
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.schema import (
    CountedOut,
    ErrorCode,
    HandoverIn,
    HandoverOut,
    MethodSum,
    ShiftCloseIn,
    ShiftOpenIn,
    ShiftOut,
)
from gateway.models import CashHandover, PaymentReversal, PaymentRow, Shift
from gateway.problems import ProblemError
from gateway.services import desk_problems
from gateway.services.desk_actor import Actor
from gateway.settings import local_date

TIME_SLACK = timedelta(minutes=10)


def _sum(s: Session, shift: Shift, until: datetime, method: str) -> MethodSum:
    count, cents = s.execute(
        select(func.count(PaymentRow.id), func.coalesce(func.sum(PaymentRow.amount_cents), 0)).where(
            PaymentRow.kiosk_id == shift.kiosk_id, PaymentRow.method == method,
            PaymentRow.approved_at >= shift.opened_at, PaymentRow.approved_at <= until)).one()
    return MethodSum(count=int(count), cents=int(cents))


def _refunds(s: Session, shift: Shift, until: datetime) -> MethodSum:
    """Card payments given back through the terminal during the shift (the Z report's refunds)."""
    count, cents = s.execute(
        select(func.count(PaymentReversal.id), func.coalesce(func.sum(PaymentReversal.amount_cents), 0)).where(
            PaymentReversal.kiosk_id == shift.kiosk_id, PaymentReversal.reversed_at >= shift.opened_at,
            PaymentReversal.reversed_at <= until)).one()
    return MethodSum(count=int(count), cents=int(cents))


def _handovers(s: Session, shift: Shift, until: datetime) -> int:
    return int(s.execute(select(func.coalesce(func.sum(CashHandover.amount_cents), 0)).where(
        CashHandover.shift_id == shift.id, CashHandover.created_at <= until)).scalar_one())


def _view(s: Session, shift: Shift, now: datetime) -> ShiftOut:
    until = shift.closed_at or now
    cash, card = _sum(s, shift, until, "cash"), _sum(s, shift, until, "card")
    handed = _handovers(s, shift, until)
    expected = shift.expected_cash_cents
    if expected is None:
        expected = shift.float_cents + cash.cents - handed
    counted = json.loads(shift.denominations) if shift.denominations else []
    return ShiftOut(
        shift_id=shift.id, client_shift_id=shift.client_shift_id, status=shift.status,  # type: ignore[arg-type]
        location=shift.location_code, opened_by=shift.opened_by, opened_at=shift.opened_at,
        float_cents=shift.float_cents,
        over_midnight=shift.status == "open" and local_date(shift.opened_at) < local_date(now),
        card_payments=card, cash_payments=cash, refunds=_refunds(s, shift, until), handovers_cents=handed,
        expected_cash_cents=expected,
        closed_by=shift.closed_by, closed_at=shift.closed_at, counted_cash_cents=shift.counted_cash_cents,
        difference_cents=(None if shift.counted_cash_cents is None else shift.counted_cash_cents - expected),
        difference_reason=shift.difference_reason,
        counted=[CountedOut(value_cents=v, count=c) for v, c in counted])


def _open_shift(s: Session, kiosk_id: str, *, lock: bool = False) -> Shift | None:
    q = select(Shift).where(Shift.kiosk_id == kiosk_id, Shift.status == "open")
    return s.execute(q.with_for_update() if lock else q).scalars().first()


def open_shift(s: Session, actor: Actor, body: ShiftOpenIn, now: datetime) -> tuple[int, ShiftOut]:
    """201 with the new shift; 200 when this client id opened one already; 409 when another
    shift is still open at the kiosk."""
    operator = actor.require_operator()
    same = s.execute(select(Shift).where(Shift.kiosk_id == actor.kiosk_id,
                                         Shift.client_shift_id == body.client_shift_id)).scalar_one_or_none()
    if same is not None:
        return 200, _view(s, same, now)
    if _open_shift(s, actor.kiosk_id, lock=True) is not None:
        raise ProblemError(desk_problems.SHIFT_ALREADY_OPEN)
    shift = Shift(id=f"SH-{secrets.token_hex(8)}", kiosk_id=actor.kiosk_id, location_code=actor.location_code,
                  client_shift_id=body.client_shift_id, status="open", opened_by=operator, opened_at=now,
                  float_cents=body.float_cents)
    s.add(shift)
    s.flush()
    return 201, _view(s, shift, now)


def current(s: Session, actor: Actor, now: datetime) -> ShiftOut:
    """The kiosk's open shift with what is expected in the drawer so far; 404 when none."""
    actor.require_operator()
    shift = _open_shift(s, actor.kiosk_id)
    if shift is None:
        raise ProblemError(desk_problems.SHIFT_NOT_FOUND)
    return _view(s, shift, now)


def close_shift(s: Session, actor: Actor, shift_id: str, body: ShiftCloseIn, now: datetime) -> tuple[int, ShiftOut]:
    """Close with the cash counted; a difference from the expected cash needs a reason (422)."""
    operator = actor.require_operator()
    shift = s.get(Shift, shift_id, with_for_update=True)
    if shift is None or shift.kiosk_id != actor.kiosk_id:
        raise ProblemError(desk_problems.SHIFT_NOT_FOUND)
    if shift.status != "open":
        raise ProblemError(desk_problems.SHIFT_NOT_OPEN)
    values = [c.value_cents for c in body.counted]
    if len(set(values)) != len(values):
        raise ProblemError(ErrorCode.VALIDATION_ERROR, errors=[{"pointer": "/counted", "code": "duplicate-value"}])
    counted = sum(c.value_cents * c.count for c in body.counted)
    expected = _view(s, shift, now).expected_cash_cents
    if counted != expected and not body.difference_reason.strip():
        raise ProblemError(ErrorCode.VALIDATION_ERROR,
                           errors=[{"pointer": "/difference_reason", "code": "reason-required"}])
    shift.status, shift.closed_by, shift.closed_at = "closed", operator, now
    shift.expected_cash_cents, shift.counted_cash_cents = expected, counted
    shift.denominations = json.dumps(sorted(([c.value_cents, c.count] for c in body.counted if c.count),
                                            reverse=True))
    shift.difference_reason = body.difference_reason.strip() or None
    s.flush()
    return 200, _view(s, shift, now)


def _handover_out(h: CashHandover) -> HandoverOut:
    return HandoverOut(
        handover_id=h.id, client_handover_id=h.client_handover_id, shift_id=h.shift_id, location=h.location_code,
        amount_cents=h.amount_cents, bag_no=h.bag_no, seal_no=h.seal_no, receipt_from=h.receipt_from,
        receipt_to=h.receipt_to, collector_name=h.collector_name, handed_by=h.handed_by, handed_at=h.handed_at)


def record_handover(s: Session, actor: Actor, body: HandoverIn, now: datetime) -> tuple[int, HandoverOut]:
    """Cash handed to the collector; counted against `shift_id` (default: the kiosk's open shift)."""
    operator = actor.require_operator()
    same = s.execute(select(CashHandover).where(
        CashHandover.kiosk_id == actor.kiosk_id,
        CashHandover.client_handover_id == body.client_handover_id)).scalar_one_or_none()
    if same is not None:
        return 200, _handover_out(same)
    if not now - timedelta(days=31) <= body.handed_at <= now + TIME_SLACK:
        raise ProblemError(ErrorCode.VALIDATION_ERROR, errors=[{"pointer": "/handed_at", "code": "out-of-range"}])
    shift_id = body.shift_id
    if shift_id is not None:
        shift = s.get(Shift, shift_id)
        if shift is None or shift.kiosk_id != actor.kiosk_id:
            raise ProblemError(desk_problems.SHIFT_NOT_FOUND)
    else:
        open_now = _open_shift(s, actor.kiosk_id)
        shift_id = open_now.id if open_now is not None else None
    h = CashHandover(
        id=f"HO-{secrets.token_hex(8)}", kiosk_id=actor.kiosk_id, location_code=actor.location_code,
        client_handover_id=body.client_handover_id, shift_id=shift_id, handed_at=body.handed_at,
        amount_cents=body.amount_cents, bag_no=body.bag_no, seal_no=body.seal_no,
        receipt_from=body.receipt_from, receipt_to=body.receipt_to, collector_name=body.collector_name,
        handed_by=operator, created_at=now)
    s.add(h)
    s.flush()
    return 201, _handover_out(h)

