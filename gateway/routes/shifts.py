"""`POST /api/v1/shifts` (open with the counted float), `GET /api/v1/shifts/current` (the open shift
and the cash expected so far; flagged when left open over midnight) and
`POST /api/v1/shifts/{shift_id}/close` (cash counted per denomination, the difference with a
reason) (docs/architecture.md, "Counters, shifts and statistics")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX, ShiftCloseIn, ShiftOpenIn, ShiftOut
from gateway.deps import DbSession, Idempotent, Now
from gateway.problems import problem_responses
from gateway.routes.desk_auth import DeskActor
from gateway.services import shifts

router = APIRouter(prefix=API_PREFIX, tags=["counters and statistics"])


@router.post("/shifts", response_model=ShiftOut, status_code=201, responses=problem_responses(400, 401, 403, 409, 422))
def open_shift(body: ShiftOpenIn, actor: DeskActor, idem: Idempotent) -> Any:
    """Open the kiosk's cash shift with the float counted into the drawer (one open shift per kiosk)."""
    return idem.run(body, lambda s: shifts.open_shift(s, actor, body, idem.now))


@router.get("/shifts/current", response_model=ShiftOut, responses=problem_responses(401, 403, 404))
def current_shift(actor: DeskActor, db: DbSession, now: Now) -> Any:
    """The open shift with the cash expected in the drawer now; 404 `shift-not-found` when none."""
    with db.begin():
        return shifts.current(db, actor, now)


@router.post("/shifts/{shift_id}/close", response_model=ShiftOut,
             responses=problem_responses(400, 401, 403, 404, 409, 422))
def close_shift(shift_id: str, body: ShiftCloseIn, actor: DeskActor, idem: Idempotent) -> Any:
    """Close with the cash counted per euro note and coin. The gateway computes the expected cash
    (float + cash payments of the shift - handovers); a difference needs `difference_reason`."""
    return idem.run(body, lambda s: shifts.close_shift(s, actor, shift_id[:40], body, idem.now))
