"""Reading the billing system's invoice export (docs/invoice-import.md): one CSV, UTF-8, `;` or `,`.

Every line is checked on its own and every problem is kept with its line number, so one run lists
all that is wrong with a file; nothing here touches the database (`gateway.services.imports`
applies what this reads). Money is read into integer cents with `common.money.parse_eur`, never
through a float (docs/architecture.md, "Personal data and identifiers").
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import get_args

from common.invoice_codes import CodeError, normalise_check, normalise_notice
from common.money import AmountError, parse_eur
from common.personal_code import PersonalCodeError
from common.personal_code import parse as parse_personal_code
from common.schema import ServiceType

# Canonical column -> the header names accepted for it (lower case; Latvian without diacritics too).
COLUMNS: dict[str, tuple[str, ...]] = {
    "notice_number": ("notice_number", "pazinojuma_nr", "paziņojuma_nr"),
    "check_value": ("check_value", "kontrolvertiba", "kontrolvērtība"),
    "creditor": ("creditor", "kreditors"),
    "service": ("service", "pakalpojums"),
    "payer_name": ("payer_name", "maksataja_vards", "maksātāja_vārds"),
    "payer_code": ("payer_code", "maksataja_kods", "maksātāja_kods"),
    "object": ("object", "objekts"),
    "period": ("period", "periods"),
    "due_date": ("due_date", "termins", "termiņš"),
    "amount": ("amount", "summa"),
    "instalments": ("instalments", "maksajumi", "maksājumi"),
}
OPTIONAL = frozenset({"check_value", "instalments"})
SERVICES: tuple[str, ...] = get_args(ServiceType)
MAX_LINES = 1_000_000  # a guard against a wrong file, far above a municipality's year of invoices
YEARS = range(2000, 2101)  # dates outside are typing errors, not invoices
_CADASTRAL = re.compile(r"^\d{11}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class InvoiceLine:
    """One valid line: what the invoice will be."""

    line_no: int
    notice_number: str
    check_value: str | None  # None: keep the stored one, or compute it for a new invoice
    creditor: str
    service: str
    payer_name: str
    payer_code: str  # 11 ASCII digits; hashed before it is stored, never kept as is
    object_kind: str
    object_ref: str
    period_start: date
    period_end: date
    due_date: date
    total_cents: int
    instalments: tuple[tuple[date, int], ...]


@dataclass(frozen=True)
class LineError:
    line_no: int
    reason: str


@dataclass
class ParsedFile:
    lines: list[InvoiceLine]
    errors: list[LineError]


def parse_date(text: str) -> date:
    """`2026-03-31` or `31.03.2026`; ValueError otherwise or outside 2000-2100."""
    text = text.strip()
    fmt = "%d.%m.%Y" if "." in text else "%Y-%m-%d"
    value = datetime.strptime(text, fmt).date()
    if value.year not in YEARS:
        raise ValueError("date outside 2000-2100")
    return value


def parse_period(text: str) -> tuple[date, date]:
    """`2026` (the year), `2026-10` (the month) or `FROM..TO` with two dates."""
    text = text.strip()
    if m := _YEAR.match(text):
        year = int(m.group(1))
        if year not in YEARS:
            raise ValueError("year outside 2000-2100")
        return date(year, 1, 1), date(year, 12, 31)
    if m := _MONTH.match(text):
        start = parse_date(f"{text}-01")
        nxt = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return start, date.fromordinal(nxt.toordinal() - 1)
    if ".." in text:
        a, b = text.split("..", 1)
        start, end = parse_date(a), parse_date(b)
        if end < start:
            raise ValueError("period ends before it starts")
        return start, end
    raise ValueError("period is YYYY, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD")


def payer_digits(text: str) -> str:
    """11 digits of a Latvian personal code (checked) or registration number (starts 4-9)."""
    raw = "".join(text.split()).replace("-", "")
    if len(raw) == 11 and raw.isascii() and raw.isdigit() and raw[0] in "456789":
        return raw  # a registration number (legal person); no check digit to test
    return parse_personal_code(text).digits


def _text(value: str, name: str, limit: int) -> str:
    value = unicodedata.normalize("NFC", value.strip())
    if not value:
        raise ValueError(f"{name} is empty")
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in value):
        raise ValueError(f"{name} has control characters")
    return value


def _instalments(text: str, due: date, total: int) -> tuple[tuple[date, int], ...]:
    text = text.strip()
    if not text:
        return ((due, total),)
    out: list[tuple[date, int]] = []
    for part in text.split("|"):
        when, sep, amount = part.partition("=")
        if not sep:
            raise ValueError("instalments are DATE=AMOUNT separated by |")
        out.append((parse_date(when), parse_eur(amount)))
    if any(b[0] <= a[0] for a, b in itertools.pairwise(out)):
        raise ValueError("instalment dates must increase")
    if any(c <= 0 for _d, c in out):
        raise ValueError("an instalment amount is not positive")
    if sum(c for _d, c in out) != total:
        raise ValueError("instalments do not add up to the amount")
    if out[-1][0] != due:
        raise ValueError("the last instalment is not due on the due date")
    return tuple(out)


def _line(no: int, row: dict[str, str]) -> InvoiceLine:
    """One row -> InvoiceLine; raises ValueError listing every problem of the row."""
    problems: list[str] = []
    values: dict[str, object] = {}

    def take(name: str, fn: object) -> None:
        try:
            values[name] = fn()  # type: ignore[operator]
        except (ValueError, CodeError, AmountError, PersonalCodeError) as exc:
            reason = exc.code if isinstance(exc, CodeError | PersonalCodeError) else str(exc)
            problems.append(f"{name}: {reason or 'not valid'}")

    get = row.get
    take("notice_number", lambda: normalise_notice(get("notice_number") or ""))
    take("check_value", lambda: normalise_check(c) if (c := (get("check_value") or "").strip()) else None)
    take("creditor", lambda: _text(get("creditor") or "", "creditor", 32))
    take("service", lambda: _service(get("service") or ""))
    take("payer_name", lambda: _text(get("payer_name") or "", "payer name", 120))
    take("payer_code", lambda: payer_digits(get("payer_code") or ""))
    take("object", lambda: _text(get("object") or "", "object", 40))
    take("period", lambda: parse_period(get("period") or ""))
    take("due_date", lambda: parse_date(get("due_date") or ""))
    take("amount", lambda: _amount(get("amount") or ""))
    if "due_date" in values and "amount" in values:
        take("instalments", lambda: _instalments(get("instalments") or "", values["due_date"],  # type: ignore[arg-type]
                                                 values["amount"]))  # type: ignore[arg-type]
    if problems:
        raise ValueError("; ".join(problems))
    obj = str(values["object"])
    period = values["period"]
    assert isinstance(period, tuple)
    start, end = period
    return InvoiceLine(
        line_no=no, notice_number=str(values["notice_number"]),
        check_value=values["check_value"],  # type: ignore[arg-type]
        creditor=str(values["creditor"]), service=str(values["service"]),
        payer_name=str(values["payer_name"]), payer_code=str(values["payer_code"]),
        object_kind="cadastral" if _CADASTRAL.match(obj) else "object", object_ref=obj,
        period_start=start, period_end=end, due_date=values["due_date"],  # type: ignore[arg-type]
        total_cents=int(values["amount"]),  # type: ignore[call-overload]
        instalments=values["instalments"],  # type: ignore[arg-type]
    )


def _service(text: str) -> str:
    value = text.strip().lower()
    if value not in SERVICES:
        raise ValueError(f"service is one of {', '.join(SERVICES)}")
    return value


def _amount(text: str) -> int:
    cents = parse_eur(text)
    if not 0 < cents <= 99_999_999_999:
        raise ValueError("amount must be more than 0,00")
    return cents


def _header(cells: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index -> canonical name, and the problems with the header."""
    names = {alias: canon for canon, aliases in COLUMNS.items() for alias in aliases}
    index: dict[int, str] = {}
    problems: list[str] = []
    for i, cell in enumerate(cells):
        key = cell.strip().lstrip("\ufeff").lower().replace(" ", "_")
        canon = names.get(key)
        if canon is None:
            problems.append(f"unknown column {cell.strip()[:40]!r}")
        elif canon in index.values():
            problems.append(f"column {canon} given twice")
        else:
            index[i] = canon
    missing = [c for c in COLUMNS if c not in index.values() and c not in OPTIONAL]
    if missing:
        problems.append("missing columns: " + ", ".join(missing))
    return index, problems


