"""The nexo driver against the simulator process over real HTTP on loopback: every scenario."""

from __future__ import annotations

import asyncio
import socket

import pytest

from kiosk.terminal.base import OutcomeStatus, Reason

from .conftest import http_driver


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.mark.parametrize("cents,status,reason", [
    (1250, OutcomeStatus.APPROVED, None),
    (1291, OutcomeStatus.DECLINED, Reason.CARD_DECLINED),
    (1292, OutcomeStatus.CANCELLED, Reason.CANCELLED),
    (1293, OutcomeStatus.BUSY, Reason.TERMINAL_BUSY),
    (1294, OutcomeStatus.PARTIAL, Reason.PARTIAL_REVERSED),
])
def test_immediate_outcomes(sim, sale_id: str, cents: int, status: OutcomeStatus,
                            reason: Reason | None) -> None:
    async def go() -> None:
        d = http_driver(sim.nexo_url, sale_id)
        try:
            out = await d.pay("P1", cents, sale_txn_id="t1")
        finally:
            await d.aclose()
        assert out.status is status and out.reason == reason
        if status is OutcomeStatus.APPROVED:
            assert out.amount_cents == cents and out.last4 == "3511" and out.approval_code
            assert out.transaction_id and out.transaction_time and out.receipt_lines
        if status is OutcomeStatus.PARTIAL:
            assert out.amount_cents == cents // 2 and not out.paid
    run(go())


def test_hang_times_out_unknown_then_status_in_progress_then_abort_ends_it(sim, sale_id) -> None:
    async def go() -> None:
        d = http_driver(sim.nexo_url, sale_id, payment_timeout_s=0.3)
        try:
            out = await d.pay("H1", 1295, sale_txn_id="t")
            assert out.status is OutcomeStatus.UNKNOWN
            assert (await d.status("H1", "H2")).status is OutcomeStatus.IN_PROGRESS
            await d.abort("H1", "H3")
            await asyncio.sleep(0.05)
            st = await d.status("H1", "H4")
            assert st.status is OutcomeStatus.CANCELLED and not st.paid
        finally:
            await d.aclose()
    run(go())


def test_answer_lost_is_unknown_and_status_finds_the_approval(sim, sale_id) -> None:
    async def go() -> None:
        d = http_driver(sim.nexo_url, sale_id)
        try:
            out = await d.pay("L1", 1296, sale_txn_id="t-lost")
            assert out.status is OutcomeStatus.UNKNOWN  # never "failed"
            st = await d.status("L1", "L2", requested_cents=1296)
            assert st.status is OutcomeStatus.APPROVED and st.amount_cents == 1296
            assert st.sale_txn_id == "t-lost" and st.receipt_lines
        finally:
            await d.aclose()
    run(go())


def test_slow_answer_and_abort_during_it(sim, sale_id) -> None:
    async def go() -> None:
        d = http_driver(sim.nexo_url, sale_id)
        try:
            out = await d.pay("S1", 1297, sale_txn_id="t")
            assert out.status is OutcomeStatus.APPROVED
            pay = asyncio.create_task(d.pay("S2", 2297, sale_txn_id="t2"))
            await asyncio.sleep(0.05)
            # Beside the open payment: a second payment is Busy, status is InProgress.
            assert (await d.pay("S3", 100, sale_txn_id="t3")).status is OutcomeStatus.BUSY
            assert (await d.status("S2", "S4")).status is OutcomeStatus.IN_PROGRESS
            await d.abort("S2", "S5")
            out = await pay
            assert out.status is OutcomeStatus.CANCELLED and out.error_condition == "Aborted"
            # Too late to abort (,98): the original answer says approved, so it is paid.
            late = asyncio.create_task(d.pay("S6", 1298, sale_txn_id="t6"))
            await asyncio.sleep(0.05)
            await d.abort("S6", "S7")
            assert (await late).status is OutcomeStatus.APPROVED
        finally:
            await d.aclose()
    run(go())


@pytest.mark.parametrize("cents", [*range(1, 91), 999_999])
def test_every_small_amount_and_the_largest_round_trip_exactly(sim, sale_id, cents) -> None:
    async def go() -> None:
        d = http_driver(sim.nexo_url, sale_id)
        try:
            out = await d.pay("A1", cents, sale_txn_id="t")
            assert out.status is OutcomeStatus.APPROVED and out.amount_cents == cents
        finally:
            await d.aclose()
    run(go())


def test_status_of_unknown_payment_is_not_found(sim, sale_id) -> None:
    async def go() -> None:
        d = http_driver(sim.nexo_url, sale_id)
        try:
            st = await d.status("NEVER1", "N2")
            assert st.status is OutcomeStatus.NOT_FOUND and not st.paid
        finally:
            await d.aclose()
    run(go())


def test_reused_service_id_and_wrong_poi_are_rejected(sim, sale_id) -> None:
    async def go() -> None:
        d = http_driver(sim.nexo_url, sale_id)
        try:
            assert (await d.pay("R1", 100, sale_txn_id="t")).status is OutcomeStatus.APPROVED
            again = await d.pay("R1", 100, sale_txn_id="t")
            assert again.status is OutcomeStatus.DECLINED and again.error_condition == "Reject"
            d.poi_id = "OTHER-1"
            out = await d.pay("R2", 100, sale_txn_id="t")
            assert out.error_condition == "Reject" and not out.paid
        finally:
            await d.aclose()
    run(go())


def test_reversal_diagnosis_reconciliation(sim, sale_id) -> None:
    async def go() -> None:
        d = http_driver(sim.nexo_url, sale_id)
        try:
            paid = await d.pay("V1", 4321, sale_txn_id="t")
            rev = await d.refund("V2", transaction_id=paid.transaction_id,
                                 transaction_time=paid.transaction_time, amount_cents=4321)
            assert rev.status is OutcomeStatus.APPROVED and rev.amount_cents == 4321
            twice = await d.refund("V3", transaction_id=paid.transaction_id,
                                   transaction_time=paid.transaction_time)
            assert twice.status is not OutcomeStatus.APPROVED
            diag = await d.diagnose("V4")
            assert diag.reachable and diag.terminal_ok and diag.host_reachable
            rec = await d.reconcile("V5")
            assert rec.ok and rec.reconciliation_id and rec.totals[0]["count"] >= 1
        finally:
            await d.aclose()
    run(go())


def test_cloud_sync_needs_the_api_key(tmp_path, sale_id) -> None:
    from kiosk.terminal.sim_process import start_simulator

    key = tmp_path / "api_key"
    key.write_text("AQE-test-key\n")
    with start_simulator(api_key_file=key) as cloud:
        async def go() -> None:
            good = http_driver(cloud.url + "/sync", sale_id, api_key="AQE-test-key")
            bad = http_driver(cloud.url + "/sync", sale_id, api_key="wrong")
            try:
                assert (await good.pay("C1", 500, sale_txn_id="t")).status is \
                    OutcomeStatus.APPROVED
                out = await bad.pay("C2", 500, sale_txn_id="t")
                assert out.status is OutcomeStatus.NOT_FOUND  # refused before it reached the POI
            finally:
                await good.aclose()
                await bad.aclose()
        run(go())


def test_unreachable_terminal_means_not_sent(sale_id) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def go() -> None:
        d = http_driver(f"http://127.0.0.1:{port}/nexo", sale_id)
        try:
            out = await d.pay("U1", 100, sale_txn_id="t")
            assert out.status is OutcomeStatus.NOT_FOUND
            assert out.reason is Reason.TERMINAL_UNAVAILABLE
            assert not (await d.diagnose("U2")).reachable
        finally:
            await d.aclose()
    run(go())
