"""`POST /api/v1/invoice-searches`: find an invoice by notice number and check value."""

from __future__ import annotations

from fastapi import APIRouter

from common.schema import API_PREFIX, ErrorCode, InvoiceSearchRequest, InvoiceSearchResponse
from gateway.deps import CurrentKiosk, DbSession, Now
from gateway.problems import ProblemError, problem_responses
from gateway.services import invoices

router = APIRouter(prefix=API_PREFIX, tags=["invoices"])


@router.post(
    "/invoice-searches",
    response_model=InvoiceSearchResponse,
    responses=problem_responses(401, 404, 422, 429, 503),
)
def search_invoices(
    body: InvoiceSearchRequest, db: DbSession, kiosk: CurrentKiosk, now: Now
) -> InvoiceSearchResponse:
    """Find an invoice by notice number + check value (typed or scanned).

    Unknown notice and wrong check value answer the same `invoice-not-found` and both count
    towards the failed-check limits (per kiosk with back-off, per notice across kiosks: 429 with
    Retry-After; gateway.services.check_limits). A find lets this kiosk reserve the invoice by id.
    """
    notice, check = invoices.search_codes(body)
    with db.begin():  # commits the failed check too
        view = invoices.search(db, kiosk.id, notice, check, now)
    if view is None:
        raise ProblemError(ErrorCode.INVOICE_NOT_FOUND)
    return InvoiceSearchResponse(invoices=[view])
