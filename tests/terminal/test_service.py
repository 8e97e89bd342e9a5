"""TerminalService + journal + recovery against the simulator process (real HTTP)."""

from __future__ import annotations

import asyncio

from common.clock import SystemClock
from kiosk.journal import MoneyState as M
from kiosk.payments.terminal_service import TerminalService, recover_terminal
from kiosk.terminal.base import OutcomeStatus, Reason

from .conftest import http_driver


def service(sim_url: str, sale_id: str, journal, **kw) -> TerminalService:  # type: ignore[no-untyped-def]
    d = http_driver(sim_url, sale_id, payment_timeout_s=kw.pop("payment_timeout_s", 2.0))
    return TerminalService(d, journal, clock=SystemClock(), status_retry_s=0.05,
                           recovery_deadline_s=kw.pop("deadline_s", 1.0))


def pay(svc: TerminalService, journal, cents: int):  # type: ignore[no-untyped-def]
    entry = journal.begin_payment(amount_cents=cents, method="card", data={})

    async def go():  # type: ignore[no-untyped-def]
        try:
            return await svc.pay(entry.client_txn_id)
        finally:
            await svc.driver.aclose()
    return entry.client_txn_id, asyncio.run(go())


def charges(sim_url: str, sale_id: str) -> int:
    async def go() -> int:
        d = http_driver(sim_url, sale_id + "r")
        try:
            rec = await d.reconcile(f"RC{next(_rc)}")
            return rec.totals[0]["count"]
        finally:
            await d.aclose()
    return asyncio.run(go())


import itertools

_rc = itertools.count(1)


def test_approved_is_journaled_with_the_outcome(sim, sale_id, journal) -> None:
    txn, out = pay(service(sim.nexo_url, sale_id, journal), journal, 1250)
    assert out.paid
    e = journal.get(txn)
    assert e.money_state is M.APPROVED and e.terminal["transaction_id"] == out.transaction_id
    assert e.service_id and e.terminal["receipt_lines"]
    ids = journal.service_ids_for(txn)
    assert [p for _, p in ids] == ["payment"]


def test_answer_lost_ends_approved_once(sim, sale_id, journal) -> None:
    before = charges(sim.nexo_url, sale_id)
    txn, out = pay(service(sim.nexo_url, sale_id, journal), journal, 1296)
    assert out.status is OutcomeStatus.APPROVED
    assert journal.get(txn).money_state is M.APPROVED
    assert charges(sim.nexo_url, sale_id) == before + 1  # never a second charge
    purposes = [p for _, p in journal.service_ids_for(txn)]
    assert purposes[0] == "payment" and "status" in purposes
    assert len(set(s for s, _ in journal.service_ids_for(txn))) == len(purposes)


def test_hang_is_aborted_and_ends_void(sim, sale_id, journal) -> None:
    svc = service(sim.nexo_url, sale_id, journal, payment_timeout_s=0.3)
    txn, out = pay(svc, journal, 1295)
    assert not out.paid and out.status is OutcomeStatus.CANCELLED
    assert journal.get(txn).money_state is M.VOID


def test_partial_is_reversed_and_not_paid(sim, sale_id, journal) -> None:
    txn, out = pay(service(sim.nexo_url, sale_id, journal), journal, 2094)
    assert out.status is OutcomeStatus.PARTIAL and not out.paid
    assert out.reason is Reason.PARTIAL_REVERSED and out.amount_cents == 1047
    assert journal.get(txn).money_state is M.REVERSED
    states = [e["to_state"] for e in journal.events(txn)]
    assert states == ["RESERVED", "SENT_TO_TERMINAL", "REVERSAL_PENDING", "REVERSED"]


def test_declined_and_busy(sim, sale_id, journal) -> None:
    txn, out = pay(service(sim.nexo_url, sale_id, journal), journal, 591)
    assert out.status is OutcomeStatus.DECLINED and journal.get(txn).money_state is M.DECLINED
    txn, out = pay(service(sim.nexo_url, sale_id, journal), journal, 593)
    assert out.status is OutcomeStatus.BUSY and journal.get(txn).money_state is M.CANCELLED


def test_cancel_aborts_and_keeps_waiting_for_the_answer(sim, sale_id, journal) -> None:
    async def go(cents: int):  # type: ignore[no-untyped-def]
        svc = service(sim.nexo_url, sale_id, journal)
        entry = journal.begin_payment(amount_cents=cents, method="card", data={})
        task = asyncio.create_task(svc.pay(entry.client_txn_id))
        while not svc.busy or svc._current is None:
            await asyncio.sleep(0.01)
        assert await svc.cancel()
        out = await task
        await svc.driver.aclose()
        return entry.client_txn_id, out

    txn, out = asyncio.run(go(1297))
    assert out.status is OutcomeStatus.CANCELLED and journal.get(txn).money_state is M.CANCELLED
    txn, out = asyncio.run(go(1298))  # abort came too late: the resident has paid
    assert out.paid and journal.get(txn).money_state is M.APPROVED


def test_recovery_not_found_is_never_approved(sim, sale_id, journal) -> None:
    entry = journal.begin_payment(amount_cents=700, method="card", data={})
    sid = journal.allocate_service_id(entry.client_txn_id, "payment")
    journal.transition(entry.client_txn_id, M.SENT_TO_TERMINAL, service_id=sid)  # crash: not sent

    async def go():  # type: ignore[no-untyped-def]
        d = http_driver(sim.nexo_url, sale_id)
        try:
            return await recover_terminal(journal, d, clock=SystemClock(), deadline_s=1.0,
                                          retry_s=0.05)
        finally:
            await d.aclose()
    results = asyncio.run(go())
    assert [(r.before, r.after) for r in results] == [(M.SENT_TO_TERMINAL, M.VOID)]
    assert results[0].outcome.status is OutcomeStatus.NOT_FOUND


def test_recovery_past_deadline_goes_to_manual_review(sale_id, journal) -> None:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    entry = journal.begin_payment(amount_cents=700, method="card", data={})
    sid = journal.allocate_service_id(entry.client_txn_id, "payment")
    journal.transition(entry.client_txn_id, M.SENT_TO_TERMINAL, service_id=sid)
    journal.transition(entry.client_txn_id, M.UNKNOWN)

    async def go():  # type: ignore[no-untyped-def]
        d = http_driver(f"http://127.0.0.1:{port}/nexo", sale_id)
        try:
            return await recover_terminal(journal, d, clock=SystemClock(), deadline_s=0.2,
                                          retry_s=0.05)
        finally:
            await d.aclose()
    results = asyncio.run(go())
    assert results[0].after is M.MANUAL_REVIEW


def test_staff_refund(sim, sale_id, journal) -> None:
    txn, _ = pay(service(sim.nexo_url, sale_id, journal), journal, 3300)
    svc = service(sim.nexo_url, sale_id, journal)

    async def go():  # type: ignore[no-untyped-def]
        try:
            return await svc.refund(txn, 3300)
        finally:
            await svc.driver.aclose()
    rev = asyncio.run(go())
    assert rev.status is OutcomeStatus.APPROVED and journal.get(txn).money_state is M.REVERSED
