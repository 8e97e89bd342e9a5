"""The spool no longer grows forever.

Printed jobs are kept for `[printer] spool_retention_days`, receipt previews only for the visit
that printed them; pending jobs and the signature chain (the proof, with the journal) are never
removed, and every receipt still verifies and reprints as DUBLIKĀTS with the same QR after its
job has gone (docs/architecture.md, "Receipts").
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from escpos_decode import decode, model_pages
from test_port import entry

from common.clock import FakeClock
from common.signing import b64u, demo_keys_dir, demo_signer, load_public_keys, prev8, unb64u, verify
from kiosk.config import ConfigError, parse
from printer.port import JournalReceiptPort
from printer.samples import HEADER
from printer.service import ReceiptPrinter

RETENTION = 30
DAY_S = 24 * 3600


def _port(tmp_path: Path) -> tuple[ReceiptPrinter, JournalReceiptPort]:
    cfg = parse({"kiosk": {"data_dir": str(tmp_path)},
                 "printer": {"device": "preview", "spool_retention_days": RETENTION}})
    svc = ReceiptPrinter.from_config(cfg)
    return svc, JournalReceiptPort(svc, signer=demo_signer(), header=HEADER)


def _files(folder: Path, stem: str) -> list[str]:
    return sorted(p.name for p in folder.glob(f"{stem}.*")) if folder.exists() else []


def _age(paths: list[Path], days: float) -> None:
    when = time.time() - days * DAY_S
    for p in paths:
        os.utime(p, (when, when))


def _chain_ok(port: JournalReceiptPort, receipt_nos: list[str]) -> list[str]:
    """Each stored receipt verifies with the demo key and names the one before it (prev8)."""
    keys = load_public_keys(demo_keys_dir())
    previous: bytes | None = None
    urls = []
    for no in receipt_nos:
        stored = port.signatures.get(no)
        assert stored is not None, no
        rec = verify(stored["url"], keys, allow_demo=True)
        assert rec.receipt_no == no and rec.prev8 == b64u(prev8(previous)), no
        previous = unb64u(stored["ksig"])
        urls.append(stored["url"])
    return urls


def test_spool_retention_removes_aged_jobs_and_the_signature_chain_still_verifies(tmp_path: Path) -> None:
    svc, port = _port(tmp_path)
    spool = svc.spool
    entries = [entry(n) for n in range(1, 7)]
    for e in entries:
        asyncio.run(port.print_payment(e, lang="lv", duplicate=False, awaiting_confirmation=False))
    spool.add("stuck-1", b"\x1b@never printed", kind="payment")  # the printer never confirmed it
    nos = [e.receipt_no for e in entries]
    signatures = sorted(p.name for p in (spool.folder / "signatures").iterdir())
    assert len(signatures) == 7  # one per receipt + the chain head
    for no in nos:
        assert _files(spool.printed_dir, no) == [f"{no}.bin", f"{no}.json", f"{no}.png"]

    # Receipts 1-3 were printed 31 days ago, receipt 4 29 days ago; so were the stuck job and the
    # signature files (which must stay whatever their age).
    def job_files(no: str) -> list[Path]:
        return [p for d in (spool.printed_dir, spool.preview_dir) for p in d.glob(f"{no}.*")]

    for no in nos[:3]:
        _age(job_files(no), 31)
    _age(job_files(nos[3]), 29)
    _age(list(spool.pending_dir.glob("stuck-1.*")) + list((spool.folder / "signatures").iterdir()), 400)

    removed = spool.apply_retention(RETENTION)
    assert removed == 3 * 5  # .bin .json .png in printed/, .bin .png in preview/
    for no in nos[:3]:
        assert job_files(no) == [], no
    for no in nos[3:]:
        assert _files(spool.printed_dir, no) == [f"{no}.bin", f"{no}.json", f"{no}.png"]
    assert [e.job_id for e in spool.pending()] == ["stuck-1"]
    assert sorted(p.name for p in (spool.folder / "signatures").iterdir()) == signatures

    # The proof: the whole chain verifies, through the real CLI too for a receipt whose job is gone.
    urls = _chain_ok(port, nos)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    out = subprocess.run([sys.executable, "-m", "kiosk", "receipt", "verify", "--demo", urls[0]],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("VALID"), out.stderr
    assert nos[0] in out.stdout

    # A DUBLIKĀTS of an expired receipt carries the same QR; the next receipt chains on.
    asyncio.run(port.print_payment(entries[0], lang="lv", duplicate=True, awaiting_confirmation=False))
    (dup,) = spool.printed_dir.glob(f"{nos[0]}-dup*.bin")
    page = decode(dup.read_bytes(), model_pages(svc.model))
    assert page.of("qr")[0].text == urls[0] and "DUBLIKĀTS" in " ".join(page.texts)
    asyncio.run(port.print_payment(entry(7), lang="lv", duplicate=False, awaiting_confirmation=False))
    _chain_ok(port, [*nos, entry(7).receipt_no])


def test_spool_previews_are_kept_only_for_their_visit(tmp_path: Path) -> None:
    svc, port = _port(tmp_path)
    spool = svc.spool
    asyncio.run(port.print_payment(entry(1), lang="lv", duplicate=False, awaiting_confirmation=False))
    asyncio.run(port.print_unknown(entry(2), lang="lv"))
    assert len(list(spool.printed_dir.glob("*.png"))) == 2
    assert len(list(spool.preview_dir.iterdir())) == 4  # the preview printer's .bin + .png
    boundary = time.time()
    late = spool.preview_dir / "late.png"  # printed for the next visit while this one ended
    late.write_bytes(b"png")
    os.utime(late, (boundary + 5, boundary + 5))

    assert spool.drop_previews(before=boundary) == 6
    assert list(spool.printed_dir.glob("*.png")) == []
    assert sorted(p.name for p in spool.printed_dir.iterdir()) == [
        "demo-zoseni-1.1-1.bin", "demo-zoseni-1.1-1.json", "unknown-R0002.bin", "unknown-R0002.json"]
    assert [p.name for p in spool.preview_dir.iterdir()] == ["late.png"]
    assert port.signatures.get("demo-zoseni-1.1-1") is not None


def test_spool_retention_is_a_checked_config_key(tmp_path: Path) -> None:
    assert parse({}).printer.spool_retention_days == 30
    with pytest.raises(ConfigError) as err:
        parse({"printer": {"spool_retention_days": 0}})
    assert "printer.spool_retention_days" in str(err.value)


def test_spool_retention_runs_at_start_and_daily_and_previews_end_with_the_visit(tmp_path: Path) -> None:
    from launcher.embedded import open_backend

    cfg = parse({"kiosk": {"data_dir": str(tmp_path / "data")},
                 "printer": {"spool_retention_days": 7}}, demo=True)
    clock = FakeClock()
    backend = open_backend(cfg, clock=clock)
    spool = backend.printer.spool

    async def scenario() -> None:
        port = backend.receipts
        await port.print_payment(entry(1), lang="lv", duplicate=False, awaiting_confirmation=False)
        await port.print_payment(entry(2), lang="lv", duplicate=False, awaiting_confirmation=False)
        old = [p for d in (spool.printed_dir, spool.preview_dir) for p in d.glob("demo-zoseni-1.1-1.*")]
        _age(old, 8)
        await backend.start()  # start-up: past retention and every preview go
        assert [p for d in (spool.printed_dir, spool.preview_dir) for p in d.iterdir()
                if p.name.startswith("demo-zoseni-1.1-1.")] == []
        assert sorted(p.name for p in spool.printed_dir.iterdir()) == [
            "demo-zoseni-1.1-2.bin", "demo-zoseni-1.1-2.json"]

        await port.print_payment(entry(3), lang="lv", duplicate=False, awaiting_confirmation=False)
        assert (spool.printed_dir / "demo-zoseni-1.1-3.png").exists()
        backend.visit_ended()  # the shell ends the visit: its preview goes, the job stays
        assert not (spool.printed_dir / "demo-zoseni-1.1-3.png").exists()
        assert (spool.printed_dir / "demo-zoseni-1.1-3.bin").exists()

        _age(list(spool.printed_dir.glob("demo-zoseni-1.1-2.*")), 8)
        clock.advance(24 * 3600 + cfg.gateway.outbox_retry_s)  # the daily purge comes round
        for _ in range(200):
            await asyncio.sleep(0.01)
            if not list(spool.printed_dir.glob("demo-zoseni-1.1-2.*")):
                break
        assert list(spool.printed_dir.glob("demo-zoseni-1.1-2.*")) == []
        assert (spool.printed_dir / "demo-zoseni-1.1-3.bin").exists()
        assert port.signatures.get("demo-zoseni-1.1-1") is not None
        await backend.aclose()

    asyncio.run(scenario())
