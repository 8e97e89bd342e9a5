"""One visit to the desk's cash-shift screen as plain Python: the phase it is in, the float being
typed, the count per denomination, the reason for a difference, the collector's name and the bag
number typed for the handover (docs/architecture.md, "Counters, shifts and statistics").

The rules of the screen live here so they are tested without a window: which phase follows which,
what each keypad key does in each phase, how long the typed texts may grow, and that a counted cash
differing from the expected needs a reason before the shift closes. The requests, the journal and
the papers are `kiosk.desk.shift.ShiftDesk`'s; the screen forwards taps here and mirrors this
state into its widgets after every change (`changed`).

Each action that talks to the gateway is two halves: a synchronous check that may refuse at once
(the resident sees the refusal in the same frame) and a coroutine the screen runs on the loop
(`None` when the action was refused or has nothing to do).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Literal, TypeVar

from common.clock import RIGA
from kiosk.desk.shift import DIFFERENCE_REASONS, ShiftDesk, ShiftError, reason_text

Phase = Literal["loading", "none", "open", "count", "closed", "done"]
PHASES: tuple[Phase, ...] = ("loading", "none", "open", "count", "closed", "done")
HandoverField = Literal["collector", "bag_no"]
InputWanted = Literal["keypad", "keyboard", ""]

# The keypad's two function keys (the values screens.keypad dispatches besides digits).
ERASE, CLEAR = "erase", "clear"
FLOAT_LIMIT_CENTS = 9_999_99  # the float typed on the keypad stays under 10 000 €
COLLECTOR_MAX = 120
BAG_NO_MAX = 20

Work = Coroutine[Any, Any, None]
T = TypeVar("T")


def typed_cents(cents: int, key: str, limit: int) -> int:
    """An amount typed digit by digit from the right; ERASE drops the last digit, CLEAR all of
    them, and a digit that would pass `limit` is ignored."""
    if key == ERASE:
        return cents // 10
    if key == CLEAR:
        return 0
    value = cents * 10 + int(key)
    return value if value <= limit else cents


class ShiftClose:
    """The shift screen's state and its rules; `shift()` finds the backend's `ShiftDesk` when an
    action needs it (the screen is built before anyone signed in)."""

    def __init__(self, shift: Callable[[], ShiftDesk], changed: Callable[[], None] = lambda: None) -> None:
        self._shift = shift
        self._changed = changed
        self._clear()

    @property
    def desk(self) -> ShiftDesk:
        return self._shift()

    def reset(self) -> None:
        """A new visit to the screen: nothing typed, nothing known yet."""
        self._clear()
        self._changed()

    def _clear(self) -> None:
        self.phase: Phase = "loading"
        self.working = False
        self.float_cents = 0
        self.opened = ""  # who opened the open shift and when (Riga time)
        self.over_midnight = False
        self.expected_cents = -1  # -1: not asked yet
        self.reason = ""  # a msgid of DIFFERENCE_REASONS
        self.collector = ""
        self.bag_no = ""
        self.field: HandoverField = "collector"
        self.code = ""  # the message line's code (kiosk.desk.shift.MESSAGES or the desk's)

    # -- what the screen shows -------------------------------------------------------------------
    @property
    def counts(self) -> dict[int, int]:
        return self.desk.count.counts

    @property
    def selected(self) -> int:
        return self.desk.count.selected

    @property
    def counted_cents(self) -> int:
        return self.desk.count.total_cents

    @property
    def reason_needed(self) -> bool:
        """A counted cash that differs from the expected closes only with a reason."""
        return self.counted_cents != self.expected_cents

    @property
    def input_wanted(self) -> InputWanted:
        """The float, the count and the bag number are typed on the keypad, the collector's name
        on the letter keyboard; the other phases take no typing."""
        if self.phase == "closed" and self.field == "collector":
            return "keyboard"
        return "keypad" if self.phase in ("none", "count", "closed") else ""

    def _say(self, code: str) -> None:
        self.code = code
        self._changed()

    # -- the gateway's open shift ----------------------------------------------------------------
    def refresh(self) -> Work:
        """Ask the gateway whether a shift is open (each visit to the screen)."""
        self.phase = "loading"
        return self._work(self.desk.check, self._checked)

    def _checked(self, state: str) -> None:
        desk = self.desk
        self.over_midnight = desk.over_midnight
        self._show_shift()
        self.phase = "none" if state == "none" else "open"
        self.code = "over-midnight" if desk.over_midnight else ""

    def _show_shift(self) -> None:
        shift = self.desk.shift
        if shift is not None:
            at = shift.opened_at.astimezone(RIGA).strftime("%d.%m.%Y %H:%M")
            self.opened = f"{shift.opened_by}, {at}"
            self.expected_cents = shift.expected_cash_cents

    # -- typing ----------------------------------------------------------------------------------
    def type_key(self, key: str) -> None:
        """A keypad key (a digit, ERASE or CLEAR): the float, the current denomination's count,
        or the bag number, by phase."""
        if self.phase == "none":
            self.float_cents = typed_cents(self.float_cents, key, FLOAT_LIMIT_CENTS)
        elif self.phase == "count":
            count = self.desk.count
            {ERASE: count.erase, CLEAR: count.clear}.get(key, lambda: count.type_digit(key))()
        elif self.phase == "closed" and self.field == "bag_no":
            self.bag_no = {ERASE: self.bag_no[:-1], CLEAR: ""}.get(key, (self.bag_no + key)[:BAG_NO_MAX])
        self._changed()

    def type_letter(self, text: str) -> None:
        if self.field == "collector":
            self.collector = (self.collector + text)[:COLLECTOR_MAX]
        else:
            self.bag_no = (self.bag_no + text)[:BAG_NO_MAX]
        self._changed()

    def erase_letter(self) -> None:
        if self.field == "collector":
            self.collector = self.collector[:-1]
        else:
            self.bag_no = self.bag_no[:-1]
        self._changed()

    def choose_field(self, name: HandoverField) -> None:
        self.field = name
        self._changed()

    # -- opening ---------------------------------------------------------------------------------
    def open_shift(self) -> Work:
        float_cents = int(self.float_cents)
        return self._work(lambda: self.desk.open(float_cents), lambda _shift: self._opened())

    def _opened(self) -> None:
        self._show_shift()
        self.phase = "open"
        self.code = ""

    # -- counting and closing --------------------------------------------------------------------
    def start_count(self) -> Work:
        self.desk.count.reset()
        self.reason = ""
        return self._work(self.desk.expected, self._counting)

    def _counting(self, expected: int) -> None:
        self.expected_cents = expected
        self.phase = "count"
        self.code = ""

    def select(self, value_cents: int) -> None:
        """The denomination the keypad counts next."""
        self.desk.count.select(value_cents)
        self._changed()

    def choose_reason(self, msgid: str) -> None:
        if msgid in DIFFERENCE_REASONS:
            self.reason = msgid
            self._changed()

    def close_shift(self, lang: str) -> Work | None:
        """Close with the count (the Z report is printed); refused at once when the count differs
        from the expected and no reason is chosen."""
        if self.reason_needed and not self.reason:
            self._say("reason-required")
            return None
        reason = reason_text(self.reason) if self.reason_needed else ""
        return self._work(lambda: self.desk.close(reason, lang=lang), lambda _closed: self._closed())

    def _closed(self) -> None:
        self.phase = "closed"
        self.field = "collector"
        self.code = "z-printed"

    # -- handing over ----------------------------------------------------------------------------
    def hand_over(self, lang: str) -> Work | None:
        """Record the handover and print its slip; refused at once without a name and a bag."""
        collector, bag_no = self.collector.strip(), self.bag_no.strip()
        if not collector or not bag_no:
            self._say("handover-needs")
            return None
        return self._work(lambda: self.desk.hand_over(collector=collector, bag_no=bag_no, lang=lang),
                          lambda _handover: self._handed())

    def _handed(self) -> None:
        self.phase = "done"
        self.code = "handover-printed"

    def finish(self) -> None:
        """The papers are out: the next operator starts from the gateway's state."""
        self.desk.forget()
        self.reset()

    # -- running a request -----------------------------------------------------------------------
    def _work(self, call: Callable[[], Awaitable[T]], then: Callable[[T], None]) -> Work:
        """Mark the screen busy now; the coroutine makes the call, then `then(answer)`, or shows
        the refusal's code."""
        self.working = True
        self._changed()

        async def work() -> None:
            try:
                answer = await call()
            except ShiftError as exc:
                self.working = False
                self._say(exc.code)
                return
            self.working = False
            then(answer)
            self._changed()

        return work()


__all__ = ["CLEAR", "ERASE", "PHASES", "ShiftClose", "typed_cents"]
