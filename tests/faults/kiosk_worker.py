"""A kiosk-side process for the fault matrix: the real services from a TOML config, no Kivy.

    python tests/faults/kiosk_worker.py CONFIG pay NOTICE CENTS RESULT_JSON
    python tests/faults/kiosk_worker.py CONFIG recover RESULT_JSON
    python tests/faults/kiosk_worker.py CONFIG pay-cash NOTICE CHANGE_CENTS RESULT_JSON
    python tests/faults/kiosk_worker.py CONFIG recover-desk RESULT_JSON

`pay` starts the kiosk's services like the app does (start-up recovery first), searches the demo
invoice NOTICE at the gateway, puts it in a cart for CENTS (the cents steer the simulator's outcome)
and pays by card. `recover` is the restart: PaymentService.recover() then flush_outbox(). The
result JSON is written only when the process gets to the end, so a killed process leaves none.
`pay-cash` is the librarian's desk: the operator (FAULT_OPERATOR, FAULT_PIN) signs in, and the
invoice is paid in cash, CHANGE_CENTS more handed over (kiosk.payments.cash); `recover-desk` is the
restart with the operator signed in again, so cash left waiting for a session is posted too.

Environment, besides the kiosk's own `KIOSK_CRASH_AT=<point>[,<point>]`:
- FAULT_TRACE=<file>: every crash point the process passes is appended to the file (one a line),
  so the test can tell "this path never passes that point" from "the point did not fire".
- FAULT_AT=<point>#<n>: die at the n-th pass of a point (e.g. the second `RESERVED:after`, once the
  gateway holds the reservation), which `KIOSK_CRASH_AT` alone cannot name.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

# Run as a plain script: make the repository importable without installing anything.
_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import kiosk.journal.crash as kcrash


def _install_trace() -> None:
    """Wrap the kiosk's crash_point (looked up on kiosk.journal.crash at each call) to trace it."""
    trace = os.environ.get("FAULT_TRACE", "")
    nth_at = os.environ.get("FAULT_AT", "")
    target, _, nth = nth_at.partition("#")
    wanted_n = int(nth or "1")
    original = kcrash.crash_point
    seen: dict[str, int] = {}

    def traced(name: str) -> None:
        seen[name] = seen.get(name, 0) + 1
        if trace:
            fd = os.open(trace, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                os.write(fd, f"{name}#{seen[name]}\n".encode())
            finally:
                os.close(fd)
        if target and name == target and seen[name] == wanted_n:
            os.kill(os.getpid(), signal.SIGKILL)
        original(name)

    kcrash.crash_point = traced  # type: ignore[assignment]


CASH_PART_CENTS = 1250


async def _pay(backend: Any, notice: str, cents: int) -> dict[str, Any]:
    from gateway.demo_data import demo_invoice
    from kiosk.payments.cart import Cart

    await backend.start()
    inv = demo_invoice(notice)
    found = await backend.gateway.search_invoices(inv.notice_number, inv.check_value)
    [view] = found.invoices
    cart = Cart()
    cart.add(view.model_copy(update={"due_now_cents": cents}))
    result = await backend.payments.pay(cart, lang="lv")
    return {"verdict": result.verdict.value, "code": result.code,
            "client_txn_id": result.client_txn_id, "receipt_no": result.receipt_no,
            "printed": result.printed, "awaiting_confirmation": result.awaiting_confirmation}


async def _recover(backend: Any) -> dict[str, Any]:
    remaining = await backend.payments.recover()
    sent = await backend.payments.flush_outbox()
    return {"remaining": [[e.client_txn_id, e.money_state.value, e.receipt_state.value]
                          for e in remaining], "flushed": sent}


async def _desk(backend: Any) -> Any:
    from kiosk.desk.service import desk_of

    desk = desk_of(backend)
    desk.session.pin.choose(os.environ["FAULT_OPERATOR"])
    for digit in os.environ["FAULT_PIN"]:
        desk.session.pin.type_digit(digit)
    code = await desk.sign_in()
    if code != "signed-in":
        raise SystemExit(f"desk sign-in refused: {code}")
    return desk


async def _pay_cash(backend: Any, notice: str, change: int) -> dict[str, Any]:
    from gateway.demo_data import demo_invoice
    from kiosk.payments.cart import Cart

    await backend.start()
    desk = await _desk(backend)
    inv = demo_invoice(notice)
    found = await backend.gateway.search_invoices(inv.notice_number, inv.check_value)
    cart = Cart()
    # Part of the invoice, as the card cases pay: the lanes' roomy invoices serve every case, and a
    # whole-balance payment here would leave a later case an invoice already paid.
    cart.add(found.invoices[0].model_copy(update={"due_now_cents": CASH_PART_CENTS}))
    # The resident hands over more than is due: the receipt shows the change.
    result = await backend.payments.cash.pay(cart, tendered_cents=cart.total_cents + change,
                                             operator=desk.operator, lang="lv")
    return {"verdict": result.verdict.value, "code": result.code,
            "client_txn_id": result.client_txn_id, "receipt_no": result.receipt_no,
            "amount_cents": cart.total_cents}


async def _recover_desk(backend: Any) -> dict[str, Any]:
    desk = await _desk(backend)
    out = await _recover(backend)
    out["expected_cash"] = await desk.expected_cash()
    return out


async def _run(config_path: str, mode: str, args: list[str]) -> dict[str, Any]:
    from kiosk.config import load
    from launcher.embedded import open_backend

    backend = open_backend(load(config_path))
    try:
        if mode == "pay":
            return await _pay(backend, args[0], int(args[1]))
        if mode == "recover":
            return await _recover(backend)
        if mode == "pay-cash":
            return await _pay_cash(backend, args[0], int(args[1]))
        if mode == "recover-desk":
            return await _recover_desk(backend)
        raise SystemExit(f"unknown mode {mode!r}")
    finally:
        await backend.aclose()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    config_path, mode, *rest = argv
    out = Path(rest[-1])
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    _install_trace()
    result = asyncio.run(_run(config_path, mode, rest[:-1]))
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
