"""The gate every HTTP request passes before a route sees its body (docs/architecture.md, "API rules").

A pure ASGI middleware:
0. a request head (request line and headers) over `MAX_HEADER_BYTES` is refused (431): the server
   we run already bounds it while reading (`gateway.workers`), this holds under any other one;
1. a body announced larger than the limit is refused (413) before a byte of it is read;
2. the app's first `receive()` — FastAPI reads a JSON body before it solves any dependency — is
   where the router has chosen the route (`scope["route"]`): for a route that needs the kiosk the
   bearer token is checked there first, so an unauthenticated client makes the server read and
   parse nothing (401); the kiosk found is left in the request's state for
   `gateway.deps.current_kiosk`, so it is looked up once;
3. then the body is read up to the limit (a chunked body that grows past it is 413) within the body
   timeout, counted from the request's headers (a body still arriving then is 408: a request opened
   long ago never completes on a decision made when it was opened) and, for a JSON
   route, checked strictly by `gateway.strict_json` (400 `malformed-body`; 422 for strings no field
   can hold or nesting too deep); a body that is not JSON is 415;
4. every answer carries `X-Content-Type-Options: nosniff`.
The authentication's transaction ends before the body is read: nothing (no connection, no SQLite
writer lock) is held while a slow client sends it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI, Request, Response, params
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.schema import ErrorCode
from gateway import admin, strict_json
from gateway.db import read_connection
from gateway.problems import ProblemError, problem_response
from gateway.settings import DEFAULT_BODY_TIMEOUT_S, MAX_HEADER_BYTES

KIOSK_STATE = "kiosk"  # the request-state key `current_kiosk` reads


class Refusal(HTTPException):
    """A request refused by the guard; raised from inside the app's first `receive()` (an
    HTTPException, so FastAPI's body reading passes it on untouched) and answered by `install`."""

    def __init__(self, problem: ProblemError) -> None:
        super().__init__(problem.status)
        self.problem = problem


def install(app: FastAPI, max_body_bytes: int, body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S) -> None:
    """Put the guard in front of `app` and answer its refusals as problem+json."""

    async def refused(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        return problem_response(exc.problem)

    app.add_exception_handler(Refusal, refused)
    app.add_middleware(RequestGuard, api=app, max_body_bytes=max_body_bytes, body_timeout_s=body_timeout_s)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _needs(call: Any, dependant: Any) -> bool:
    return any(d.call is call or _needs(call, d) for d in dependant.dependencies)


class RequestGuard:
    """See the module docstring; `api` is the FastAPI app whose routes and state it reads."""

    def __init__(self, app: ASGIApp, *, api: FastAPI, max_body_bytes: int,
                 body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S) -> None:
        self.app = app
        self.api = api
        self.max_body = max_body_bytes
        self.body_timeout = body_timeout_s
        self._plans: dict[tuple[str, frozenset[str]], tuple[bool, bool]] = {}

    def _plan(self, route: Any) -> tuple[bool, bool]:
        """(needs the kiosk, takes a JSON body) for the route the router chose."""
        from gateway.deps import current_kiosk  # deps imports the app's pieces; resolve it late

        if not isinstance(route, APIRoute):
            return False, False
        key = (route.path_format, frozenset(route.methods or ()))  # one entry per route, however many requests
        plan = self._plans.get(key)
        if plan is None:
            body = route.body_field is not None and not isinstance(route.body_field.field_info, params.Form)
            plan = self._plans[key] = (_needs(current_kiosk, route.dependant), body)
        return plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _nosniff(send)
        if _head_size(scope) > MAX_HEADER_BYTES:
            await problem_response(ProblemError(ErrorCode.HEADERS_TOO_LARGE, headers=_CLOSE))(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            code = ErrorCode.BODY_TOO_LARGE if length.isdigit() else ErrorCode.MALFORMED_BODY
            await problem_response(ProblemError(code))(scope, receive, send)  # the body is never read
            return
        await self.app(scope, self._guarded(scope, receive), send)

    def _guarded(self, scope: Scope, receive: Receive) -> Receive:
        """`receive` for the app: the first call (routing is done by then, `scope["route"]` is set)
        authenticates, reads the whole body within the limit and checks it; later calls pass on."""
        first = True
        deadline = asyncio.get_running_loop().time() + self.body_timeout

        async def guarded() -> Message:
            nonlocal first
            if not first:
                return await receive()
            first = False
            route = scope.get("route")
            needs_kiosk, json_body = self._plan(route)
            if needs_kiosk and json_body:  # a route without a body authenticates in its dependency
                self._authenticate(scope)
            try:
                async with asyncio.timeout_at(deadline):
                    body = await self._read(receive)
            except TimeoutError:
                # Nothing was read into the app, so nothing is written; the connection is closed, as
                # the rest of the body may still come (RFC 9110, 408).
                raise Refusal(ProblemError(ErrorCode.BODY_TIMEOUT, headers=_CLOSE)) from None
            # Read before routing (no route known yet): a JSON body is checked all the same.
            if body and (json_body or (route is None and _is_json(_header(scope, b"content-type")))):
                self._check(scope, body)
            return {"type": "http.request", "body": body, "more_body": False}

        return guarded

    def _check(self, scope: Scope, body: bytes) -> None:
        if not _is_json(_header(scope, b"content-type")):
            raise Refusal(ProblemError(ErrorCode.UNSUPPORTED_MEDIA_TYPE))
        try:
            strict_json.parse(body)
        except strict_json.Invalid as exc:
            raise Refusal(ProblemError(ErrorCode.VALIDATION_ERROR,
                                       errors=[{"pointer": exc.pointer, "code": exc.code}])) from None
        except strict_json.Malformed:
            raise Refusal(ProblemError(ErrorCode.MALFORMED_BODY)) from None

    def _authenticate(self, scope: Scope) -> None:
        auth = _header(scope, b"authorization") or ""
        scheme, _, token = auth.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Refusal(ProblemError(ErrorCode.UNAUTHENTICATED))
        engine = self.api.state.gateway.engine
        try:
            # One read outside any transaction, on the event loop, as gateway.deps.current_kiosk
            # does: nothing is left open, no hop to the thread pool (docs/architecture.md, "Operations").
            with read_connection(engine) as conn, Session(bind=conn, expire_on_commit=False) as session:
                kiosk = admin.authenticate(session, token)
                if kiosk is not None:
                    session.expunge(kiosk)
        except (OperationalError, PoolTimeout):
            raise Refusal(ProblemError(ErrorCode.BACKEND_UNAVAILABLE, headers={"Retry-After": "5"})) from None
        if kiosk is None:
            raise Refusal(ProblemError(ErrorCode.UNAUTHENTICATED))
        scope.setdefault("state", {})[KIOSK_STATE] = kiosk

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Refusal(ProblemError(ErrorCode.MALFORMED_BODY))  # nobody is left to read it
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise Refusal(ProblemError(ErrorCode.BODY_TOO_LARGE))
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


_CLOSE = {"Connection": "close"}


def _head_size(scope: Scope) -> int:
    """About the bytes of the request head: the target, the query and every header line."""
    size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
    return size + sum(len(k) + len(v) + 4 for k, v in scope.get("headers", ()))


def _nosniff(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(k.lower() == b"x-content-type-options" for k, _v in headers):
                headers.append((b"x-content-type-options", b"nosniff"))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped
