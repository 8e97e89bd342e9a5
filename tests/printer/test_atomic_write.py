"""common.files.atomic_write, and the three printer writers that use it (spool, preview, chain head).

Durable means: the data is fsynced before the rename, and the folder is fsynced after it, so after
a power cut the file is the old version or the new one, never empty or half of each.
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat
from pathlib import Path

import pytest

from common import files
from common.files import atomic_write
from printer.devices import Printer
from printer.port import SignatureStore
from printer.spool import Spool
from printer.transports import PreviewDevice


class FsyncLog:
    """Records what os.fsync was called on: ("file", name) or ("dir", path)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, str]] = []
        real = os.fsync

        def fsync(fd: int) -> None:
            kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
            target = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else "?"
            self.calls.append((kind, target))
            real(fd)

        monkeypatch.setattr(os, "fsync", fsync)

    def synced(self, path: Path) -> bool:
        """The file's data (under its temp name, `<name>.<random>.tmp`), then its folder, were fsynced."""
        data = [i for i, (k, t) in enumerate(self.calls)
                if k == "file" and Path(t).parent == path.parent and Path(t).name.startswith(path.name + ".")]
        folder = [i for i, (k, t) in enumerate(self.calls) if k == "dir" and t == str(path.parent)]
        return bool(data) and any(i > data[0] for i in folder)


needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="names fds through /proc")


def test_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "head.json"
    atomic_write(target, b"one")
    assert target.read_bytes() == b"one"
    atomic_write(str(target), b"two")  # a str path works too
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["head.json"]  # no temp file left


@needs_proc
def test_fsyncs_the_data_before_the_rename_and_the_folder_after(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = FsyncLog(monkeypatch)
    order: list[str] = []
    real_replace = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        order.append(f"replace after {len(log.calls)} fsyncs")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    atomic_write(tmp_path / "a.bin", b"x")
    assert [k for k, _ in log.calls] == ["file", "dir"]
    assert order == ["replace after 1 fsyncs"]  # data synced, then renamed, then the folder synced
    assert log.calls[1][1] == str(tmp_path)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "last.json"
    atomic_write(target, b"old")

    def broken_replace(src: str | Path, dst: str | Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["last.json"]


def test_temp_names_never_match_the_spools_globs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real_replace = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    atomic_write(tmp_path / "job.json", b"{}")
    (name,) = seen
    assert name.startswith("job.json.") and name.endswith(".tmp")


def test_a_folder_that_refuses_fsync_is_tolerated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not supported here")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write(tmp_path / "a", b"x")
    assert (tmp_path / "a").read_bytes() == b"x"

    def failing(fd: int) -> None:
        raise OSError(errno.EIO, "input/output error")

    monkeypatch.setattr(os, "fsync", failing)
    with pytest.raises(OSError):  # a real I/O error is not swallowed
        files.fsync_dir(tmp_path)


@needs_proc
def test_the_signature_chain_head_is_written_durably(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SignatureStore(tmp_path / "signatures")
    log = FsyncLog(monkeypatch)
    store.put("r-1", "https://kac.cesis.lv/r/x", "ABCD", b"\x01" * 64)
    assert log.synced(tmp_path / "signatures" / "last.json")
    assert log.synced(tmp_path / "signatures" / "r-1.json")
    assert store.last_ksig() == b"\x01" * 64


@needs_proc
def test_spool_and_preview_write_durably(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spool = Spool(tmp_path / "spool")
    log = FsyncLog(monkeypatch)
    spool.add("job-1", b"\x1b@", kind="payment", preview_png=b"png")
    for name in ("job-1.bin", "job-1.png", "job-1.json"):
        assert log.synced(spool.pending_dir / name), name
    preview = Printer(PreviewDevice(tmp_path / "preview"))
    asyncio.run(preview.print_job(b"\x1b@", name="p1", preview_png=b"png"))
    assert log.synced(tmp_path / "preview" / "p1.bin") and log.synced(tmp_path / "preview" / "p1.png")
