"""Helpers for the payment-path GUI tests: asyncio + Kivy together, scans, keypad typing, taps.

The harness (conftest.py) pumps Kivy synchronously and has no running asyncio loop; these tests
run their scenario inside `asyncio.run(...)`, so the screens' visit tasks and the payment service
run on that loop while `until()` pumps Kivy frames and yields to asyncio.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Coroutine
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from kivy_time import FakeKivyClock

from gateway.demo_data import demo_invoice
from kiosk.gateway_client import GatewayClient
from kiosk.payments.visit import payment_visit
from launcher.embedded import BASE_URL

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "printer"))


class SwitchableTransport(httpx.AsyncBaseTransport):
    """The real ASGI transport, with chosen routes made unreachable (a connection error)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down: set[str] = set()  # path suffixes, e.g. "/payments"; "*" = everything

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if "*" in self.down or any(request.url.path.endswith(p) for p in self.down):
            raise httpx.ConnectError("simulated outage", request=request)
        return await self.inner.handle_async_request(request)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


async def until(gui: Any, cond: Callable[[], bool], timeout: float = 8.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or cond}; on {gui.shell.manager.current}; "
                                 f"notice: {getattr(gui.shell.current, 'notice_code', '')}")
        # A frame costs ~20 ms of software rendering: let asyncio work between frames.
        gui.pump(1)
        for _ in range(4):
            await asyncio.sleep(0.005)
            if cond():
                break
    gui.pump(2)


async def ready_backend(gui: Any) -> Any:
    backend = gui.services.backend
    if not backend.ready.is_set():
        await backend.start()
    assert backend.ready.is_set()
    return backend


class Taps:
    """Counts the resident's taps (for the tap-count figure)."""

    def __init__(self, gui: Any) -> None:
        self.gui = gui
        self.count = 0

    def __call__(self, widget: Any) -> None:
        self.count += 1
        self.gui.tap(widget)


def scan(gui: Any, text: str) -> None:
    """A keyboard-wedge scanner's burst: one key event per character, then Enter."""
    w = gui.window
    for ch in text:
        if ch.isalpha() and ch.isupper():
            w.dispatch("on_key_down", ord(ch.lower()), 0, ch.lower(), ["shift"])
        else:
            w.dispatch("on_key_down", ord(ch), 0, ch, [])
    w.dispatch("on_key_down", 13, 40, None, [])
    gui.pump(1)


def code128(notice: str) -> str:
    inv = demo_invoice(notice)
    return f"KAC{inv.notice_number}-{inv.check_value}"


def type_on_keypad(gui: Any, digits: str, tap: Callable[[Any], None] | None = None) -> None:
    keypad = gui.screen("find").ids.keypad
    for d in digits:
        if tap is None:
            gui.tap(keypad.keys[d], frames=1)
        else:
            tap(keypad.keys[d])


def steer_cents(gui: Any, cents: int) -> None:
    """Make the cart's first line cost `cents` (the demo terminal's cent scenarios) — the test's
    stand-in for an invoice whose instalment happens to end in ,91 etc."""
    from dataclasses import replace

    cart = payment_visit(gui.services.visit).cart
    line = cart.lines[0]
    cart.lines[0] = replace(line, invoice=line.invoice.model_copy(update={"due_now_cents": cents}))
    gui.screen("invoices").refresh()


@contextmanager
def scenarios(gui: Any, *, delay_s: float | None = None):
    """Turn the simulator's cent scenarios on (and optionally a slower approval) for a block."""
    sim = gui.services.backend.terminal.driver.terminal
    before = (sim.scenarios, sim.approve_delay_s)
    sim.scenarios = True
    if delay_s is not None:
        sim.approve_delay_s = delay_s
    try:
        yield sim
    finally:
        sim.scenarios, sim.approve_delay_s = before


@contextmanager
def gateway_down(gui: Any, *routes: str):
    """The payment service's gateway with chosen routes unreachable (connection errors)."""
    backend = gui.services.backend
    switch = SwitchableTransport(backend.link.transport())
    switch.down.update(routes)
    original = backend.payments.gateway
    backend.payments.gateway = GatewayClient(BASE_URL, backend.link.token, transport=switch,
                                             retries=0)
    try:
        yield switch
    finally:
        backend.payments.gateway = original


def clear_failed_checks(gui: Any) -> None:
    """The gateway counts wrong check values per kiosk for 10 minutes; forget them for the other
    tests of this process."""
    from sqlalchemy import delete

    from gateway.db import session_factory
    from gateway.models import FailedCheck

    engine = gui.services.backend.link.handle.app.state.gateway.engine
    with session_factory(engine).begin() as s:
        s.execute(delete(FailedCheck))


async def to_confirm(gui: Any, notice: str, cents: int | None = None,
                     tap: Callable[[Any], None] | None = None) -> None:
    """Home -> Pay invoices -> type the notice + check on the keypad -> Invoices -> Continue."""
    tap = tap or gui.tap
    await ready_backend(gui)
    tap(gui.screen("home").choices["pay"])
    assert gui.shell.manager.current == "find"
    inv = demo_invoice(notice)
    type_on_keypad(gui, inv.notice_number + inv.check_value, tap)
    tap(gui.screen("find").ids.find)
    await until(gui, lambda: gui.shell.manager.current == "invoices", what="invoices")
    if cents is not None:
        steer_cents(gui, cents)
    tap(gui.screen("invoices").ids.proceed)
    assert gui.shell.manager.current == "confirm"


async def pay_and_wait(gui: Any, tap: Callable[[Any], None] | None = None) -> Any:
    (tap or gui.tap)(gui.screen("confirm").ids.pay)
    await until(gui, lambda: gui.shell.manager.current == "outcome"
                and gui.screen("outcome").kind not in ("", "resolving"), what="outcome")
    return gui.screen("outcome")


class KivyTimeWarp(FakeKivyClock):
    """The fake Kivy clock pushed for one block only (conftest's fake_clock is active for a whole
    test). Under a fake clock, triggers made under the real one (layouts) stand still, so the path
    is walked first and time is warped only while on the Pay screen."""
