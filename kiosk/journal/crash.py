"""Fault injection: die at a named journal step, like a power cut (`tests/faults`).

Callers look `crash_point` up on this module at each call (`crash.crash_point(...)`), so the fault
worker can wrap it to trace the points a run passes.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "KIOSK_CRASH_AT"


def crash_point(name: str) -> None:
    """Die here when the environment names this point.

    SIGKILL rather than an exception: nothing gets a chance to clean up, as in a real crash.
    """
    wanted = os.environ.get(CRASH_ENV)
    if wanted and name in wanted.split(","):
        os.kill(os.getpid(), signal.SIGKILL)
