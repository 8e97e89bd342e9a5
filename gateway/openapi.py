"""The OpenAPI document says every answer the API can give (docs/architecture.md, "API rules").

FastAPI documents what each route declares; the answers that come from the shared machinery are
added here to every operation under the API prefix, so a client generated from the document (and
Schemathesis, which checks the live server against it) meets no undocumented status:
- 401 where the operation needs the kiosk's token;
- 400 (`malformed-body`), 408 (`body-timeout`), 413 and 415 where it takes a body; 422 where it takes a body or
  parameters; 400 (`idempotency-key-missing`), 409 and 422 where it takes an Idempotency-Key;
- 503 everywhere (the database is unreachable);
- 200 beside 201: a create repeated with the client's own id answers the existing resource;
and every 4xx/5xx answer is `application/problem+json` with the `Problem` schema.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI

from common.schema import API_PREFIX, IDEMPOTENCY_HEADER, PROBLEM_MEDIA_TYPE, Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _problem_schemas() -> dict[str, Any]:
    """`Problem` and the models it refers to, as components."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {"Problem": schema, **defs}


def _statuses(op: dict[str, Any]) -> set[int]:
    out = {503}
    if op.get("security"):
        out.add(401)
    if op.get("requestBody"):
        out |= {400, 408, 413, 415, 422}
    params = op.get("parameters") or []
    if params:
        out.add(422)
    if any(p.get("name") == IDEMPOTENCY_HEADER for p in params):
        out |= {400, 409, 422}  # key missing or malformed; still in flight; reused with another body
    return out


def complete(doc: dict[str, Any]) -> dict[str, Any]:
    """Add the shared answers to every API operation of `doc` (in place) and return it."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _problem_schemas().items():
        schemas.setdefault(name, schema)
    for path, item in doc.get("paths", {}).items():
        if not path.startswith(API_PREFIX + "/"):
            continue
        for op in item.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses: dict[str, Any] = op["responses"]
            for code in _statuses(op):
                responses.setdefault(str(code), {"description": HTTPStatus(code).phrase})
            if "201" in responses:
                # The client's own id again (under a new key): the existing resource, 200.
                responses.setdefault("200", {**responses["201"], "description": "Already created: the same resource"})
            for status, answer in responses.items():
                if status.isdigit() and int(status) >= 400:
                    answer["content"] = {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}
    return doc


def install(app: FastAPI) -> None:
    """Serve the completed document from `app.openapi()` (built once, on first use)."""
    done = False

    def openapi() -> dict[str, Any]:
        nonlocal done
        if not done:
            app.openapi_schema = complete(FastAPI.openapi(app))
            done = True
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
