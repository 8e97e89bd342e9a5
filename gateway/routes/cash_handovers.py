"""`POST /api/v1/cash-handovers`: cash handed to the collector (bag and seal numbers, amount, the
receipt-number range, the collector's name) (docs/architecture.md, "Counters, shifts and statistics")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX, HandoverIn, HandoverOut
from gateway.deps import Idempotent
from gateway.problems import problem_responses
from gateway.routes.desk_auth import DeskActor
from gateway.services import shifts

router = APIRouter(prefix=API_PREFIX, tags=["counters and statistics"])


@router.post("/cash-handovers", response_model=HandoverOut, status_code=201,
             responses=problem_responses(400, 401, 403, 404, 422))
def record_handover(body: HandoverIn, actor: DeskActor, idem: Idempotent) -> Any:
    """Record a handover; it counts against `shift_id` (default: the kiosk's open shift)."""
    return idem.run(body, lambda s: shifts.record_handover(s, actor, body, idem.now))
