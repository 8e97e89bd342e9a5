"""One answer at a time: normalise what was typed, then accept it or name what is wrong.

`validate_answer` never raises for any input and never changes an answer's meaning: it may
normalise the spelling (NFC, spaces around, `12,50` -> 1250 cents, `+371` prefix, a hyphen in a
personal code) but it never truncates, rounds or guesses; anything it cannot take unchanged is
rejected with a stable error code that maps to a translated message. Running it again on the value
it returned gives the same value (the gateway relies on that to re-check submissions).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from common import personal_code
from common.forms.definition import FieldDef
from common.i18n import N_, gettext

MESSAGES: dict[str, str] = {
    "required": N_("Please answer this question."),
    "invalid_type": N_("This answer has the wrong kind of value."),
    "invalid_characters": N_("This answer contains characters that are not allowed here."),
    "too_long": N_("Please shorten the answer to at most {max_length} characters."),
    "too_short": N_("Please enter at least {min_length} characters."),
    "invalid_format": N_("This answer is not in the expected format."),
    "not_a_number": N_("Please enter a number using digits."),
    "not_an_integer": N_("Please enter a whole number."),
    "too_small": N_("The number must be at least {min}."),
    "too_large": N_("The number must be at most {max}."),
    "too_many_decimals": N_("Please enter at most two digits after the comma."),
    "invalid_date": N_("Please enter a real date as DD.MM.YYYY."),
    "date_too_early": N_("The date must not be before {min}."),
    "date_too_late": N_("The date must not be after {max}."),
    "invalid_datetime": N_("Please enter a real date and time."),
    "invalid_choice": N_("Please choose one of the options shown."),
    "duplicate_choice": N_("An option was chosen twice."),
    "too_few_choices": N_("Please choose at least {min} options."),
    "too_many_choices": N_("Please choose at most {max} options."),
    "must_be_true": N_("You need to confirm this to continue."),
    "must_be_false": N_("This must be answered \"no\" to continue."),
    "invalid_email": N_("Please enter an e-mail address like name@example.lv."),
    "invalid_phone": N_("Please enter a phone number, e.g. 20000000 or +371 20000000."),
    "invalid_cadastral": N_("A cadastral number has 11 digits (a building 14), e.g. 4201 002 0123."),
    "invalid_iban": N_("This account number (IBAN) is not valid. Please check it."),
    "unknown_field": N_("This question is not part of the form."),
    "not_applicable": N_("This question does not apply to the answers given."),
    **personal_code.MESSAGES,
}

log = logging.getLogger(__name__)

# Generous defaults so a definition without limits still never stores a novel.
DEFAULT_MAX_LENGTH = {"string": 200, "address": 300, "text": 4000}
_RAW_CAP = 20000  # characters looked at before normalising: beyond it the answer is too long anyway
_MAX_DIGITS = 15  # float and JSON keep 15 significant digits exactly

_KEEP_FORMAT = {"\u200c", "\u200d"}  # ZWNJ/ZWJ shape scripts and emoji sequences
_YES = {"true", "yes", "jā", "ja", "да", "1"}
_NO = {"false", "no", "nē", "ne", "нет", "0"}
_INT = re.compile(r"^[+-]?[0-9]+$")
_DEC = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_LV_PHONE = re.compile(r"^\+371[2689][0-9]{7}$")
_INTL_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_IBAN_LENGTH = {"LV": 21, "LT": 20, "EE": 20, "DE": 22, "FI": 18, "SE": 24, "PL": 28}


@dataclass(frozen=True)
class AnswerCheck:
    """The outcome: `value` (normalised; None = no answer) or a stable `error` code."""

    value: Any = None
    error: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def message(self, lang: str) -> str:
        return error_message(self.error, lang, self.params) if self.error else ""


def error_message(code: str, lang: str, params: dict[str, Any] | None = None) -> str:
    msgid = MESSAGES.get(code, MESSAGES["invalid_format"])
    return gettext(msgid, lang, **(params or {}))


def _err(code: str, **params: Any) -> AnswerCheck:
    return AnswerCheck(error=code, params=params)


# -- text normalisation ------------------------------------------------------------------------
def normalise_text(raw: str, *, multiline: bool = False) -> str:
    """NFC, no control or invisible format characters, line breaks only where allowed.

    Tabs and line breaks in a one-line answer become spaces (dropping them would glue words).
    Raises ValueError for unpaired surrogates (they cannot be stored as UTF-8).
    """
    out: list[str] = []
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cs":
            raise ValueError("surrogate")
        if ch == "\n":
            out.append("\n" if multiline else " ")
        elif ch.isspace():
            out.append(" ")
        elif cat == "Cc" or (cat == "Cf" and ch not in _KEEP_FORMAT):
            continue
        else:
            out.append(ch)
    text = unicodedata.normalize("NFC", "".join(out))
    if multiline:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.strip()


def _compact_ascii(raw: str, drop: str = " ") -> str | None:
    """A code typed with spaces: the ASCII characters left, or None if anything else was typed."""
    try:
        text = normalise_text(raw)
    except ValueError:
        return None
    text = "".join(ch for ch in text if ch not in drop)
    return text if text.isascii() and text.isprintable() else None


# -- per datatype ------------------------------------------------------------------------------
def _text(f: FieldDef, raw: Any) -> AnswerCheck:
    if not isinstance(raw, str):
        return _err("invalid_type")
    max_length = f.max_length or DEFAULT_MAX_LENGTH.get(f.datatype, 200)
    if len(raw) > max(_RAW_CAP, max_length * 2):
        return _err("too_long", max_length=max_length)
    try:
        text = normalise_text(raw, multiline=f.datatype == "text")
    except ValueError:
        return _err("invalid_characters")
    if not text:
        return AnswerCheck(None)
    if len(text) > max_length:
        return _err("too_long", max_length=max_length)
    if f.min_length is not None and len(text) < f.min_length:
        return _err("too_short", min_length=f.min_length)
    if f.pattern is not None and not re.fullmatch(f.pattern, text):
        return _err("invalid_format")
    return AnswerCheck(text)


def _fmt_number(v: float | int) -> str:
    return format(v, "g").replace(".", ",") if isinstance(v, float) and not v.is_integer() \
        else str(int(v))


def _bounds(f: FieldDef, v: float | int, shown: str | None = None) -> AnswerCheck | None:
    if isinstance(f.min, (int, float)) and v < f.min:
        return _err("too_small", min=shown_bound(f, f.min))
    if isinstance(f.max, (int, float)) and v > f.max:
        return _err("too_large", max=shown_bound(f, f.max))
    return None


def shown_bound(f: FieldDef, bound: float) -> str:
    if f.datatype == "amount":
        from common.money import format_eur

        return format_eur(int(bound))
    return _fmt_number(bound)


def _out_of_range(f: FieldDef, negative: bool, limit: int) -> AnswerCheck:
    """Beyond what can be stored exactly; the message names the form's bound or the hard limit."""
    if negative:
        return _err("too_small", min=shown_bound(f, f.min if isinstance(f.min, (int, float))
                                                  else -limit))
    return _err("too_large", max=shown_bound(f, f.max if isinstance(f.max, (int, float))
                                              else limit))


