"""The problem codes of the desk's counters, shifts, handovers and statistics.

They are added to the gateway's problem catalog (`gateway.problems.CATALOG`) when this module is
imported, so each answers as RFC 9457 problem+json with its stable `code` and `retryable`
(docs/architecture.md, "API rules"). A code another module already registered keeps its entry.
"""

from __future__ import annotations

from gateway.problems import CATALOG

OPERATOR_REQUIRED = "operator-session-required"
FORBIDDEN_LOCATION = "forbidden-location"
NOT_SAME_OPERATOR = "not-same-operator"
UNDO_WINDOW_PASSED = "undo-window-passed"
CLIENT_EVENT_CONFLICT = "client-event-conflict"
SHIFT_ALREADY_OPEN = "shift-already-open"
SHIFT_NOT_OPEN = "shift-not-open"
SHIFT_NOT_FOUND = "shift-not-found"
RANGE_TOO_LONG = "range-too-long"

_ENTRIES: dict[str, tuple[int, str, bool]] = {
    OPERATOR_REQUIRED: (403, "This needs a signed-in operator (X-Operator-Session)", False),
    FORBIDDEN_LOCATION: (403, "An operator sees only their own location", False),
    NOT_SAME_OPERATOR: (403, "Only the operator who recorded it may undo it", False),
    UNDO_WINDOW_PASSED: (409, "It can be undone only within 10 minutes", False),
    CLIENT_EVENT_CONFLICT: (409, "This client id was already used with other data", False),
    SHIFT_ALREADY_OPEN: (409, "A shift is already open at this kiosk", False),
    SHIFT_NOT_OPEN: (409, "The shift is already closed", False),
    SHIFT_NOT_FOUND: (404, "No such shift at this kiosk", False),
    RANGE_TOO_LONG: (422, "The period is too long for this grouping", False),
}

for _code, _entry in _ENTRIES.items():
    CATALOG.setdefault(_code, _entry)
