"""The one field-type registry: everything the product knows about a KF1 `datatype`, in one row.

Each type names how an answer is normalised and checked (`check`), the JSON-schema fragment the
gateway publishes (`schema`), how a stored answer is read back on the review screen and on paper
(`display`), and the input a screen shows (`input`, plus the keypad's extra key). The definition
loader, `validate_answer`, the JSON Schema compiler, the application flow and the form screen look
types up here instead of testing names, so a new type is one row (docs/architecture.md,
"Applications").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from common.forms import checkers as c
from common.forms.field_spec import FieldSpec
from common.i18n import gettext
from common.money import format_eur
from common.personal_code import mask as mask_personal_code

Datatype = Literal[
    "string", "text", "integer", "number", "decimal", "date", "datetime", "boolean",
    "singlevaluelist", "multivaluelist", "email", "phone", "personal_code", "cadastral_number",
    "address", "amount", "iban", "info",
]
# What the screen offers: the letter keyboard, the numeric keypad (with `keypad_extra`), the keypad
# behind a DD.MM.YYYY mask, toggles (one, several, yes/no), or nothing (an information text).
InputKind = Literal["keyboard", "numpad", "date", "choice", "multi", "boolean", "none"]
# What a definition's `min`/`max` mean: a number, a whole number (for choices: how many), a date.
BoundKind = Literal["number", "whole", "date"]

SchemaFragment = Callable[[FieldSpec], dict[str, Any]]
Display = Callable[[FieldSpec, Any, str], str]


def _as_text(f: FieldSpec, value: Any, lang: str) -> str:
    return str(value)


@dataclass(frozen=True)
class FieldType:
    name: Datatype
    input: InputKind
    check: c.Checker
    schema: SchemaFragment
    display: Display = _as_text
    keypad_extra: str = ""  # the keypad key besides the digits: "," decimals, "+" phone, "-" code
    multiline: bool = False
    max_length: int | None = None  # default cap; set only where min/max_length and pattern apply
    bounds: BoundKind | None = None
    numeric: bool = False  # gt/lt conditions and JSON-schema minimum/maximum apply
    sensitive: bool = False  # never on the acknowledgement nor in logs, whatever the form says
    on_paper: bool = True  # long free text would not fit the acknowledgement (and is never cut)

    @property
    def takes_answer(self) -> bool:
        return self.input != "none"

    @property
    def has_choices(self) -> bool:
        return self.input in ("choice", "multi")

    @property
    def has_length(self) -> bool:
        return self.max_length is not None


# -- JSON-schema fragments ---------------------------------------------------------------------
def _text_schema(default_max_length: int) -> SchemaFragment:
    def schema(f: FieldSpec) -> dict[str, Any]:
        s: dict[str, Any] = {"type": "string", "minLength": max(1, f.min_length or 1),
                             "maxLength": f.max_length or default_max_length}
        if f.pattern:
            # JSON Schema patterns are unanchored; KF1 patterns match the whole answer.
            s["pattern"] = f"^(?:{f.pattern})$"
        return s

    return schema


def _numeric_schema(json_type: str, minimum: int | None = None) -> SchemaFragment:
    def schema(f: FieldSpec) -> dict[str, Any]:
        s: dict[str, Any] = {"type": json_type}
        if minimum is not None:
            s["minimum"] = minimum
        if isinstance(f.min, (int, float)):
            s["minimum"] = f.min
        if isinstance(f.max, (int, float)):
            s["maximum"] = f.max
        return s

    return schema


def _fixed_schema(**fragment: Any) -> SchemaFragment:
    def schema(f: FieldSpec) -> dict[str, Any]:
        return dict(fragment)

    return schema


def _boolean_schema(f: FieldSpec) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "boolean"}
    if f.must_be is not None:
        s["const"] = f.must_be
    return s


def _single_schema(f: FieldSpec) -> dict[str, Any]:
    return {"type": "string", "enum": [ch.key for ch in f.values or ()]}


def _multi_schema(f: FieldSpec) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "array", "uniqueItems": True, "minItems": 1,
                         "items": {"enum": [ch.key for ch in f.values or ()]}}
    if f.min is not None:
        s["minItems"] = int(f.min)
    if f.max is not None:
        s["maxItems"] = int(f.max)
    return s


def _no_schema(f: FieldSpec) -> dict[str, Any]:
    raise ValueError(f"{f.datatype} takes no answer, so it has no schema")


# -- how an answer is read back (review screen, acknowledgement) -------------------------------
def _yes_no(f: FieldSpec, value: Any, lang: str) -> str:
    return gettext("Yes", lang) if value else gettext("No", lang)


def _choice_name(f: FieldSpec, value: Any, lang: str) -> str:
    ch = f.choice(value)
    return ch.name.get(lang) if ch else str(value)


def _choice_names(f: FieldSpec, value: Any, lang: str) -> str:
    return ", ".join(ch.name.get(lang) for k in value if (ch := f.choice(k)))


def _euros(f: FieldSpec, value: Any, lang: str) -> str:
    return format_eur(int(value))


def _day(f: FieldSpec, value: Any, lang: str) -> str:
    return date.fromisoformat(value).strftime("%d.%m.%Y")


def _decimal_comma(f: FieldSpec, value: Any, lang: str) -> str:
    return str(value).replace(".", ",")


def _masked_code(f: FieldSpec, value: Any, lang: str) -> str:
    return mask_personal_code(value)


def _masked_account(f: FieldSpec, value: Any, lang: str) -> str:
    return f"{value[:4]} **** {value[-4:]}"


# -- the registry ------------------------------------------------------------------------------
def _text_type(name: Datatype, max_length: int, *, multiline: bool = False) -> FieldType:
    return FieldType(name, "keyboard", c.text_checker(max_length, multiline=multiline),
                     _text_schema(max_length), multiline=multiline, max_length=max_length,
                     on_paper=not multiline)


_NUMBER = _numeric_schema("number")
_CADASTRAL = r"^[0-9]{11}(?:[0-9]{3}){0,2}$"

FIELD_TYPES: Mapping[str, FieldType] = {t.name: t for t in (
    _text_type("string", 200),
    _text_type("address", 300),
    _text_type("text", 4000, multiline=True),
    FieldType("integer", "numpad", c.check_integer, _numeric_schema("integer"),
              bounds="whole", numeric=True),
    FieldType("number", "numpad", c.check_number, _NUMBER, _decimal_comma, ",",
              bounds="number", numeric=True),
    FieldType("decimal", "numpad", c.check_number, _NUMBER, _decimal_comma, ",",
              bounds="number", numeric=True),
    FieldType("amount", "numpad", c.check_amount, _numeric_schema("integer", minimum=0), _euros, ",",
              bounds="whole", numeric=True),
    FieldType("date", "date", c.check_date, _fixed_schema(type="string", format="date"), _day,
              bounds="date"),
    FieldType("datetime", "keyboard", c.check_datetime,
              _fixed_schema(type="string", format="date-time")),
    FieldType("boolean", "boolean", c.check_boolean, _boolean_schema, _yes_no),
    FieldType("singlevaluelist", "choice", c.check_single, _single_schema, _choice_name),
    FieldType("multivaluelist", "multi", c.check_multi, _multi_schema, _choice_names,
              bounds="whole"),
    FieldType("email", "keyboard", c.check_email,
              _fixed_schema(type="string", format="email", maxLength=254)),
    FieldType("phone", "numpad", c.check_phone,
              _fixed_schema(type="string", pattern=r"^\+[1-9][0-9]{6,14}$"), keypad_extra="+"),
    FieldType("personal_code", "numpad", c.check_personal_code,
              _fixed_schema(type="string", pattern=r"^[0-9]{6}-?[0-9]{5}$"), _masked_code, "-",
              sensitive=True),
    FieldType("cadastral_number", "numpad", c.check_cadastral,
              _fixed_schema(type="string", pattern=_CADASTRAL)),
    FieldType("iban", "keyboard", c.check_iban,
              _fixed_schema(type="string", pattern=r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"),
              _masked_account, sensitive=True),
    FieldType("info", "none", c.check_nothing, _no_schema),
)}


def field_type(name: str) -> FieldType:
    """The registry row of a datatype; KeyError for a name no definition can hold."""
    return FIELD_TYPES[name]


def display_value(f: FieldSpec, value: Any, lang: str) -> str:
    """An answer as a resident reads it back; personal code and account are masked."""
    if value is None:
        return "—"
    return field_type(f.datatype).display(f, value, lang)
