"""One checker per kind of answer: normalise what was typed, then accept it or name what is wrong.

A checker never raises for any input and never changes an answer's meaning: it may normalise the
spelling (NFC, spaces around, `12,50` -> 1250 cents, `+371` prefix, a hyphen in a personal code)
but it never truncates, rounds or guesses; anything it cannot take unchanged is rejected with a
stable error code. Running it again on the value it returned gives the same value (the gateway
relies on that to re-check submissions). Every checker has the same signature, so the field-type
registry (`common.forms.field_types`) can hold it; `validate_answer` is the one caller.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from common import personal_code
from common.forms.answers import AnswerCheck, compact_ascii, normalise_text, reject
from common.forms.field_spec import FieldSpec
from common.money import format_eur

# (field, raw answer, today's date for "today" bounds) -> the outcome
Checker = Callable[[FieldSpec, Any, date], AnswerCheck]

RAW_CAP = 20000  # characters looked at before normalising: beyond it the answer is too long anyway
_MAX_DIGITS = 15  # float and JSON keep 15 significant digits exactly
_LIMIT = 10 ** _MAX_DIGITS - 1
_CENTS_LIMIT = 10 ** 12 - 1
_BLANKS = " \u00a0\u202f"  # spaces people type or paste inside numbers

_YES = {"true", "yes", "jā", "ja", "да", "1"}
_NO = {"false", "no", "nē", "ne", "нет", "0"}
_INT = re.compile(r"^[+-]?[0-9]+$")
_DEC = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?$")
_AMOUNT = re.compile(r"^([0-9]{1,10})(?:[.,]([0-9]+))?$")
_DMY = re.compile(r"^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})\.?$")
_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_LV_PHONE = re.compile(r"^\+371[2689][0-9]{7}$")
_INTL_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_IBAN_LENGTH = {"LV": 21, "LT": 20, "EE": 20, "DE": 22, "FI": 18, "SE": 24, "PL": 28}


# -- text --------------------------------------------------------------------------------------
def text_checker(default_max_length: int, *, multiline: bool = False) -> Checker:
    """Free text; the form's `max_length` or the type's default keeps any answer bounded."""

    def check(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
        if not isinstance(raw, str):
            return reject("invalid_type")
        max_length = f.max_length or default_max_length
        if len(raw) > max(RAW_CAP, max_length * 2):
            return reject("too_long", max_length=max_length)
        try:
            text = normalise_text(raw, multiline=multiline)
        except ValueError:
            return reject("invalid_characters")
        if not text:
            return AnswerCheck(None)
        if len(text) > max_length:
            return reject("too_long", max_length=max_length)
        if f.min_length is not None and len(text) < f.min_length:
            return reject("too_short", min_length=f.min_length)
        if f.pattern is not None and not re.fullmatch(f.pattern, text):
            return reject("invalid_format")
        return AnswerCheck(text)

    return check


# -- numbers -----------------------------------------------------------------------------------
def format_number(v: float) -> str:
    """A bound as a resident reads it: a decimal comma, no `.0` on whole numbers."""
    return format(v, "g").replace(".", ",") if isinstance(v, float) and not v.is_integer() \
        else str(int(v))


def _format_cents(v: float) -> str:
    return format_eur(int(v))


def _bounds(f: FieldSpec, v: float, shown: Callable[[float], str]) -> AnswerCheck | None:
    if isinstance(f.min, (int, float)) and v < f.min:
        return reject("too_small", min=shown(f.min))
    if isinstance(f.max, (int, float)) and v > f.max:
        return reject("too_large", max=shown(f.max))
    return None


def _out_of_range(f: FieldSpec, negative: bool, limit: int,
                  shown: Callable[[float], str] = format_number) -> AnswerCheck:
    """Beyond what can be stored exactly; the message names the form's bound or the hard limit."""
    if negative:
        return reject("too_small", min=shown(f.min if isinstance(f.min, (int, float)) else -limit))
    return reject("too_large", max=shown(f.max if isinstance(f.max, (int, float)) else limit))