_LIMIT = 10 ** _MAX_DIGITS - 1
_CENTS_LIMIT = 10 ** 12 - 1


def _integer(f: FieldDef, raw: Any) -> AnswerCheck:
    if isinstance(raw, bool):
        return _err("invalid_type")
    if isinstance(raw, float):
        if not math.isfinite(raw) or not raw.is_integer():
            return _err("not_an_integer")
        raw = int(raw)
    if isinstance(raw, str):
        text = _compact_ascii(raw, drop=" \u00a0\u202f")
        if text is None:
            return _err("not_a_number")
        if not text:
            return AnswerCheck(None)
        if _DEC.match(text) and not _INT.match(text):
            return _err("not_an_integer")
        if not _INT.match(text):
            return _err("not_a_number")
        if len(text.lstrip("+-").lstrip("0")) > _MAX_DIGITS:
            return _out_of_range(f, text.startswith("-"), _LIMIT)
        raw = int(text)
    if not isinstance(raw, int):
        return _err("invalid_type")
    if abs(raw) > _LIMIT:
        return _out_of_range(f, raw < 0, _LIMIT)
    return _bounds(f, raw) or AnswerCheck(raw)


def _number(f: FieldDef, raw: Any) -> AnswerCheck:
    if isinstance(raw, bool):
        return _err("invalid_type")
    if isinstance(raw, str):
        text = _compact_ascii(raw, drop=" \u00a0\u202f")
        if text is None:
            return _err("not_a_number")
        if not text:
            return AnswerCheck(None)
        if not _DEC.match(text):
            return _err("not_a_number")
        digits = text.lstrip("+-").replace(",", "").replace(".", "").lstrip("0")
        if len(digits) > _MAX_DIGITS:
            return _out_of_range(f, text.startswith("-"), _LIMIT)
        try:
            d = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return _err("not_a_number")
        raw = int(d) if d == d.to_integral_value() else float(d)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return _err("not_a_number")
        if abs(raw) > _LIMIT:
            return _out_of_range(f, raw < 0, _LIMIT)
        if raw.is_integer():
            raw = int(raw)
    if not isinstance(raw, (int, float)):
        return _err("invalid_type")
    if isinstance(raw, int) and abs(raw) > _LIMIT:
        return _out_of_range(f, raw < 0, _LIMIT)
    return _bounds(f, raw) or AnswerCheck(raw)


