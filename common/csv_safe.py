"""CSV that a spreadsheet opens as data, never as formulas (CSV/formula injection).

Every CSV the project writes goes through `writer` (or `safe_cell` per cell): a text cell that a
spreadsheet would read as a formula — one starting with `=`, `+`, `-`, `@`, a tab or a carriage
return, also after leading spaces or in their full-width forms — gets a leading apostrophe, which
Excel and LibreOffice show as text. Plain numbers (`-1250`, `-12.50`) stay numbers, so amounts still
add up (docs/architecture.md, "API rules": what leaves the gateway is data for staff, not code).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

# What makes a spreadsheet evaluate a cell (OWASP, "CSV Injection"), and the full-width forms
# that some spreadsheets fold to them.
_TRIGGERS = frozenset("=+-@\t\r\n＝＋－＠")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


def safe_cell(value: object) -> str:
    """`value` as cell text that cannot start a formula; None is an empty cell."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text or _NUMBER.fullmatch(text):
        return text
    stripped = text.lstrip(" \u00a0")
    if text[0] in _TRIGGERS or (stripped and stripped[0] in _TRIGGERS):
        return "'" + text
    return text


class SafeWriter:
    """`csv.writer` whose every cell went through `safe_cell`."""

    def __init__(self, out: _Writable, *, delimiter: str = ",", lineterminator: str = "\r\n") -> None:
        self._w = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)

    def writerow(self, row: Iterable[object]) -> None:
        self._w.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: _Writable, *, delimiter: str = ",", lineterminator: str = "\r\n") -> SafeWriter:
    """An RFC 4180 writer (CRLF rows) that neutralises formula cells."""
    return SafeWriter(out, delimiter=delimiter, lineterminator=lineterminator)
