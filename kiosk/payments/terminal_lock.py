"""One process owns the card terminal: an exclusive flock on a lock file.

flock is released by the kernel when the holder dies (even by SIGKILL), so a crashed kiosk never
leaves a stale lock behind; the file only carries the holder's pid for the error message.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from kiosk.config import KioskConfig


class TerminalLocked(Exception):
    def __init__(self, path: Path, holder: str) -> None:
        self.path = path
        self.holder = holder
        who = f"process {holder}" if holder else "another process"
        super().__init__(f"the card terminal is in use by {who} (lock {path}); "
                         "stop the kiosk before using the terminal from the command line")


def lock_path(cfg: KioskConfig) -> Path:
    return Path(cfg.terminal.lock_file) if cfg.terminal.lock_file else \
        cfg.data_dir() / "terminal.lock"


class TerminalLock:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> TerminalLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise TerminalLocked(self.path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> TerminalLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