_AMOUNT = re.compile(r"^([0-9]{1,10})(?:[.,]([0-9]+))?$")


def _amount(f: FieldDef, raw: Any) -> AnswerCheck:
    """Euros as typed (`12,50`, `12.5 €`) or, from an API, integer cents."""
    if isinstance(raw, bool) or isinstance(raw, float):
        return _err("invalid_type")
    if isinstance(raw, str):
        text = _compact_ascii(raw.replace("€", "").replace("EUR", ""), drop=" \u00a0\u202f")
        if text is None:
            return _err("not_a_number")
        if not text:
            return AnswerCheck(None)
        m = _AMOUNT.match(text)
        if not m:
            return _out_of_range(f, False, _CENTS_LIMIT) \
                if re.fullmatch(r"[0-9]{11,}([.,][0-9]*)?", text) else _err("not_a_number")
        frac = m.group(2) or ""
        if len(frac) > 2:
            return _err("too_many_decimals")
        raw = int(m.group(1)) * 100 + int(frac.ljust(2, "0") or 0)
    if not isinstance(raw, int):
        return _err("invalid_type")
    if raw < 0:
        return _err("too_small", min=shown_bound(f, f.min if isinstance(f.min, (int, float)) else 0))
    if raw > _CENTS_LIMIT:
        return _out_of_range(f, False, _CENTS_LIMIT)
    return _bounds(f, raw) or AnswerCheck(raw)


_DMY = re.compile(r"^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})\.?$")
_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


def _date_bound(v: str, today: date) -> date:
    return today if v == "today" else date.fromisoformat(v)


def _date(f: FieldDef, raw: Any, today: date) -> AnswerCheck:
    if not isinstance(raw, str):
        return _err("invalid_type")
    text = _compact_ascii(raw)
    if text is None:
        return _err("invalid_date")
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
            return _err("invalid_date")
    except ValueError:
        return _err("invalid_date")
    if value.year < 1900:
        return _err("invalid_date")
    if isinstance(f.min, str) and value < _date_bound(f.min, today):
        return _err("date_too_early", min=_date_bound(f.min, today).strftime("%d.%m.%Y"))
    if isinstance(f.max, str) and value > _date_bound(f.max, today):
        return _err("date_too_late", max=_date_bound(f.max, today).strftime("%d.%m.%Y"))
    return AnswerCheck(value.isoformat())


def _datetime(f: FieldDef, raw: Any) -> AnswerCheck:
    if not isinstance(raw, str):
        return _err("invalid_type")
    text = _compact_ascii(raw, drop="")
    if text is None:
        return _err("invalid_datetime")
    if not text:
        return AnswerCheck(None)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return _err("invalid_datetime")
    if value.tzinfo is None or value.year < 1900:
        return _err("invalid_datetime")
    return AnswerCheck(value.isoformat())


def _boolean(f: FieldDef, raw: Any) -> AnswerCheck:
    if isinstance(raw, str):
        try:
            word = normalise_text(raw).casefold()
        except ValueError:
            return _err("invalid_characters")
        if not word:
            return AnswerCheck(None)
        if word in _YES:
            raw = True
        elif word in _NO:
            raw = False
        else:
            return _err("invalid_type")
    if not isinstance(raw, bool):
        return _err("invalid_type")
    if f.must_be is not None and raw is not f.must_be:
        return _err("must_be_true" if f.must_be else "must_be_false")
    return AnswerCheck(raw)


def _single(f: FieldDef, raw: Any) -> AnswerCheck:
    if not isinstance(raw, str):
        return _err("invalid_type")
    if raw == "":
        return AnswerCheck(None)
    return AnswerCheck(raw) if f.choice(raw) is not None else _err("invalid_choice")


def _multi(f: FieldDef, raw: Any) -> AnswerCheck:
    if not isinstance(raw, (list, tuple)):
        return _err("invalid_type")
    if len(raw) > len(f.values or ()):
        return _err("duplicate_choice") if all(isinstance(k, str) and f.choice(k) for k in raw) \
            else _err("invalid_choice")
    for key in raw:
        if not isinstance(key, str) or f.choice(key) is None:
            return _err("invalid_choice")
    if len(set(raw)) != len(raw):
        return _err("duplicate_choice")
    if not raw:
        return AnswerCheck(None)
    if isinstance(f.min, (int, float)) and len(raw) < f.min:
        return _err("too_few_choices", min=int(f.min))
    if isinstance(f.max, (int, float)) and len(raw) > f.max:
        return _err("too_many_choices", max=int(f.max))
    return AnswerCheck(list(raw))


