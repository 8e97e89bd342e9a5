"""The librarian's desk: plain-Python state and work behind the desk screens (no Kivy;
docs/architecture.md, "The librarian's desk" and "Counters, shifts and statistics").

`session` (sign-in, the operator session, locking), `work` (one sign-in's find-by-person and
till), `review` (the review queue and what resolves each case), `service` (`DeskService`: what the
desk screens call, one per backend), `counters` (the counter taps and the library's statistics),
`shift` (the shift's float, count, Z report and cash handover), `messages` (the librarian's
sentences). Cash itself is a payment: `kiosk.payments.cash`.

The names below are what other layers may use. Two modules name a tuple of reasons `REASONS` and
two a table `MESSAGES`; here each has the name of what it is. Modules of the core import the
module that defines a name, never this package, so the package cannot import itself in a circle.
"""

from __future__ import annotations

from kiosk.desk.counters import BUTTONS, Bars, CounterButton, CountersBoard, counters_of, library_statistics
from kiosk.desk.messages import message
from kiosk.desk.review import ACTIONS, KIND_TITLES, Kind, ReviewItem
from kiosk.desk.review import REASONS as DECISION_REASONS
from kiosk.desk.service import DeskError, DeskService, desk_of
from kiosk.desk.shift import DIFFERENCE_REASONS, ShiftDesk, ShiftError, reason_text, shift_of
from kiosk.desk.shift import MESSAGES as SHIFT_MESSAGES
from kiosk.desk.work import ID_DOCUMENTS, QUICK_NOTES, PersonInvoice
from kiosk.desk.work import REASONS as LOOKUP_REASONS

__all__ = [
    "ACTIONS",
    "BUTTONS",
    "DECISION_REASONS",
    "DIFFERENCE_REASONS",
    "ID_DOCUMENTS",
    "KIND_TITLES",
    "LOOKUP_REASONS",
    "QUICK_NOTES",
    "SHIFT_MESSAGES",
    "Bars",
    "CounterButton",
    "CountersBoard",
    "DeskError",
    "DeskService",
    "Kind",
    "PersonInvoice",
    "ReviewItem",
    "ShiftDesk",
    "ShiftError",
    "counters_of",
    "desk_of",
    "library_statistics",
    "message",
    "reason_text",
    "shift_of",
]
