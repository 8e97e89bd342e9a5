"""Shared fixtures: the shipped forms, a real gateway app (SQLite) with the applications router."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from common.forms.definition import FormDefinition
from common.forms.loading import default_forms_dir, load_forms


@pytest.fixture(scope="session")
def forms() -> dict[str, FormDefinition]:
    loaded, errors = load_forms(default_forms_dir())
    assert not errors, [str(e) for e in errors]
    return loaded


class SwitchableTransport(httpx.AsyncBaseTransport):
    """The real ASGI app behind a switch: `down` refuses connections like a dead server;
    `lose_answers` lets the request through and then drops the response (the classic
    "did it arrive?" case)."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.down = False
        self.lose_answers = False
        self.requests: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        self.requests.append(f"{request.method} {request.url.path}")
        resp = await self.inner.handle_async_request(request)
        if self.lose_answers:
            await resp.aread()
            raise httpx.ReadError("connection reset", request=request)
        return resp


@pytest.fixture()
def switchable() -> type[SwitchableTransport]:
    return SwitchableTransport


@pytest.fixture()
def gateway(tmp_path: Path) -> Iterator[dict[str, Any]]:
    from common.clock import FakeClock
    from gateway.admin import add_kiosk
    from gateway.app import create_app
    from gateway.db import session_factory
    from gateway.deps import configure_applications
    from gateway.models import Location

    clock = FakeClock()
    app = create_app(f"sqlite:///{tmp_path / 'gw.sqlite'}", clock=clock)
    engine = app.state.gateway.engine
    configure_applications(app, key_file=tmp_path / "answers.key")
    with session_factory(engine).begin() as s:
        s.add(Location(code="zoseni", name="Zosēnu bibliotēka"))
        s.add(Location(code="vecpiebalga", name="Vecpiebalgas bibliotēka"))
        s.flush()
        _, token = add_kiosk(s, "zoseni", "zoseni-1", "tok-zoseni")
        add_kiosk(s, "vecpiebalga", "vecpiebalga-1", "tok-vecpiebalga")
    yield {"transport_cls": SwitchableTransport, "app": app, "clock": clock, "token": token, "engine": engine,
           "sessions": app.state.gateway.sessions}
    engine.dispose()
