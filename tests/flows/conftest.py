"""Flow tests: the real payment service on the embedded gateway (real HTTP over ASGI), the
in-process nexo simulator and the receipt printer's preview device. Nothing is faked but the
failures we inject (a transport that drops one route, a printer that reports no paper)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk import config, journal_command
from kiosk.backend import Backend
from kiosk.gateway_client import GatewayClient
from launcher.embedded import BASE_URL, open_backend

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
    """The real ASGI transport, with chosen routes made unreachable (a connection error), or
    handed a body the real gateway must refuse for good (its own 422 validation-error answer)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down: set[str] = set()  # path suffixes, e.g. "/payments"; "*" = everything
        self.invalid: set[str] = set()  # path suffixes whose body gets an impossible client_txn_id

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "*" in self.down or any(path.endswith(p) for p in self.down):
            raise httpx.ConnectError("simulated outage", request=request)
        if any(path.endswith(p) for p in self.invalid):
            body = json.loads(request.content)
            body["client_txn_id"] = "not a valid id!"
            headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() != "content-length"]
            request = httpx.Request(request.method, request.url, headers=headers,
                                    content=json.dumps(body).encode())
        return await self.inner.handle_async_request(request)


def rewire(backend: Backend) -> SwitchableTransport:
    """The payment services talk to the real embedded gateway through a switchable transport."""
    switch = SwitchableTransport(backend.link.transport())
    backend.payments.gateway = GatewayClient(BASE_URL, backend.link.token, transport=switch,
                                             retries=0)
    return switch


def journal_cli(backend: Backend, tmp_path: Path, capsys, *argv: str) -> str:
    """`kiosk journal ...` in-process, on the backend's journal file (its own connection)."""
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[kiosk]\ndata_dir = "{backend.config.kiosk.data_dir}"\n', encoding="utf-8")
    parser = argparse.ArgumentParser()
    journal_command.configure(parser)
    args = parser.parse_args([*argv, "--config", str(cfg)])
    capsys.readouterr()
    assert args.func(args) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def listed(out: str, txn: str) -> tuple[str, str]:
    """The `journal list` row of a payment and the reason line under it."""
    lines = out.splitlines()
    [i] = [n for n, ln in enumerate(lines) if ln.startswith(txn[:8])]
    return lines[i], lines[i + 1] if i + 1 < len(lines) else ""
