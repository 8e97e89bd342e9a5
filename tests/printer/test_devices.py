"""Printer status and jobs against a fake ESC/POS network printer with injected faults."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fake_printer import FakePrinter

from kiosk.config import parse
from printer.devices import Printer
from printer.samples import sample
from printer.service import ReceiptPrinter
from printer.spool import Spool
from printer.status import PrinterState, parse_status
from printer.transports import CupsDevice, FileDevice, NetworkDevice, PrintError

TIMEOUT = 0.3


def net(fp: FakePrinter) -> Printer:
    return Printer(NetworkDevice("127.0.0.1", fp.port, TIMEOUT))


@pytest.mark.parametrize("r1,r2,r4,state", [
    (0x16, 0x12, 0x12, PrinterState.OK),
    (0x16, 0x12, 0x1E, PrinterState.PAPER_NEAR_END),
    (0x1E, 0x32, 0x72, PrinterState.PAPER_OUT),
    (0x1E, 0x16, 0x12, PrinterState.COVER_OPEN),
    (0x1E, 0x12, 0x12, PrinterState.OFFLINE),
    (0xFF, 0x12, 0x12, PrinterState.OFFLINE),  # malformed
])
def test_parse_recorded_replies(r1: int, r2: int, r4: int, state: PrinterState) -> None:
    assert parse_status(bytes([r1]), bytes([r2]), bytes([r4])).state == state


def test_no_answer_is_never_ok() -> None:
    st = parse_status(b"", b"", b"")
    assert st.state == PrinterState.OFFLINE and not st.ready
    assert st.message("lv") == "Printeris neatbild"


@pytest.mark.parametrize("mode,state", [
    ("ok", PrinterState.OK), ("near_end", PrinterState.PAPER_NEAR_END), ("paper_out", PrinterState.PAPER_OUT),
    ("cover_open", PrinterState.COVER_OPEN), ("error", PrinterState.OFFLINE), ("silent", PrinterState.OFFLINE),
    ("malformed", PrinterState.OFFLINE),
])
def test_status_over_tcp(mode: str, state: PrinterState) -> None:
    with FakePrinter(mode) as fp:
        st = asyncio.run(net(fp).status())
    assert st.state == state


def test_status_of_a_closed_port_is_offline() -> None:
    fp = FakePrinter("ok")
    port = fp.port
    fp.close()
    st = asyncio.run(Printer(NetworkDevice("127.0.0.1", port, TIMEOUT)).status())
    assert st.state == PrinterState.OFFLINE and "connect" in st.detail


def test_good_job_arrives_in_one_piece() -> None:
    job = b"\x1b@\x1bt3" + "Rīga".encode("cp1257") + b"\n\x1dV\x01"
    with FakePrinter("ok") as fp:
        st = asyncio.run(net(fp).print_job(job))
        assert st.state == PrinterState.OK
    assert fp.jobs == [job]
    assert fp.queries[:3] == [1, 2, 4] and fp.queries[3:] == [1, 2, 4]  # before and after


@pytest.mark.parametrize("mode,reason", [
    ("paper_out", "paper_out"), ("cover_open", "cover_open"), ("silent", "offline"), ("drop", None),
])
def test_faulty_printer_raises_print_error(mode: str, reason: str | None) -> None:
    job = b"\x1b@" + b"x" * 4000 + b"\n"
    with FakePrinter(mode, drop_after=100) as fp, pytest.raises(PrintError) as e:
        asyncio.run(net(fp).print_job(job))
    if reason:
        assert e.value.reason == reason
        assert fp.jobs == []  # nothing sent to a printer that was not ready
    else:  # dropped mid-job: the write or the status after it fails
        assert e.value.reason in ("connection_lost", "not_confirmed")


def test_paper_running_out_during_the_job_is_reported() -> None:
    with FakePrinter("ok", after_job="paper_out") as fp, pytest.raises(PrintError) as e:
        asyncio.run(net(fp).print_job(b"\x1b@hello\n" * 10))
    assert e.value.reason == "paper_out"


def _svc(tmp_path: Path, fp: FakePrinter) -> ReceiptPrinter:
    cfg = parse({"kiosk": {"data_dir": str(tmp_path)},
                 "printer": {"device": "network", "host": "127.0.0.1", "port": fp.port, "timeout_s": TIMEOUT,
                             "model": "generic-80"}})
    return ReceiptPrinter.from_config(cfg)


def test_failed_job_stays_in_spool_and_reprints(tmp_path: Path) -> None:
    with FakePrinter("paper_out") as fp:
        svc = _svc(tmp_path, fp)
        with pytest.raises(PrintError):
            asyncio.run(svc.print_document(sample("payment"), job_id="demo-zoseni-1.1-42", kind="payment"))
        (entry,) = svc.spool.pending()
        assert (entry.job_id, entry.kind, entry.attempts, entry.last_error) == (
            "demo-zoseni-1.1-42", "payment", 1, "paper_out")
        with pytest.raises(PrintError):
            asyncio.run(svc.reprint("demo-zoseni-1.1-42"))
        assert svc.spool.get("demo-zoseni-1.1-42").attempts == 2
        fp.mode = "ok"  # the librarian loaded paper
        asyncio.run(svc.reprint("demo-zoseni-1.1-42"))
        assert svc.spool.pending() == []
        assert fp.jobs == [svc.spool.data("demo-zoseni-1.1-42")]
    # A fresh Spool object on the same folder sees the same state (it is on disk).
    assert Spool(tmp_path / "spool").pending() == []


def test_dropped_connection_keeps_the_job(tmp_path: Path) -> None:
    with FakePrinter("drop", drop_after=200) as fp:
        svc = _svc(tmp_path, fp)
        with pytest.raises(PrintError):
            asyncio.run(svc.print_document(sample("payment"), job_id="j1", kind="payment"))
    assert [e.job_id for e in svc.spool.pending()] == ["j1"]


def test_preview_device_writes_png_and_bin(tmp_path: Path) -> None:
    cfg = parse({"kiosk": {"data_dir": str(tmp_path)}})
    svc = ReceiptPrinter.from_config(cfg)
    assert asyncio.run(svc.status()).ready
    asyncio.run(svc.print_document(sample("unknown"), job_id="u1", kind="unknown"))
    prev = tmp_path / "spool" / "preview"
    assert (prev / "u1.bin").read_bytes().startswith(b"\x1b@")
    assert (prev / "u1.png").read_bytes().startswith(b"\x89PNG")
    assert svc.spool.pending() == []


def test_file_device_and_drawer(tmp_path: Path) -> None:
    out = tmp_path / "lp0"
    p = Printer(FileDevice(str(out)), cash_drawer=False)
    asyncio.run(p.print_job(b"abc"))
    assert out.read_bytes() == b"abc"
    with pytest.raises(PrintError) as e:
        asyncio.run(p.open_drawer())
    assert e.value.reason == "no_drawer"
    asyncio.run(Printer(FileDevice(str(out)), cash_drawer=True).open_drawer())
    assert out.read_bytes() == b"abc\x1bp\x00\x19\xfa"


def test_cups_device_uses_lp_raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "lp").write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path}/args\ncat > {tmp_path}/data\necho request id\n")
    (bindir / "lpstat").write_text("#!/bin/sh\necho \"printer $2 is idle.  enabled since Fri\"\n")
    for f in bindir.iterdir():
        f.chmod(f.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    p = Printer(CupsDevice("receipt"))
    assert asyncio.run(p.status()).ready
    asyncio.run(p.print_job(b"\x1b@job", name="r1"))
    assert (tmp_path / "args").read_text().split() == ["-d", "receipt", "-o", "raw", "-t", "r1"]
    assert (tmp_path / "data").read_bytes() == b"\x1b@job"
    (bindir / "lpstat").write_text("#!/bin/sh\necho \"printer $2 disabled since Fri\"\n")
    with pytest.raises(PrintError):
        asyncio.run(p.print_job(b"x"))


def test_printer_cli_against_fake_printer(tmp_path: Path, cli_env: dict[str, str]) -> None:
    with FakePrinter("ok") as fp:
        conf = tmp_path / "kiosk.toml"
        conf.write_text(f'[kiosk]\ndata_dir = "{tmp_path}"\n[printer]\ndevice = "network"\nhost = "127.0.0.1"\n'
                        f'port = {fp.port}\ntimeout_s = {TIMEOUT}\nmodel = "generic-58"\n')

        def run(*a: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "kiosk", "printer", *a, "--config", str(conf)],
                                  capture_output=True, text=True, env=cli_env, timeout=60)

        st = run("status")
        assert st.returncode == 0 and "status: ok" in st.stdout
        t = run("test")
        assert t.returncode == 0, t.stderr
        assert len(fp.jobs) == 1 and fp.jobs[0].startswith(b"\x1b@")
        fp.mode = "cover_open"
        st = run("status")
        assert st.returncode == 1 and "cover_open" in st.stdout
        t = run("test")
        assert t.returncode == 1 and "cover_open" in t.stderr
        assert len(list((tmp_path / "spool" / "pending").glob("*.bin"))) == 1
