"""Jobs on disk until they are provably printed: `<spool>/pending/<job_id>.bin` + `.json`, moved to
`<spool>/printed/` once the printer confirmed them (kept for audit and reprint).

What is kept, and for how long (docs/architecture.md, "Receipts"): pending jobs until printed;
printed jobs for `[printer] spool_retention_days`; receipt previews (the PNGs shown on screen, and
the preview printer's output in `<spool>/preview/`) only for the visit that printed them. The proof
of a payment is not here: it is the journal and the signature chain in `<spool>/signatures/`
(printer.port.SignatureStore), which nothing in this module removes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from common.files import atomic_write
from printer.devices import Printer, PrintError

log = logging.getLogger(__name__)

_JOB_ID = re.compile(r"^[A-Za-z0-9._-]{1,80}$")
DAY_S = 24 * 3600


@dataclass(frozen=True)
class SpoolEntry:
    job_id: str
    kind: str  # payment, unknown, application, ...
    created_at: str  # RFC 3339 UTC
    attempts: int = 0
    last_error: str = ""
    preview_png: bool = False

    def data_path(self, spool: Spool) -> Path:
        return spool.pending_dir / f"{self.job_id}.bin"


class Spool:
    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.pending_dir = self.folder / "pending"
        self.printed_dir = self.folder / "printed"
        self.preview_dir = self.folder / "preview"  # the preview printer's paper (devices.py)
        self.pending_dir.mkdir(parents=True, exist_ok=True)
        self.printed_dir.mkdir(parents=True, exist_ok=True)

    def add(self, job_id: str, data: bytes, *, kind: str, preview_png: bytes | None = None) -> SpoolEntry:
        """Store a job before it is sent (so a crash or a failed print leaves it here)."""
        if not _JOB_ID.match(job_id):
            raise ValueError(f"bad job id {job_id!r}")
        entry = SpoolEntry(job_id=job_id, kind=kind, created_at=datetime.now(UTC).isoformat(),
                           preview_png=preview_png is not None)
        atomic_write(self.pending_dir / f"{job_id}.bin", data)
        if preview_png is not None:
            atomic_write(self.pending_dir / f"{job_id}.png", preview_png)
        self._save(entry)
        return entry

    def _save(self, entry: SpoolEntry) -> None:
        atomic_write(self.pending_dir / f"{entry.job_id}.json", json.dumps(asdict(entry)).encode("utf-8"))

    def get(self, job_id: str) -> SpoolEntry:
        path = self.pending_dir / f"{job_id}.json"
        if not path.exists():
            raise KeyError(job_id)
        return SpoolEntry(**json.loads(path.read_text("utf-8")))

    def data(self, job_id: str) -> bytes:
        for folder in (self.pending_dir, self.printed_dir):
            path = folder / f"{job_id}.bin"
            if path.exists():
                return path.read_bytes()
        raise KeyError(job_id)

    def pending(self) -> list[SpoolEntry]:
        """Unprinted jobs, oldest first."""
        entries = [SpoolEntry(**json.loads(p.read_text("utf-8"))) for p in self.pending_dir.glob("*.json")]
        return sorted(entries, key=lambda e: (e.created_at, e.job_id))

    def mark_failed(self, job_id: str, reason: str) -> SpoolEntry:
        entry = self.get(job_id)
        entry = SpoolEntry(**{**asdict(entry), "attempts": entry.attempts + 1, "last_error": reason})
        self._save(entry)
        return entry

    def mark_printed(self, job_id: str) -> None:
        for suffix in (".bin", ".png", ".json"):
            src = self.pending_dir / f"{job_id}{suffix}"
            if src.exists():
                os.replace(src, self.printed_dir / src.name)
                os.utime(self.printed_dir / src.name)  # retention counts from the printing

    async def reprint(self, job_id: str, printer: Printer) -> None:
        """Send a pending job again (same bytes); on success it leaves the pending list.
        Raises printer.devices.PrintError (the job stays pending, attempts counted)."""
        data = self.data(job_id)
        try:
            await printer.print_job(data, name=job_id)
        except PrintError as exc:
            self.mark_failed(job_id, exc.reason)
            raise
        self.mark_printed(job_id)

    # -- retention ---------------------------------------------------------------------------
    def drop_previews(self, *, before: float | None = None) -> int:
        """Remove the receipt previews made before `before` (epoch seconds; default now): the
        end of a visit, and at start. A preview shows a receipt to the resident who paid; after
        the visit it is only personal data on disk. The printed job's bytes stay."""
        cutoff = time.time() if before is None else before
        return _remove_older(self.printed_dir, "*.png", cutoff) + \
            _remove_older(self.preview_dir, "*", cutoff)

    def apply_retention(self, days: int, *, now: float | None = None) -> int:
        """Remove printed jobs (and any preview) older than `days`; pending jobs and the
        signature chain are never touched. Returns how many files went."""
        cutoff = (time.time() if now is None else now) - days * DAY_S
        removed = _remove_older(self.printed_dir, "*", cutoff) + \
            _remove_older(self.preview_dir, "*", cutoff)
        if removed:
            log.info("spool retention (%d days): %d file(s) removed", days, removed)
        return removed


def _remove_older(folder: Path, pattern: str, cutoff: float) -> int:
    removed = 0
    if not folder.is_dir():
        return 0
    for path in folder.glob(pattern):
        try:
            if path.is_file() and path.stat().st_mtime <= cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile (a reprint moved it, another sweep)
            continue
    return removed