def _decode(data: bytes) -> tuple[str, list[LineError]]:
    """The text, and the lines that are not UTF-8 (shown with U+FFFD, so they fail to parse too)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    errors = []
    for no, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(LineError(no, "not UTF-8 (save the file as UTF-8)"))
    return data.decode("utf-8", errors="replace"), errors


def parse_file(data: bytes) -> ParsedFile:
    """Every valid line and every bad one (with its 1-based line number in the file)."""
    text, errors = _decode(data)
    bad_bytes = {e.line_no for e in errors}
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    lines: list[InvoiceLine] = []
    seen: dict[str, int] = {}
    try:
        header = next(reader, None)
        if header is None:
            return ParsedFile([], [LineError(1, "the file is empty")])
        index, problems = _header(header)
        if problems:
            return ParsedFile([], [*errors, LineError(1, "; ".join(problems))])
        start = reader.line_num + 1
        for cells in reader:
            no, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue  # blank lines are allowed (a trailing newline, an empty last row)
            if len(lines) + len(errors) >= MAX_LINES:
                errors.append(LineError(no, f"more than {MAX_LINES} lines"))
                break
            if no in bad_bytes:
                continue  # already listed as not UTF-8
            if len(cells) != len(header):
                errors.append(LineError(no, f"{len(cells)} cells, the header has {len(header)}"))
                continue
            row = {index[i]: cell for i, cell in enumerate(cells) if i in index}
            try:
                inv = _line(no, row)
            except ValueError as exc:
                errors.append(LineError(no, str(exc)))
                continue
            if inv.notice_number in seen:
                errors.append(LineError(no, f"notice number also on line {seen[inv.notice_number]}"))
                continue
            seen[inv.notice_number] = no
            lines.append(inv)
    except csv.Error as exc:
        errors.append(LineError(reader.line_num, f"CSV: {exc}"))
    errors.sort(key=lambda e: e.line_no)
    return ParsedFile(lines, errors)
