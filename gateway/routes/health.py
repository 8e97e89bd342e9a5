"""`GET /api/v1/health`: is the gateway (and its database) reachable?"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from common.schema import API_PREFIX, Health
from gateway.deps import DbSession, Now
from gateway.problems import problem_responses
from gateway.settings import VERSION

router = APIRouter(prefix=API_PREFIX, tags=["health"])


@router.get("/health", response_model=Health, responses=problem_responses(503))
def health(db: DbSession, now: Now) -> Health:
    """Reachability for the kiosk's "gateway reachable" indicator; touches the database."""
    with db.begin():
        db.execute(text("SELECT 1"))
    return Health(version=VERSION, time=now)
