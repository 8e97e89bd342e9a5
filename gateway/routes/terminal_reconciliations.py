"""`POST /api/v1/terminal-reconciliations`: a kiosk reports its card terminal's day-end totals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX, TerminalReconciliationAck, TerminalReconciliationReport
from gateway.deps import CurrentKiosk, Idempotent
from gateway.problems import problem_responses
from gateway.services import reconcile

router = APIRouter(prefix=API_PREFIX, tags=["operations"])


@router.post(
    "/terminal-reconciliations",
    response_model=TerminalReconciliationAck,
    status_code=201,
    responses=problem_responses(400, 401, 409, 422, 503),
)
def report_reconciliation(body: TerminalReconciliationReport, kiosk: CurrentKiosk, idem: Idempotent) -> Any:
    """The terminal's Reconciliation totals for a Riga business day; `kiosk gateway reconcile`
    compares them with the card payments posted. The same report again answers 200."""
    return idem.run(body, lambda s: reconcile.record(s, kiosk, body, idem.now))
