"""Operator PINs: made at random, stored as Argon2id hashes (argon2-cffi), checked in constant work.

A PIN is shown once when it is made (`kiosk gateway operator add | reset-pin`) and never stored,
logged or sent back (docs/architecture.md, "Operators").
"""

from __future__ import annotations

import itertools
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway import hash_gate

PIN_DIGITS = 6

# argon2-cffi's defaults are RFC 9106's low-memory profile (Argon2id, t=3, 64 MiB, p=4).
_HASHER = PasswordHasher()
# Checked against when the operator is unknown, so an unknown name costs the same as a wrong PIN.
_DUMMY = _HASHER.hash("000000-not-a-pin")


_checks = 0
_checks_lock = threading.Lock()


def checks_run() -> int:
    """How many Argon2 checks `verify_pin` ran in this process, dummy ones included: every refused
    sign-in must cost one, whatever the reason (tests observe it here, not by timing)."""
    with _checks_lock:
        return _checks


def hash_pin(pin: str) -> str:
    return _HASHER.hash(pin)


def _check(pin_hash: str | None, pin: str) -> bool:
    global _checks
    with _checks_lock:
        _checks += 1
    try:
        return bool(_HASHER.verify(pin_hash or _DUMMY, pin)) and pin_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def verify_pin(pin_hash: str | None, pin: str) -> bool:
    """True when `pin` is the PIN of `pin_hash`; None checks against a dummy hash (always False).
    Checked on the hashing gate's low-priority threads (`gateway.hash_gate`)."""
    return hash_gate.gate().run(lambda: _check(pin_hash, pin))


def _guessable(pin: str) -> bool:
    """One repeated digit, or a run up or down (123456, 987654): the first PINs anyone tries."""
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    return len(set(pin)) == 1 or steps in ({1}, {9})


def new_pin(digits: int = PIN_DIGITS) -> str:
    """A random PIN of `digits` digits (6 at least), never one of the guessable patterns."""
    if digits < PIN_DIGITS:
        raise ValueError(f"a PIN has {PIN_DIGITS} digits at least")
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(digits))
        if not _guessable(pin):
            return pin