def _email(f: FieldDef, raw: Any) -> AnswerCheck:
    if not isinstance(raw, str):
        return _err("invalid_type")
    if len(raw) > _RAW_CAP:
        return _err("invalid_email")
    try:
        text = normalise_text(raw)
    except ValueError:
        return _err("invalid_email")
    if not text:
        return AnswerCheck(None)
    if len(text) > 254 or not _EMAIL.match(text):
        return _err("invalid_email")
    return AnswerCheck(text)


def _phone(f: FieldDef, raw: Any) -> AnswerCheck:
    if not isinstance(raw, str):
        return _err("invalid_type")
    if len(raw) > 200:
        return _err("invalid_phone")
    text = _compact_ascii(raw, drop=" -().\u00a0")
    if text is None:
        return _err("invalid_phone")
    if not text:
        return AnswerCheck(None)
    if text.startswith("00"):
        text = "+" + text[2:]
    if re.fullmatch(r"[2689][0-9]{7}", text):
        text = "+371" + text
    if text.startswith("+371"):
        return AnswerCheck(text) if _LV_PHONE.match(text) else _err("invalid_phone")
    return AnswerCheck(text) if _INTL_PHONE.match(text) else _err("invalid_phone")


def _personal_code(f: FieldDef, raw: Any) -> AnswerCheck:
    if not isinstance(raw, str):
        return _err("invalid_type")
    if len(raw) > 200:
        return _err("personal_code.format")
    text = _compact_ascii(raw)
    if text is None:
        return _err("personal_code.format")
    if not text:
        return AnswerCheck(None)
    try:
        return AnswerCheck(personal_code.parse(text).canonical)
    except personal_code.PersonalCodeError as exc:
        return _err(exc.code)


def _cadastral(f: FieldDef, raw: Any) -> AnswerCheck:
    """Land unit / property 11 digits, building 14, premises group 17 (Kadastra likums)."""
    if not isinstance(raw, str):
        return _err("invalid_type")
    if len(raw) > 200:
        return _err("invalid_cadastral")
    text = _compact_ascii(raw, drop=" -\u00a0")
    if text is None:
        return _err("invalid_cadastral")
    if not text:
        return AnswerCheck(None)
    if not re.fullmatch(r"[0-9]{11}(?:[0-9]{3}){0,2}", text):
        return _err("invalid_cadastral")
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


def _iban(f: FieldDef, raw: Any) -> AnswerCheck:
    if not isinstance(raw, str):
        return _err("invalid_type")
    if len(raw) > 200:
        return _err("invalid_iban")
    text = _compact_ascii(raw, drop=" -\u00a0")
    if text is None:
        return _err("invalid_iban")
    if not text:
        return AnswerCheck(None)
    text = text.upper()
    return AnswerCheck(text) if iban_valid(text) else _err("invalid_iban")


def validate_answer(f: FieldDef, raw: Any, lang: str = "lv", *,
                    today: date | None = None) -> AnswerCheck:
    """Normalise and check one answer (raw text from the kiosk or a JSON value from the API).

    `lang` is accepted so screens can ask for `.message(lang)` on the same call site; the result
    itself is language-neutral. `today` resolves `"today"` date bounds (the flow passes its clock).
    """
    if f.datatype == "info":
        return AnswerCheck(None)
    try:
        result = _dispatch(f, raw, today or date.today())
    except Exception:
        # Logged without the answer (it may be personal data); tests assert this never happens.
        log.error("validate_answer bug for datatype %s", f.datatype, exc_info=True)
        result = _err("invalid_format")
    if result.ok and result.value is None and f.required:
        return _err("required")
    return result


def _dispatch(f: FieldDef, raw: Any, today: date) -> AnswerCheck:
    if raw is None:
        return AnswerCheck(None)
    if f.datatype == "date":
        return _date(f, raw, today)
    check = _CHECKS.get(f.datatype)
    return check(f, raw) if check is not None else _err("invalid_type")


# datatype -> checker (dates also need today's date and are dispatched above)
_CHECKS: dict[str, Any] = {
    "string": _text, "text": _text, "address": _text,
    "integer": _integer, "number": _number, "decimal": _number, "amount": _amount,
    "datetime": _datetime, "boolean": _boolean,
    "singlevaluelist": _single, "multivaluelist": _multi,
    "email": _email, "phone": _phone, "personal_code": _personal_code,
    "cadastral_number": _cadastral, "iban": _iban,
}
