"""Files that are either the old or the new version after a crash, never half of one.

Receipt jobs, previews and the signature chain's head are written here (docs/architecture.md,
"Receipts"): a torn chain head would break the `prev8` link of every later receipt.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

_TMP_SUFFIX = ".tmp"


def atomic_write(path: Path | str, data: bytes, *, mode: int = 0o666) -> None:
    """Replace `path` with `data` durably: temp file, fsync, `os.replace`, fsync the folder.

    The new file has `mode` (less the umask) whatever the old one had: an export of personal data
    written over a file someone made world-readable is a new file, 0600, not the old one refilled.

    The temp file sits in the same folder (a rename is atomic only within one filesystem) and is
    named `<name>.<random>.tmp`, so a glob for `*.json` or `*.bin` never sees a half-written file.
    On any error the old file is left as it was and the temp file is removed.
    """
    target = Path(path)
    tmp = target.with_name(f"{target.name}.{secrets.token_hex(4)}{_TMP_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    fsync_dir(target.parent)


def fsync_dir(folder: Path | str) -> None:
    """Make a rename in `folder` durable (the new name lives in the directory's own data)."""
    if os.name != "posix":
        return  # Windows cannot open a directory; its rename is journaled by NTFS itself
    dir_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(dir_fd)
    except OSError as exc:
        # A few filesystems (some network and FUSE mounts) refuse fsync on a directory; the data
        # itself is already synced, so that is as durable as the mount allows.
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(dir_fd)
