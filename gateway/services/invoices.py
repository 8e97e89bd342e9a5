"""Invoices as a resident may see them: masking, instalment arithmetic, the checked search and
its failed-check limit."""

from __future__ import annotations

import hmac
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.invoice_codes import CodeError, normalise_check, normalise_notice, parse_scanned
from common.schema import (
    CreditorView,
    InstalmentView,
    InvoiceSearchRequest,
    InvoiceStatus,
    InvoiceView,
    LastPaymentView,
)
from gateway.models import Allocation, Invoice, Kiosk, Location, PaymentRow
from gateway.problems import ProblemError
from gateway.services import check_limits
from gateway.settings import local_date


def mask_name(name: str) -> str:
    """'Jānis Bērziņš' -> 'J*** B*****Š'.

    Fixed star counts, so the mask does not reveal how long each name is; the surname keeps its
    last letter, as on the paper invoice's envelope window.
    """
    words = name.split()
    if not words:
        return ""
    out = [w[0].upper() + "***" for w in words[:-1]]
    last = words[-1]
    out.append(last[0].upper() + "*****" + (last[-1].upper() if len(last) > 1 else ""))
    return " ".join(out)


def due_now(invoice: Invoice, today: date) -> tuple[int, date]:
    """(cents to pay today, due date shown): overdue instalments plus the current one, less paid."""
    balance = invoice.total_cents - invoice.paid_cents
    insts = invoice.instalments
    if not insts or balance <= 0:
        last_due = insts[-1].due_date if insts else invoice.period_end
        return max(balance, 0), last_due
    cumulative = 0
    chosen = None
    for inst in insts:
        cumulative += inst.amount_cents
        # The current instalment is the first one not yet due, but never one already covered.
        if inst.due_date >= today and cumulative > invoice.paid_cents:
            chosen = (cumulative, inst.due_date)
            break
    if chosen is None:  # everything is overdue
        return balance, insts[-1].due_date
    return min(chosen[0] - invoice.paid_cents, balance), chosen[1]


def instalment_views(invoice: Invoice) -> list[InstalmentView]:
    remaining_paid = invoice.paid_cents
    views = []
    for inst in invoice.instalments:
        covered = min(inst.amount_cents, max(remaining_paid, 0))
        remaining_paid -= covered
        views.append(
            InstalmentView(seq=inst.seq, due_date=inst.due_date, amount_cents=inst.amount_cents, paid_cents=covered)
        )
    return views


def invoice_view(invoice: Invoice, today: date) -> InvoiceView:
    balance = max(invoice.total_cents - invoice.paid_cents, 0)
    now_cents, due = due_now(invoice, today)
    status: InvoiceStatus = "paid" if balance == 0 else ("partly-paid" if invoice.paid_cents > 0 else "unpaid")
    c = invoice.creditor
    return InvoiceView(
        invoice_id=invoice.id,
        notice_number=invoice.notice_number,
        service=invoice.service,  # type: ignore[arg-type]
        creditor=CreditorView(id=c.id, name=c.name, reg_no=c.reg_no, iban=c.iban),
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        due_date=due,
        total_cents=invoice.total_cents,
        paid_cents=invoice.paid_cents,
        balance_cents=balance,
        due_now_cents=now_cents,
        status=status,
        payer_masked=mask_name(invoice.payer.name),
        object_kind=invoice.object_kind,  # type: ignore[arg-type]
        object_ref=invoice.object_ref,
        instalments=instalment_views(invoice),
    )


def find_checked(
    session: Session, notice_number: str, check_value: str, *, for_update: bool = False
) -> Invoice | None:
    """The invoice when both match; None otherwise (unknown and wrong check look the same)."""
    stmt = select(Invoice).where(Invoice.notice_number == notice_number)
    if for_update:
        stmt = stmt.with_for_update(of=Invoice)
    inv = session.execute(stmt).unique().scalar_one_or_none()
    if inv is None:
        # Compare anyway so timing does not tell unknown notices from wrong check values.
        hmac.compare_digest(check_value.encode(), b"0000")
        return None
    if not hmac.compare_digest(inv.check_value.encode(), check_value.encode()):
        return None
    return inv


def search_codes(req: InvoiceSearchRequest) -> tuple[str, str]:
    """(notice number, check value), typed or scanned; a malformed one is a 422 naming its field."""
    try:
        if req.scanned is not None:
            pointer = "/scanned"
            return parse_scanned(req.scanned)
        pointer = "/notice_number"
        notice = normalise_notice(req.notice_number or "")
        pointer = "/check_value"
        return notice, normalise_check(req.check_value or "")
    except CodeError as exc:
        raise ProblemError(exc.code, errors=[{"pointer": pointer, "code": exc.code}]) from None


def search(session: Session, kiosk_id: str, notice: str, check: str, now: datetime, *,
           limited: bool = True) -> InvoiceView | None:
    """The invoice's view, or None after counting a failed check (unknown notice or wrong check).

    Raises 429 while the kiosk backs off or the notice is closed to it (gateway.services.check_limits).
    The caller commits even when None comes back, so the failure counts; a find is recorded so
    that this kiosk may then reserve the invoice by id. `limited=False` is the librarian's search
    on an operator session: neither held back by the limits nor counted in them (the desk may
    reserve any invoice a person search shows, so a check value tells the librarian nothing new).
    """
    if limited:
        check_limits.lock(session, kiosk_id, [notice])
        check_limits.check(session, kiosk_id, now, [notice])
    inv = find_checked(session, notice, check)
    if inv is None:
        if limited:
            check_limits.record_failure(session, kiosk_id, now, notice)
        return None
    check_limits.forgive(session, kiosk_id, notice)
    check_limits.record_find(session, kiosk_id, inv.id, now)
    view = invoice_view(inv, local_date(now))
    if view.status == "paid":
        view = view.model_copy(update={"last_payment": last_payment(session, inv.id)})
    return view


def last_payment(session: Session, invoice_id: str) -> LastPaymentView | None:
    """When and where the invoice was last paid at a kiosk or a desk, and that receipt's number,
    so the resident who finds it paid is told more than "already paid". None when it
    was paid otherwise (a bank transfer)."""
    row = session.execute(
        select(PaymentRow.approved_at, PaymentRow.receipt_no, Location.name)
        .join(Allocation, Allocation.payment_id == PaymentRow.id)
        .join(Kiosk, Kiosk.id == PaymentRow.kiosk_id)
        .join(Location, Location.code == Kiosk.location_code)
        .where(Allocation.invoice_id == invoice_id)
        .order_by(PaymentRow.approved_at.desc()).limit(1)).first()
    if row is None:
        return None
    return LastPaymentView(paid_at=row.approved_at, place=row.name, receipt_no=row.receipt_no)
