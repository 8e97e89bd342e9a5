"""`GET /api/v1/services` and `/services/{code}/form`: the catalogue of application forms."""

from __future__ import annotations

from fastapi import APIRouter

from common.schema import API_PREFIX, Catalogue, FormDocument
from gateway.deps import ApplicationsConfig, CurrentKiosk
from gateway.problems import problem_responses
from gateway.services import applications

router = APIRouter(prefix=API_PREFIX, tags=["applications"])


@router.get("/services", response_model=Catalogue)
def list_services(kiosk: CurrentKiosk, cfg: ApplicationsConfig) -> Catalogue:
    """The Open311-like catalogue of application forms (code, title per language, group)."""
    return applications.catalogue(cfg)


@router.get("/services/{code}/form", response_model=FormDocument, responses=problem_responses(404))
def get_form(code: str, kiosk: CurrentKiosk, cfg: ApplicationsConfig) -> FormDocument:
    """The KF1 definition and its compiled JSON Schema 2020-12 (for `answers`)."""
    return applications.form_document(cfg, code)
