"""A request body read as JSON strictly, before FastAPI parses it (docs/architecture.md, "API rules").

Two kinds of refusal, both client errors and never retryable:
- `Malformed` (400 `malformed-body`): not UTF-8 (invalid bytes, encoded surrogates), not JSON
  (NaN, Infinity, a byte-order mark, truncation), nesting deeper than the parser goes, a number
  of more than 1000 characters or a float that overflows;
- `Invalid` (422 `validation-error` with a pointer): JSON that parses but that no field of this API
  can hold: a string with a lone surrogate or a NUL (neither can be stored as UTF-8 text; PostgreSQL
  refuses NUL), an integer past 2^53 - 1, or nesting deeper than `MAX_DEPTH`.
Python's own parser gives up near 1000 levels (a RecursionError); `MAX_DEPTH` is far below that,
and the walk here is iterative, so no depth of input can exhaust the stack.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32  # the deepest real body (answers of a form) is 3 levels
# Longer numbers are not read at all (turning digits into an int costs time growing with their
# square; Python refuses past 4300 digits); shorter ones are read and then checked for range.
MAX_NUMBER_CHARS = 1000
# The largest integer every JSON implementation keeps exactly (RFC 7493, I-JSON); it also fits
# every integer column, so a number past it is a 422 rather than a database error.
MAX_SAFE_INTEGER = 2**53 - 1


class Malformed(ValueError):
    """Not a JSON text this API reads: 400 `malformed-body`."""


class Invalid(ValueError):
    """JSON, but a value no field can hold: 422 with `pointer` and `code`."""

    def __init__(self, pointer: str, code: str) -> None:
        super().__init__(f"{code} at {pointer}")
        self.pointer = pointer
        self.code = code


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise Malformed("number too long")
    return int(text)


def _float(text: str) -> float:
    value = float(text) if len(text) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise Malformed("number out of range")
    return value


def _constant(name: str) -> Any:
    raise Malformed(f"{name} is not JSON")


def parse(raw: bytes) -> Any:
    """The body's JSON value; `Malformed` or `Invalid` when the API cannot take it."""
    try:
        text = raw.decode("utf-8")  # strict: refuses invalid bytes and UTF-8-encoded surrogates
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise Malformed(str(exc)) from None
    check(value)
    return value


def _escape(part: object) -> str:
    return "/" + str(part).replace("~", "~0").replace("/", "~1")


def _bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return False


def check(value: Any) -> None:
    """Raise `Invalid` for the first string no field can hold or the first level past `MAX_DEPTH`."""
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        node, where, depth = stack.pop()
        if isinstance(node, str):
            if _bad_text(node):
                raise Invalid(where, "invalid-unicode")
            continue
        if isinstance(node, int) and not isinstance(node, bool) and abs(node) > MAX_SAFE_INTEGER:
            raise Invalid(where, "number-out-of-range")
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise Invalid(where, "too-deep")
        children: list[tuple[Any, str, int]] = []
        if isinstance(node, dict):
            for k, v in node.items():
                if _bad_text(k):
                    raise Invalid(where, "invalid-unicode")  # the key cannot be named in a pointer
                children.append((v, where + _escape(k), depth + 1))
        else:
            children = [(v, where + _escape(i), depth + 1) for i, v in enumerate(node)]
        stack.extend(reversed(children))  # depth-first, in document order
