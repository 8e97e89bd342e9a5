"""Field types the API models share (docs/architecture.md, "API rules"): times, identifiers, masked
text, client ids and amounts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    StrictInt,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from common.personal_code import mask_codes

# Every time the API carries lies in this window: a year-1 or year-9999 time is a client's fault,
# refused as 422 instead of overflowing in UTC arithmetic or being stored (docs/architecture.md,
# "API rules").
TIME_WINDOW = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def _text_or_datetime(value: object) -> object:
    # A time is an RFC 3339 string (or a datetime, from Python): never a number of seconds.
    if not isinstance(value, str | datetime):
        raise PydanticCustomError("datetime_type", "an RFC 3339 date and time")
    return value


def _utc(value: datetime) -> datetime:
    # The instant decides, in UTC: 2099-12-31T23:59:59-14:00 is already 2100 and would be refused
    # only when the answer is made (a 500). The year as written is checked first (the document
    # says it with a pattern), so the conversion cannot overflow as 0001-01-01T00:00+01:00 would.
    if not TIME_WINDOW[0].year <= value.year < TIME_WINDOW[1].year:
        raise PydanticCustomError("datetime-out-of-range", "a time from 2000 to 2099")
    value = value.astimezone(UTC)
    if not TIME_WINDOW[0] <= value < TIME_WINDOW[1]:
        raise PydanticCustomError("datetime-out-of-range", "a time from 2000 to 2099 in UTC")
    return value


UtcDatetime = Annotated[
    AwareDatetime,
    BeforeValidator(_text_or_datetime),
    AfterValidator(_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": "^20[0-9]{2}-"}),
]

# What an identifier may not hold: C0 and C1 controls (tab, LF and CR included), DEL, and the
# noncharacters of the Basic Multilingual Plane. An XML document cannot carry most of them, so one
# kiosk's receipt number must not make the accounts' camt.054 unreadable; none belongs in an id.
_NOT_IN_IDENTIFIER = re.compile("[\x00-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")
IDENTIFIER_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\ufdd0-\\ufdef\\ufffe\\uffff]*$"


def identifier_problem(value: str) -> str | None:
    """Why `value` cannot be an identifier (a sentence without the value), or None when it can."""
    bad = _NOT_IN_IDENTIFIER.search(value)
    return None if bad is None else f"holds the control character or noncharacter U+{ord(bad.group()):04X}"


def _identifier(value: str) -> str:
    if _NOT_IN_IDENTIFIER.search(value):
        raise PydanticCustomError("control-character", "no control characters or noncharacters")
    return value


class _IdentifierDoc:
    """Says the rule in the OpenAPI document as a pattern (a field's length limits stay its own)."""

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema: dict[str, Any] = handler(core)
        schema["pattern"] = IDENTIFIER_PATTERN
        return schema


# An identifier-like string (receipt numbers, terminal references, ids): 422 `control-character`.
Identifier = Annotated[str, AfterValidator(_identifier), _IdentifierDoc()]

# Free text a person types at the desk or a kiosk reports (a reason, a note, an error line): stored
# and shown with every run shaped like a personal code masked, however it was typed
# (docs/architecture.md, "Personal data and identifiers").
MaskedText = Annotated[str, AfterValidator(mask_codes)]

# A client's own id for a request it may send again (a payment's `client_txn_id`, a counter tap's
# `client_event_id`, a shift's or handover's id): the key of its replay.
ClientTxnId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
# Strict: a JSON integer only; "100", true and 10.0 are refused (docs/architecture.md, "API rules").
Cents = Annotated[StrictInt, Field(gt=0, le=99_999_999_999)]
