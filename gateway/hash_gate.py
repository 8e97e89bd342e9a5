"""At most a few Argon2 checks at once per process, and a short queue: the rest is told to come back.

An Argon2id check (a coordinator's password, an operator's PIN, or the dummy hash an unknown name
is checked against) takes 64 MiB and all the cores it is given for about a tenth of a second.
Unbounded, a flood of sign-ins — which need no account to send — takes the memory and the CPU the
kiosks' requests need. So every sign-in runs inside a slot of this process's gate: `slots` at once
(half the CPUs the process may use, shared out over the workers, at least one), `queue` more
waiting at most `wait_s`; beyond that `Busy` at once, answered 503 with Retry-After
(docs/architecture.md, "The municipality's statistics page").

A slot covers the whole sign-in (counting the attempt, the check, the session), so a sign-in turned
away never counts as a wrong password. The Argon2 work itself (`run`) goes to the gate's own threads,
one per slot, at a low CPU priority (nice 10; the threads Argon2 starts for its lanes inherit it):
when the CPU is short, the kiosks' requests go first and a sign-in waits.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
NICE = 10

RETRY_AFTER_S = 2
WAIT_S = 10.0


class Busy(Exception):
    """Every slot is taken and the queue is full (or the wait was too long): try again later."""

    retry_after_s = RETRY_AFTER_S


def default_slots(cpus: int | None = None, workers: int | None = None) -> int:
    """Half the CPUs this process may run on, shared out over the gateway's workers; at least 1."""
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers is None:
        raw = os.environ.get("KAC_GATEWAY_WORKERS", "1").strip()
        workers = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    return max(1, cpus // (2 * workers))


class HashGate:
    """The bound itself; `running`, `waiting`, `peak` and `granted` let tests see it hold."""

    def __init__(self, slots: int, queue: int, wait_s: float = WAIT_S) -> None:
        self.slots, self.queue, self.wait_s = slots, queue, wait_s
        self.running = self.waiting = self.peak = self.granted = self.refused = 0
        self._cond = threading.Condition()
        self._pool = ThreadPoolExecutor(slots, thread_name_prefix="argon2", initializer=_lower_priority)

    def _free(self) -> bool:
        return self.running < self.slots

    def full(self) -> bool:
        """Every slot taken and the queue full: a sign-in now would be turned away."""
        with self._cond:
            return not self._free() and self.waiting >= self.queue

    def run(self, work: Callable[[], T]) -> T:
        """`work()` (an Argon2 hash or check) on the gate's low-priority threads; call it in a slot."""
        return self._pool.submit(work).result()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot for the body of the `with`; `Busy` when none comes."""
        with self._cond:
            if not self._free():
                if self.waiting >= self.queue:
                    self.refused += 1
                    raise Busy
                self.waiting += 1
                try:
                    came = self._cond.wait_for(self._free, timeout=self.wait_s)
                finally:
                    self.waiting -= 1
                if not came:
                    self.refused += 1
                    raise Busy
            self.running += 1
            self.granted += 1
            self.peak = max(self.peak, self.running)
        try:
            yield
        finally:
            with self._cond:
                self.running -= 1
                self._cond.notify()


def _lower_priority() -> None:
    # On Linux the nice value belongs to the thread (PRIO_PROCESS with a thread id), and raising it
    # needs no privilege; elsewhere the hashing simply keeps the normal priority.
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    except (AttributeError, OSError):
        pass


_gate: HashGate | None = None
_lock = threading.Lock()


def gate() -> HashGate:
    """This process's gate, made on first use (after a worker has its environment)."""
    global _gate
    with _lock:
        if _gate is None:
            slots = default_slots()
            _gate = HashGate(slots, queue=2 * slots)
        return _gate


def replace(new: HashGate | None) -> HashGate | None:
    """Put `new` in place of this process's gate (None: made afresh on next use); returns the old."""
    global _gate
    with _lock:
        old, _gate = _gate, new
        return old
