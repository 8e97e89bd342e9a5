"""`POST /api/v1/kiosk-status`: a kiosk's heartbeat (docs/architecture.md, "Running unattended")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.schema import API_PREFIX, KioskStatusAck, KioskStatusReport
from gateway.deps import CurrentKiosk, Idempotent
from gateway.problems import problem_responses
from gateway.services import kiosk_status

router = APIRouter(prefix=API_PREFIX, tags=["kiosks"])


@router.post("/kiosk-status", response_model=KioskStatusAck, responses=problem_responses(401, 422))
def report(body: KioskStatusReport, kiosk: CurrentKiosk, idem: Idempotent) -> Any:
    """The calling kiosk's health: version, uptime, printer, terminal, queues, last error.

    Sent every minute; the gateway keeps the latest and answers with the problems it sees in it.
    """
    return idem.run(body, lambda s: (200, kiosk_status.record(s, kiosk, body, idem.now)))
