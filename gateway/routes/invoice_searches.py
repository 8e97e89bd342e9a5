"""`POST /api/v1/invoice-searches`: find an invoice by notice number and check value."""

from __future__ import annotations

from fastapi import APIRouter

from common.schema import API_PREFIX, ErrorCode, InvoiceSearchRequest, InvoiceSearchResponse
from gateway.deps import CurrentKiosk, DbSession, Now, OptionalOperatorSession
from gateway.problems import ProblemError, problem_responses
from gateway.services import invoices
from gateway.services.operator_sessions import operator_may_reserve

router = APIRouter(prefix=API_PREFIX, tags=["invoices"])


@router.post(
    "/invoice-searches",
    response_model=InvoiceSearchResponse,
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
def search_invoices(
    body: InvoiceSearchRequest, db: DbSession, kiosk: CurrentKiosk, now: Now, operator: OptionalOperatorSession
) -> InvoiceSearchResponse:
    """Find an invoice by notice number + check value (typed or scanned).

    Unknown notice and wrong check value answer the same `invoice-not-found` and both count
    towards the failed-check limits (per kiosk with back-off, per kiosk and notice, per notice across
    kiosks: 429 with Retry-After; gateway.services.check_limits). A find lets this kiosk reserve the
    invoice by id. On an operator session of this kiosk the librarian always searches, unlimited.
    """
    notice, check = invoices.search_codes(body)
    with db.begin():  # commits the failed check too
        view = invoices.search(db, kiosk.id, notice, check, now, limited=not operator_may_reserve(operator, kiosk))
    if view is None:
        raise ProblemError(ErrorCode.INVOICE_NOT_FOUND)
    return InvoiceSearchResponse(invoices=[view])
