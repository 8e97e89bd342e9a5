"""Rendered paper invoices decode back to the notice + check value; the embedded gateway answers."""

from __future__ import annotations

import asyncio
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import zxingcpp

from common.invoice_codes import parse_scanned
from gateway.demo_data import DEMO_INVOICES, demo_invoice
from gateway.paper import write_invoices
from launcher.embedded import TOKEN_NAME, open_embedded


def test_rendered_codes_decode_to_notice_and_check(artifacts: Path) -> None:
    picks = [demo_invoice("2026000457"), demo_invoice("2026000462"), DEMO_INVOICES[-1]]
    paths = write_invoices(picks, artifacts / "invoices", today=date(2026, 3, 1))
    for inv, path in zip(picks, paths, strict=True):
        from PIL import Image

        found = zxingcpp.read_barcodes(Image.open(path))
        formats = {str(b.format) for b in found}
        assert {"QRCode", "Code128"} <= {f.replace(" ", "") for f in formats}, formats
        for b in found:
            assert parse_scanned(b.text + "\r\n") == (inv.notice_number, inv.check_value)
        qr = next(b for b in found if "QR" in str(b.format))
        lines = qr.text.split("\n")
        assert lines[:4] == ["BCD", "002", "1", "SCT"]
        if inv.balance_cents == 0:
            assert len(lines) < 8 or lines[7] == ""  # nothing to pay: no amount in the QR
    pdf = write_invoices(picks[:1], artifacts / "invoices", fmt="pdf")[0]
    assert pdf.read_bytes().startswith(b"%PDF")


def test_embedded_gateway_answers_a_search_over_asgi(tmp_path: Path) -> None:
    inv = demo_invoice("2026000457")

    async def go(data: Path) -> str:
        gw = open_embedded(data)
        try:
            async with gw.client() as c:
                assert (await c.health()).status == "ok"
                view = (await c.search_invoices(inv.notice_number, inv.check_value)).invoices[0]
                intent = await c.create_intent("emb-1", [(view.invoice_id, view.due_now_cents)], idempotency_key="e1")
                pay = await c.post_payment("emb-1", method="card", amount_cents=intent.total_cents,
                                           approved_at=datetime.now(UTC), idempotency_key="e2")
                assert pay.allocated_cents == view.due_now_cents
            return gw.token
        finally:
            gw.close()

    token = asyncio.run(go(tmp_path))
    token_file = tmp_path / TOKEN_NAME
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert (tmp_path / "gateway.sqlite3").exists()
    assert asyncio.run(go_again(tmp_path)) == token


async def go_again(data: Path) -> str:
    gw = open_embedded(data)
    try:
        async with gw.client() as c:
            look = await c.lookup_payment("emb-1")
            assert look.found  # the same database, the same kiosk, after a restart
        return gw.token
    finally:
        gw.close()
