"""The payment flow's receipt port: entry -> signed receipt; duplicates keep the QR; slips."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from escpos_decode import decode, model_pages

from common.signing import demo_keys_dir, demo_signer, load_public_keys, verify
from kiosk.config import parse
from printer.port import JournalReceiptPort
from printer.samples import HEADER
from printer.service import ReceiptPrinter


def entry(n: int, method: str = "card") -> SimpleNamespace:
    when = datetime(2026, 11, 27, 10, n, tzinfo=UTC)
    return SimpleNamespace(
        client_txn_id=f"t{n}", method=method, amount_cents=6193, receipt_no=f"demo-zoseni-1.1-{n}",
        reference_code=f"R{n:04d}", created_at=when, updated_at=when,
        terminal={"receipt_lines": ["VISA ****4242", "AUTH 123456", "APPROVED"]},
        data={"lang": "lv", "payer_names": ["J*** B*****S"], "lines": [
            {"invoice_id": "i1", "notice_number": "2026000457", "service": "Nekustamā īpašuma nodoklis",
             "creditor_id": "CESIS-NIN", "period_start": "2026-04-01", "period_end": "2026-06-30",
             "amount_cents": 4218},
            {"invoice_id": "i2", "notice_number": "UK-118204", "service": "Ūdensapgāde", "creditor_id": "CU",
             "period_start": "2026-10-01", "period_end": "2026-10-31", "amount_cents": 1975}]},
    )


def test_port_prints_signed_chained_receipts_and_duplicates(tmp_path: Path) -> None:
    cfg = parse({"kiosk": {"data_dir": str(tmp_path)}, "printer": {"model": "generic-80"}})
    svc = ReceiptPrinter.from_config(cfg)
    port = JournalReceiptPort(svc, signer=demo_signer(), header=HEADER)
    assert asyncio.run(port.health()).ok
    e1, e2 = entry(1), entry(2)
    asyncio.run(port.print_payment(e1, lang="lv", duplicate=False, awaiting_confirmation=True))
    asyncio.run(port.print_payment(e2, lang="lv", duplicate=False, awaiting_confirmation=False))
    asyncio.run(port.print_payment(e1, lang="lv", duplicate=True, awaiting_confirmation=False))
    keys = load_public_keys(demo_keys_dir())
    pages = model_pages(svc.model)
    jobs = sorted((tmp_path / "spool" / "printed").glob("*.bin"))
    decoded = {p.stem: decode(p.read_bytes(), pages) for p in jobs}
    first, second = decoded["demo-zoseni-1.1-1"], decoded["demo-zoseni-1.1-2"]
    (dup_key,) = [k for k in decoded if k.startswith("demo-zoseni-1.1-1-dup")]
    q1, q2, qd = (d.of("qr")[0].text for d in (first, second, decoded[dup_key]))
    assert q1 == qd and q1 != q2
    r1, r2 = verify(q1, keys, allow_demo=True), verify(q2, keys, allow_demo=True)
    assert (r1.total_cents, r1.receipt_no) == (6193, "demo-zoseni-1.1-1")
    assert r1.prev8 == "AAAAAAAAAAA" and r2.prev8 != r1.prev8
    assert "GAIDA APSTIPRINĀJUMU" in [t.strip() for t in first.texts]
    assert "DUBLIKĀTS" in " ".join(decoded[dup_key].texts)
    assert "AUTH 123456" in first.texts


def test_port_slips(tmp_path: Path) -> None:
    cfg = parse({"kiosk": {"data_dir": str(tmp_path)}})
    port = JournalReceiptPort(ReceiptPrinter.from_config(cfg), signer=demo_signer(), header=HEADER)
    asyncio.run(port.print_unknown(entry(3), lang="ru"))
    asyncio.run(port.print_not_charged(entry(3), lang="lv"))
    printed = {p.name for p in (tmp_path / "spool" / "printed").glob("*.bin")}
    assert printed == {"unknown-R0003.bin", "notcharged-R0003.bin"}
    pages = model_pages(ReceiptPrinter.from_config(cfg).model)
    txt = decode((tmp_path / "spool" / "printed" / "notcharged-R0003.bin").read_bytes(), pages).texts
    assert "NAUDA NAV NORAKSTĪTA" in " ".join(txt)
