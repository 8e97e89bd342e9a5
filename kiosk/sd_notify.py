"""The sd_notify protocol: READY=1, WATCHDOG=1 and STOPPING=1 to systemd over $NOTIFY_SOCKET.

A few lines of socket code instead of a dependency (docs/architecture.md, "Running unattended"):
one AF_UNIX datagram per message to the socket systemd names in NOTIFY_SOCKET (a path, or
"@name" for the abstract namespace). Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
Plain Python: the UI calls `watchdog()` from a Kivy Clock interval on its own loop, so a frozen
loop stops the pings and systemd restarts the kiosk.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


class Notifier:
    """Talks to systemd's notify socket; silent when there is none."""

    def __init__(self, address: str | None = None, watchdog_usec: str | None = None,
                 watchdog_pid: str | None = None) -> None:
        env = os.environ
        self.address = env.get("NOTIFY_SOCKET", "") if address is None else address
        raw = env.get("WATCHDOG_USEC", "") if watchdog_usec is None else watchdog_usec
        try:
            usec = int(raw)
        except ValueError:
            usec = 0
        # WATCHDOG_PID names the unit's main process. Under cage that is cage, the kiosk's parent
        # (the unit has NotifyAccess=all): the pings are ours to send then too; any other process
        # that merely inherited the variables stays quiet.
        pid = env.get("WATCHDOG_PID", "") if watchdog_pid is None else watchdog_pid
        mine = not pid or pid in (str(os.getpid()), str(os.getppid()))
        self.watchdog_s = usec / 1_000_000 if usec > 0 and mine else 0.0
        self.sent: list[str] = []  # the last messages, for `kiosk diagnose` and the tests
        self._sock: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def ping_interval_s(self) -> float:
        """How often to send WATCHDOG=1: half the watchdog timeout (systemd's advice); 0 = never."""
        return self.watchdog_s / 2

    def notify(self, message: str) -> bool:
        """Send one state string (e.g. "READY=1"); False when there is no socket or it failed."""
        if not self.address:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto(message.encode("utf-8"), target)
        except OSError as exc:
            log.warning("sd_notify %s failed: %s", message.split("=", 1)[0], exc)
            return False
        self.sent.append(message)
        del self.sent[:-10]
        return True

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
