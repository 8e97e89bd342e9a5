"""Who is at the desk: the PIN pad, the operator session, and locking.

A librarian picks their name from the location's list and types the PIN; the gateway opens an
operator session (`POST /operator-sessions`) and the kiosk keeps its token in memory only (never
journaled, never logged). The desk locks on "Lock", after `[desk] inactivity_lock_s` without a
touch, when the resident's Home returns, or when the gateway says the session is over; locking
ends the session at the gateway too. Sign-in and lock are audit lines in the journal
(docs/architecture.md, "The librarian's desk").

Like sudo's timestamp, the PIN is fresh for `[desk] pin_fresh_s` after it was typed or last used
for a lookup by person or for cash; past that, those actions (and entering the desk from a
resident screen) ask for the PIN again (`reconfirm`), so a desk kept awake by touches still
cannot hand a stranger another person's debts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from common.clock import Clock
from common.files import atomic_write
from kiosk.journal import AsyncJournal

if TYPE_CHECKING:
    from kiosk.gateway_client import GatewayClient

log = logging.getLogger(__name__)

PIN_MIN, PIN_MAX = 6, 12
TRACK = "desk"  # the journal's audit track for the desk's actions
REMEMBERED = 8  # names kept of librarians who signed in here

# A sign-in refusal: by the gateway's problem code, else by HTTP status.
_SIGN_IN_CODES = {"operator-sign-in-failed": "pin-wrong", "operator-wrong-location":
                  "wrong-location", "operator-locked": "operator-locked"}
_SIGN_IN_REFUSALS = {401: "pin-wrong", 403: "wrong-location", 404: "operator-unknown",
                     423: "operator-locked", 429: "operator-locked"}


@dataclass(frozen=True)
class OperatorSession:
    operator: str
    token: str  # X-Operator-Session; in memory only
    expires_at: datetime | None
    opened_at: datetime

    def __repr__(self) -> str:  # a log line or a traceback never shows the token
        return f"OperatorSession({self.operator!r}, expires_at={self.expires_at})"


class PinPad:
    """The name chosen and the PIN digits typed (shown as dots, never kept after a try)."""

    def __init__(self) -> None:
        self.operator = ""
        self.digits = ""

    def choose(self, operator: str) -> None:
        if operator != self.operator:
            self.operator = operator
            self.digits = ""

    def type_digit(self, digit: str) -> None:
        if digit.isascii() and digit.isdigit() and len(self.digits) < PIN_MAX:
            self.digits += digit

    def erase(self) -> None:
        self.digits = self.digits[:-1]

    def clear(self) -> None:
        self.digits = ""

    @property
    def dots(self) -> str:
        return "\u2022" * len(self.digits)

    def reset(self) -> None:
        self.operator = ""
        self.digits = ""


def refusal_code(exc: Exception) -> str:
    """The desk's code for a failed sign-in."""
    status = int(getattr(exc, "status", 0) or 0)
    code = str(getattr(exc, "code", "") or "")
    if code in _SIGN_IN_CODES:
        return _SIGN_IN_CODES[code]
    if getattr(exc, "retryable", False) or status == 0 or status >= 500:
        return "gateway-unavailable"
    return _SIGN_IN_REFUSALS.get(status, "pin-wrong")


