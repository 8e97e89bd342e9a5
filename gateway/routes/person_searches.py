"""`POST /api/v1/person-searches`: an operator looks a person up by personal code after an ID check."""

from __future__ import annotations

from fastapi import APIRouter

from common.schema import API_PREFIX, PersonSearchRequest, PersonSearchResponse
from gateway.deps import ApplicationsConfig, CurrentKiosk, DbSession, Now, OperatorLimits, OperatorSession
from gateway.problems import problem_responses
from gateway.services import person_search
from gateway.services.imports import ImportKeys

router = APIRouter(prefix=API_PREFIX, tags=["operators"])


@router.post(
    "/person-searches",
    response_model=PersonSearchResponse,
    responses=problem_responses(401, 403, 422, 429, 503),
)
def search_person(body: PersonSearchRequest, db: DbSession, kiosk: CurrentKiosk, operator: OperatorSession,
                  now: Now, policy: OperatorLimits, cfg: ApplicationsConfig) -> PersonSearchResponse:
    """The person's open invoices with full names; only on an operator's session (else 401/403).

    The code goes in the body only. Every search is audited — operator, kiosk, time, reason, the
    document checked, the code as a keyed hash and masked — and limited per operator (429).
    """
    with db.begin():
        return person_search.search(db, kiosk, operator, body, now, policy, cfg.subject_hmac,
                                    ImportKeys.derive(cfg.pepper).payer_ref)