def check_integer(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    if isinstance(raw, bool):
        return reject("invalid_type")
    if isinstance(raw, float):
        if not math.isfinite(raw) or not raw.is_integer():
            return reject("not_an_integer")
        raw = int(raw)
    if isinstance(raw, str):
        text = compact_ascii(raw, drop=_BLANKS)
        if text is None:
            return reject("not_a_number")
        if not text:
            return AnswerCheck(None)
        if _DEC.match(text) and not _INT.match(text):
            return reject("not_an_integer")
        if not _INT.match(text):
            return reject("not_a_number")
        if len(text.lstrip("+-").lstrip("0")) > _MAX_DIGITS:
            return _out_of_range(f, text.startswith("-"), _LIMIT)
        raw = int(text)
    if not isinstance(raw, int):
        return reject("invalid_type")
    if abs(raw) > _LIMIT:
        return _out_of_range(f, raw < 0, _LIMIT)
    return _bounds(f, raw, format_number) or AnswerCheck(raw)


def check_number(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    if isinstance(raw, bool):
        return reject("invalid_type")
    if isinstance(raw, str):
        text = compact_ascii(raw, drop=_BLANKS)
        if text is None:
            return reject("not_a_number")
        if not text:
            return AnswerCheck(None)
        if not _DEC.match(text):
            return reject("not_a_number")
        digits = text.lstrip("+-").replace(",", "").replace(".", "").lstrip("0")
        if len(digits) > _MAX_DIGITS:
            return _out_of_range(f, text.startswith("-"), _LIMIT)
        try:
            d = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return reject("not_a_number")
        raw = int(d) if d == d.to_integral_value() else float(d)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return reject("not_a_number")
        if abs(raw) > _LIMIT:
            return _out_of_range(f, raw < 0, _LIMIT)
        if raw.is_integer():
            raw = int(raw)
    if not isinstance(raw, (int, float)):
        return reject("invalid_type")
    if isinstance(raw, int) and abs(raw) > _LIMIT:
        return _out_of_range(f, raw < 0, _LIMIT)
    return _bounds(f, raw, format_number) or AnswerCheck(raw)


def check_amount(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    """Euros as typed (`12,50`, `12.5 €`) or, from an API, integer cents."""
    if isinstance(raw, (bool, float)):
        return reject("invalid_type")
    if isinstance(raw, str):
        text = compact_ascii(raw.replace("€", "").replace("EUR", ""), drop=_BLANKS)
        if text is None:
            return reject("not_a_number")
        if not text:
            return AnswerCheck(None)
        m = _AMOUNT.match(text)
        if not m:
            return _out_of_range(f, False, _CENTS_LIMIT, _format_cents) \
                if re.fullmatch(r"[0-9]{11,}([.,][0-9]*)?", text) else reject("not_a_number")
        frac = m.group(2) or ""
        if len(frac) > 2:
            return reject("too_many_decimals")
        raw = int(m.group(1)) * 100 + int(frac.ljust(2, "0") or 0)
    if not isinstance(raw, int):
        return reject("invalid_type")
    if raw < 0:
        return reject("too_small", min=_format_cents(f.min if isinstance(f.min, (int, float)) else 0))
    if raw > _CENTS_LIMIT:
        return _out_of_range(f, False, _CENTS_LIMIT, _format_cents)
    return _bounds(f, raw, _format_cents) or AnswerCheck(raw)


# -- dates -------------------------------------------------------------------------------------
def _date_bound(v: str, today: date) -> date:
    return today if v == "today" else date.fromisoformat(v)


def check_date(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    if not isinstance(raw, str):
        return reject("invalid_type")
    text = compact_ascii(raw)
    if text is None:
        return reject("invalid_date")
    if not text:
        return AnswerCheck(None)
    m = _ISO.match(text)
    d = _DMY.match(text)
    try:
        if m:
            value = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif d:
            value = date(int(d.group(3)), int(d.group(2)), int(d.group(1)))
        else:
            return reject("invalid_date")
    except ValueError:
        return reject("invalid_date")
    if value.year < 1900:
        return reject("invalid_date")
    if isinstance(f.min, str) and value < _date_bound(f.min, today):
        return reject("date_too_early", min=_date_bound(f.min, today).strftime("%d.%m.%Y"))
    if isinstance(f.max, str) and value > _date_bound(f.max, today):
        return reject("date_too_late", max=_date_bound(f.max, today).strftime("%d.%m.%Y"))
    return AnswerCheck(value.isoformat())


def check_datetime(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    if not isinstance(raw, str):
        return reject("invalid_type")
    text = compact_ascii(raw, drop="")
    if text is None:
        return reject("invalid_datetime")
    if not text:
        return AnswerCheck(None)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return reject("invalid_datetime")
    if value.tzinfo is None or value.year < 1900:
        return reject("invalid_datetime")
    return AnswerCheck(value.isoformat())


# -- yes/no and choices ------------------------------------------------------------------------
def check_boolean(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    if isinstance(raw, str):
        try:
            word = normalise_text(raw).casefold()
        except ValueError:
            return reject("invalid_characters")
        if not word:
            return AnswerCheck(None)
        if word in _YES:
            raw = True
        elif word in _NO:
            raw = False
        else:
            return reject("invalid_type")
    if not isinstance(raw, bool):
        return reject("invalid_type")
    if f.must_be is not None and raw is not f.must_be:
        return reject("must_be_true" if f.must_be else "must_be_false")
    return AnswerCheck(raw)


def check_single(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    if not isinstance(raw, str):
        return reject("invalid_type")
    if raw == "":
        return AnswerCheck(None)
    return AnswerCheck(raw) if f.choice(raw) is not None else reject("invalid_choice")


def check_multi(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    if not isinstance(raw, (list, tuple)):
        return reject("invalid_type")
    if len(raw) > len(f.values or ()):
        return reject("duplicate_choice") if all(isinstance(k, str) and f.choice(k) for k in raw) \
            else reject("invalid_choice")
    for key in raw:
        if not isinstance(key, str) or f.choice(key) is None:
            return reject("invalid_choice")
    if len(set(raw)) != len(raw):
        return reject("duplicate_choice")
    if not raw:
        return AnswerCheck(None)
    if isinstance(f.min, (int, float)) and len(raw) < f.min:
        return reject("too_few_choices", min=int(f.min))
    if isinstance(f.max, (int, float)) and len(raw) > f.max:
        return reject("too_many_choices", max=int(f.max))
    return AnswerCheck(list(raw))


# -- codes and addresses -----------------------------------------------------------------------
def check_email(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    if not isinstance(raw, str):
        return reject("invalid_type")
    if len(raw) > RAW_CAP:
        return reject("invalid_email")
    try:
        text = normalise_text(raw)
    except ValueError:
        return reject("invalid_email")
    if not text:
        return AnswerCheck(None)
    if len(text) > 254 or not _EMAIL.match(text):
        return reject("invalid_email")
    return AnswerCheck(text)


def check_phone(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    if not isinstance(raw, str):
        return reject("invalid_type")
    if len(raw) > 200:
        return reject("invalid_phone")
    text = compact_ascii(raw, drop=" -().\u00a0")
    if text is None:
        return reject("invalid_phone")
    if not text:
        return AnswerCheck(None)
    if text.startswith("00"):
        text = "+" + text[2:]
    if re.fullmatch(r"[2689][0-9]{7}", text):
        text = "+371" + text
    if text.startswith("+371"):
        return AnswerCheck(text) if _LV_PHONE.match(text) else reject("invalid_phone")
    return AnswerCheck(text) if _INTL_PHONE.match(text) else reject("invalid_phone")


def check_personal_code(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    if not isinstance(raw, str):
        return reject("invalid_type")
    if len(raw) > 200:
        return reject("personal_code.format")
    text = compact_ascii(raw)
    if text is None:
        return reject("personal_code.format")
    if not text:
        return AnswerCheck(None)
    try:
        return AnswerCheck(personal_code.parse(text).canonical)
    except personal_code.PersonalCodeError as exc:
        return reject(exc.code)


def check_cadastral(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    """Land unit / property 11 digits, building 14, premises group 17 (Kadastra likums)."""
    if not isinstance(raw, str):
        return reject("invalid_type")
    if len(raw) > 200:
        return reject("invalid_cadastral")
    text = compact_ascii(raw, drop=" -\u00a0")
    if text is None:
        return reject("invalid_cadastral")
    if not text:
        return AnswerCheck(None)
    if not re.fullmatch(r"[0-9]{11}(?:[0-9]{3}){0,2}", text):
        return reject("invalid_cadastral")
    return AnswerCheck(text)


def iban_valid(text: str) -> bool:
    if not _IBAN.match(text):
        return False
    expected = _IBAN_LENGTH.get(text[:2])
    if expected is not None and len(text) != expected:
        return False
    rearranged = text[4:] + text[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def check_iban(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    if not isinstance(raw, str):
        return reject("invalid_type")
    if len(raw) > 200:
        return reject("invalid_iban")
    text = compact_ascii(raw, drop=" -\u00a0")
    if text is None:
        return reject("invalid_iban")
    if not text:
        return AnswerCheck(None)
    text = text.upper()
    return AnswerCheck(text) if iban_valid(text) else reject("invalid_iban")


def check_nothing(f: FieldSpec, raw: Any, today: date) -> AnswerCheck:
    """An information text takes no answer; whatever arrives is dropped, never an error."""
    return AnswerCheck(None)
