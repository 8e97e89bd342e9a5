"""Flow tests: the real payment service on the embedded gateway (real HTTP over ASGI), the
in-process nexo simulator and the receipt printer's preview device. Nothing is faked but the
failures we inject (a transport that drops one route, a printer that reports no paper)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk import config
from kiosk.backend import Backend
from launcher.embedded import open_backend

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "printer"))  # the fake ESC/POS network printer


def make_config(tmp_path: Path, **sections: dict[str, Any]) -> config.KioskConfig:
    data: dict[str, Any] = {
        "kiosk": {"data_dir": str(tmp_path / "data")},
        "terminal": {"simulated_delay_s": 0.0, "scenarios": True, "status_retry_s": 0.02,
                     "recovery_deadline_s": 0.3, "payment_timeout_s": 0.5},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    cfg = config.parse(data)
    return cfg.model_copy(update={"demo": True})


@pytest.fixture
def backend_factory(tmp_path: Path) -> Callable[..., Backend]:
    made: list[Backend] = []

    def build(**sections: dict[str, Any]) -> Backend:
        backend = open_backend(make_config(tmp_path, **sections))
        made.append(backend)
        return backend

    yield build
    for b in made:
        b.journal.close()
        if b.terminal_lock:
            b.terminal_lock.release()


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


class SwitchableTransport(httpx.AsyncBaseTransport):
    """The real ASGI transport, with chosen routes made unreachable (a connection error)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down: set[str] = set()  # path suffixes, e.g. "/payments"; "*" = everything

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "*" in self.down or any(path.endswith(p) for p in self.down):
            raise httpx.ConnectError("simulated outage", request=request)
        return await self.inner.handle_async_request(request)
