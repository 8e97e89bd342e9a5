"""`GET /api/v1/statistics?location=&from=&to=&group=day|month|year`: counts per kind and category,
applications, payments with their sums by card and in cash. An operator reads their own location,
a coordinator every one; a kiosk token alone reads none (docs/architecture.md, "Counters, shifts
and statistics")."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from common.schema import API_PREFIX, Statistics, StatisticsGroup
from gateway.deps import DbSession
from gateway.problems import problem_responses
from gateway.routes.desk_auth import DeskActor
from gateway.services.statistics import statistics

router = APIRouter(prefix=API_PREFIX, tags=["counters and statistics"])


@router.get("/statistics", response_model=Statistics, response_model_by_alias=True,
            responses=problem_responses(401, 403, 422))
def get_statistics(
    actor: DeskActor,
    db: DbSession,
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
    group: StatisticsGroup = "month",
    location: Annotated[str | None, Query(max_length=32)] = None,
) -> Any:
    """Every period of the range for each location, zeros included; `totals` per location."""
    with db.begin():
        return statistics(db, actor, location=location, start=date_from, end=date_to, group=group)
