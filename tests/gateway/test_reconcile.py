"""Daily reconciliation: payments taken on the real terminal simulator and posted over HTTP, the
terminal's Reconciliation totals reported by the kiosk's own client, and `kiosk gateway reconcile`
listing every difference (exit 1), on a fresh SQLite and PostgreSQL database each."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from gw_helpers import Gateway, create_pg_database, pg_admin_url, start_gateway
from ops_helpers import key, pay, run_cli

from common.schema import TerminalReconciliationReport, TerminalTotal
from gateway.settings import local_date
from kiosk.gateway_client import GatewayClient, GatewayRefused
from kiosk.terminal.nexo import NexoDriver
from kiosk.terminal.sim_process import start_simulator
from kiosk.terminal.transport import HttpTransport


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_gw(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Gateway]:
    """A gateway on a database of its own: the reconciliation covers every kiosk in it."""
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gw.sqlite3'}"
    else:
        admin = pg_admin_url()
        if admin is None:
            pytest.skip("no PostgreSQL (set KIOSK_TEST_PG_URL)")
        url, drop = create_pg_database(admin)
    gw = start_gateway(request.param, url)
    yield gw
    gw.server.stop()
    gw.engine.dispose()
    if drop:
        drop()


def _terminal_payments(url: str, amounts: list[int]) -> tuple[list[str], TerminalReconciliationReport]:
    """Pay `amounts` on the simulator, then reconcile it: (transaction ids, the report to send)."""
    async def go() -> tuple[list[str], TerminalReconciliationReport]:
        d = NexoDriver(HttpTransport(url), sale_id=f"R{uuid.uuid4().hex[:6]}", poi_id="SIM-POI-1",
                       payment_timeout_s=5.0, side_timeout_s=2.0)
        try:
            txns = []
            for i, cents in enumerate(amounts):
                out = await d.pay(f"P{i}", cents, sale_txn_id=f"s{i}")
                assert out.paid
                txns.append(out.transaction_id)
            rec = await d.reconcile("RC1")
            assert rec.ok
        finally:
            await d.aclose()
        report = TerminalReconciliationReport(
            terminal_id="SIM-POI-1", reconciliation_id=rec.reconciliation_id,
            business_date=local_date(datetime.now(UTC)), reconciled_at=datetime.now(UTC),
            totals=[TerminalTotal(brand=t["brand"], currency=t["currency"], count=t["count"],
                                  amount_cents=t["amount_cents"]) for t in rec.totals])
        return txns, report
    return asyncio.run(go())


def _send(gw: Gateway, token: str, report: TerminalReconciliationReport, idem: str) -> object:
    async def go() -> object:
        async with GatewayClient(gw.base_url, token) as client:
            return await client.report_reconciliation(report, idempotency_key=idem)
    return asyncio.run(go())


def test_terminal_totals_against_postings_and_every_difference_listed(
        fresh_gw: Gateway, capsys: pytest.CaptureFixture[str]) -> None:
    gw = fresh_gw
    day = local_date(datetime.now(UTC)).isoformat()
    kiosk_a, token_a = gw.add_kiosk()
    kiosk_b, token_b = gw.add_kiosk()
    kiosk_c, token_c = gw.add_kiosk()
    with start_simulator(slow_s=0.05) as sim_a, start_simulator(slow_s=0.05) as sim_b:
        txns_a, report_a = _terminal_payments(sim_a.nexo_url, [1250, 3874])
        # Kiosk B's terminal took two payments; only the first ever reached the gateway.
        txns_b, report_b = _terminal_payments(sim_b.nexo_url, [990, 4500])
    for txn, cents in zip(txns_a, [1250, 3874], strict=True):
        _inv, notice, check = gw.make_invoice(total=cents)
        pay(gw, token_a, notice, check, cents, terminal_txn=txn, receipt_no=f"{kiosk_a}.1-{cents}")
    _inv, notice, check = gw.make_invoice(total=990)
    pay(gw, token_b, notice, check, 990, terminal_txn=txns_b[0], receipt_no=f"{kiosk_b}.1-1")
    _inv, notice, check = gw.make_invoice(total=700)
    pay(gw, token_c, notice, check, 700)  # kiosk C never reports

    idem = str(uuid.uuid4())
    ack = _send(gw, token_a, report_a, idem)
    assert (ack.card_count, ack.card_cents) == (2, 5124)  # type: ignore[attr-defined]
    assert _send(gw, token_a, report_a, idem) == ack  # replayed
    assert _send(gw, token_a, report_a, str(uuid.uuid4())) == ack  # the same report under a new key
    _send(gw, token_b, report_b, str(uuid.uuid4()))

    code, out, _err = run_cli(capsys, "gateway", "reconcile", "--db", gw.db_url, "--date", day)
    assert code == 1
    status = {line.split()[0]: line.split()[-1] for line in out.splitlines()[1:4]}
    assert status == {kiosk_a: "ok", kiosk_b: "differs", kiosk_c: "no-report"}
    assert f"{kiosk_b}: differs, terminal minus gateway 45.00 EUR, 1 payments" in out
    assert f"receipt {kiosk_b}.1-1  terminal txn {txns_b[0]}" in out
    assert "1 kiosks agree, 2 differ" in out


def test_a_report_cannot_be_rewritten_or_dated_ahead(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    now = datetime.now(UTC)
    report = TerminalReconciliationReport(
        terminal_id="T1", reconciliation_id=f"R{uuid.uuid4().hex[:8]}", business_date=local_date(now),
        reconciled_at=now, totals=[TerminalTotal(brand="visa", count=1, amount_cents=100)])
    _send(gw, token, report, str(uuid.uuid4()))
    changed = report.model_copy(update={"totals": [TerminalTotal(brand="visa", count=1, amount_cents=99)]})
    with pytest.raises(GatewayRefused) as exc:
        _send(gw, token, changed, str(uuid.uuid4()))
    assert exc.value.status == 409
    with gw.http(token) as c:
        body = report.model_dump(mode="json") | {"business_date": (local_date(now) + timedelta(days=2)).isoformat(),
                                                  "reconciliation_id": "ahead"}
        r = c.post("/terminal-reconciliations", headers=key(), json=body)
        assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/business_date"
        r = c.post("/terminal-reconciliations", headers=key(), json=body | {
            "business_date": local_date(now).isoformat(), "totals": [{"brand": "v", "count": "1", "amount_cents": 1}]})
        assert r.status_code == 422  # strict: a count given as text is refused
