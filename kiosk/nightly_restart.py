"""The nightly restart: once a day, at a quiet hour, on an idle Home, the kiosk exits and systemd
starts it afresh (docs/architecture.md, "Running unattended").

Plain Python: the UI asks `due(now, idle)` from its watchdog tick. The restart never interrupts a
resident: it waits until Home is idle (no visit, nothing busy) within the configured window, and
skips the day when the window passes without an idle moment. A kiosk started less than an hour
before the hour does not restart that night (no restart loop after a late manual start).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from common.clock import RIGA

MIN_UPTIME_S = 3600.0


def parse_hhmm(text: str) -> time | None:
    """ "03:30" -> 03:30; "" -> None (no nightly restart). Raises ValueError otherwise."""
    if not text:
        return None
    hh, sep, mm = text.partition(":")
    if not sep or len(mm) != 2 or not hh.isdigit() or not mm.isdigit():
        raise ValueError(f"expected HH:MM, got {text!r}")
    return time(int(hh), int(mm))


class NightlyRestart:
    def __init__(self, at: str, window_min: float, *, started: datetime) -> None:
        self.at = parse_hhmm(at)
        self.window = timedelta(minutes=window_min)
        self.started = started
        self._done_for: date | None = None

    def due(self, now: datetime, *, idle: bool) -> bool:
        """True once per local day, inside [at, at + window), when Home is idle."""
        if self.at is None:
            return False
        local = now.astimezone(RIGA)
        start = datetime.combine(local.date(), self.at, tzinfo=RIGA)
        if not start <= local < start + self.window or self._done_for == local.date():
            return False
        if (now - self.started).total_seconds() < MIN_UPTIME_S:
            self._done_for = local.date()  # started just before the hour: fresh enough tonight
            return False
        if not idle:
            return False
        self._done_for = local.date()
        return True