class DeskSession:
    """The one operator session of this kiosk, its inactivity, and the names offered."""

    def __init__(self, gateway: GatewayClient, journal: AsyncJournal, clock: Clock, *,
                 lock_after_s: float, pin_fresh_s: float = 120.0,
                 remembered_file: Path | None = None) -> None:
        self.gateway = gateway
        self.journal = journal
        self.clock = clock
        self.lock_after_s = lock_after_s  # the screens' guard counts it on Kivy's clock
        self.pin_fresh_s = pin_fresh_s
        # The time the PIN's freshness is counted on; the screens' guard sets it to Kivy's clock
        # so that the inactivity lock and the freshness run on one clock.
        self.now: Callable[[], float] = clock.monotonic
        self._pin_at: float | None = None  # when the PIN was last typed or used
        self.remembered_file = remembered_file
        self.current: OperatorSession | None = None
        # The last session's token, in memory only: cash is posted under it while the gateway
        # still takes it; after it ended the cash goes with its intent's posting proof.
        self._last_token: str | None = None
        self.pin = PinPad()
        self._observers: list[Callable[[str], None]] = []

    # -- observation ---------------------------------------------------------------------------
    def observe(self, fn: Callable[[str], None]) -> None:
        """fn("signed-in") / fn("locked"); the desk screens' guard is the observer."""
        self._observers.append(fn)

    def _notify(self, what: str) -> None:
        for fn in list(self._observers):
            try:
                fn(what)
            except Exception:
                log.exception("desk observer failed")

    # -- the names on the PIN pad --------------------------------------------------------------
    def remembered(self) -> list[str]:
        if self.remembered_file is None or not self.remembered_file.exists():
            return []
        try:
            names = json.loads(self.remembered_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [str(n) for n in names if isinstance(n, str)]

    def _remember(self, operator: str) -> None:
        if self.remembered_file is None:
            return
        names = [operator] + [n for n in self.remembered() if n != operator]
        atomic_write(self.remembered_file,
                     json.dumps(names[:REMEMBERED], ensure_ascii=False).encode("utf-8"))

    async def operators(self) -> list[str]:
        """The location's librarians: the gateway's list, then those who signed in here before
        (no duplicates, in that order)."""
        names: list[str] = []
        try:
            names += [o.name for o in (await self.gateway.list_operators()).operators]
        except Exception as exc:  # offline: who signed in here before can still try
            log.warning("operator list unavailable: %s", getattr(exc, "code", exc))
        names += self.remembered()
        return list(dict.fromkeys(n for n in names if n))

    # -- signing in and out --------------------------------------------------------------------
    @property
    def signed_in(self) -> bool:
        return self.current is not None

    @property
    def operator(self) -> str:
        return self.current.operator if self.current else ""

    async def sign_in(self) -> str:
        """Open a session for the chosen name and the typed PIN; a code for the desk's message.
        The PIN is forgotten after every try, right or wrong."""
        operator, pin = self.pin.operator, self.pin.digits
        self.pin.clear()
        if not operator:
            return "choose-operator"
        if len(pin) < PIN_MIN:
            return "pin-short"
        if self.current is not None:
            await self.lock("another sign-in")
        try:
            answer = await self.gateway.open_operator_session(operator, pin)
        except Exception as exc:
            code = refusal_code(exc)
            log.info("desk sign-in refused: %s", code)
            await self.journal.log_event(TRACK, "SIGN_IN_REFUSED", note=f"{operator}: {code}")
            return code
        self.current = OperatorSession(operator=operator, token=answer.session,
                                       expires_at=answer.expires_at, opened_at=self.clock.now())
        self._last_token = answer.session
        self._pin_at = self.now()
        self.pin.reset()
        try:
            self._remember(operator)
        except OSError:
            log.warning("could not remember the operator's name")
        await self.journal.log_event(TRACK, "SIGNED_IN", note=operator)
        self._notify("signed-in")
        return "signed-in"

    # -- the PIN's freshness (sudo's timestamp) ------------------------------------------------
    def count_on(self, now: Callable[[], float]) -> None:
        """Count the freshness on another clock from now on, keeping the PIN's age."""
        if self._pin_at is not None:
            self._pin_at = now() - (self.now() - self._pin_at)
        self.now = now

    def pin_fresh(self) -> bool:
        """Whether a lookup by person or cash may go ahead without the PIN typed again."""
        if self.current is None or self._pin_at is None:
            return False
        return self.now() - self._pin_at <= self.pin_fresh_s

    def pin_used(self) -> None:
        """A lookup or cash done on a fresh PIN keeps it fresh, as sudo's timestamp does."""
        if self.pin_fresh():
            self._pin_at = self.now()

    async def reconfirm(self) -> str:
        """The signed-in librarian types the PIN again: the gateway checks it by opening a new
        session for the same name, which replaces the old one (ended there) without ending the
        desk's work. A code for the desk's message; "pin-confirmed" on success."""
        session, pin = self.current, self.pin.digits
        self.pin.clear()
        if session is None:
            return "session-ended"
        if len(pin) < PIN_MIN:
            return "pin-short"
        try:
            answer = await self.gateway.open_operator_session(session.operator, pin)
        except Exception as exc:
            code = refusal_code(exc)
            log.info("desk PIN not confirmed: %s", code)
            await self.journal.log_event(TRACK, "PIN_REFUSED", note=f"{session.operator}: {code}")
            return code
        if self.current is not session:  # locked while the gateway answered
            await self._end_at_gateway(answer.session)
            return "session-ended"
        self.current = OperatorSession(operator=session.operator, token=answer.session,
                                       expires_at=answer.expires_at, opened_at=self.clock.now())
        self._last_token = answer.session
        self._pin_at = self.now()
        await self.journal.log_event(TRACK, "PIN_CONFIRMED", note=session.operator)
        await self._end_at_gateway(session.token)
        return "pin-confirmed"

    async def _end_at_gateway(self, token: str) -> None:
        try:
            await self.gateway.end_operator_session(token)
        except Exception as exc:  # best effort: the session also expires by itself
            log.info("operator session not ended at the gateway: %s", getattr(exc, "code", exc))

    def drop(self, reason: str) -> OperatorSession | None:
        """Lock at once (the screens must not wait for the network): the session is gone here;
        `close` then writes the audit line and ends it at the gateway."""
        session, self.current = self.current, None
        self._pin_at = None
        self.pin.reset()
        if session is not None:
            log.info("desk locked: %s", reason)
            self._notify("locked")
        return session

    async def close(self, session: OperatorSession, reason: str) -> None:
        await self.journal.log_event(TRACK, "LOCKED", note=f"{session.operator}: {reason}")
        await self._end_at_gateway(session.token)

    async def lock(self, reason: str) -> None:
        """End the session here and at the gateway."""
        session = self.drop(reason)
        if session is not None:
            await self.close(session, reason)

    def token(self) -> str | None:
        """The session token while the session lasts (the posting outbox asks for it)."""
        s = self.current
        if s is None or (s.expires_at is not None and s.expires_at <= self.clock.now()):
            return None
        return s.token

    def posting_token(self) -> str | None:
        """For the posting outbox: the open session, else the last one of this process (valid at
        the gateway until it ends; then the payment's posting proof covers it; kiosk.payments.posting)."""
        return self.token() or self._last_token
