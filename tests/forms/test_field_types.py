"""The field-type registry: one row per KF1 datatype, and every consumer answers from it."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from common.forms.definition import FieldDef
from common.forms.field_types import FIELD_TYPES, Datatype, display_value, field_type
from common.forms.schema import field_schema
from common.forms.validate import validate_answer

T = {"lv": "Jautājums", "en": "Question", "ru": "Вопрос"}
CHOICES = [{"key": k, "name": {"lv": f"{k}-lv", "en": f"{k}-en", "ru": f"{k}-ru"}}
           for k in ("wood", "coal", "gas")]


def fd(datatype: str, **kw: Any) -> FieldDef:
    return FieldDef.model_validate({"code": "q", "datatype": datatype, "label": T, **kw})


def test_every_datatype_has_exactly_one_row() -> None:
    assert set(FIELD_TYPES) == set(get_args(Datatype))
    for name, row in FIELD_TYPES.items():
        assert row.name == name and field_type(name) is row
    with pytest.raises(KeyError):
        field_type("colour")


def test_a_field_finds_its_row() -> None:
    f = fd("phone")
    assert f.field_type is FIELD_TYPES["phone"]


# What the form screen offered before the registry existed: the registry must say the same.
INPUTS = {
    "string": ("keyboard", ""), "text": ("keyboard", ""), "address": ("keyboard", ""),
    "email": ("keyboard", ""), "iban": ("keyboard", ""), "datetime": ("keyboard", ""),
    "integer": ("numpad", ""), "cadastral_number": ("numpad", ""), "number": ("numpad", ","),
    "decimal": ("numpad", ","), "amount": ("numpad", ","), "phone": ("numpad", "+"),
    "personal_code": ("numpad", "-"), "date": ("date", ""), "singlevaluelist": ("choice", ""),
    "multivaluelist": ("multi", ""), "boolean": ("boolean", ""), "info": ("none", ""),
}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_input_kind_and_keypad(name: str) -> None:
    row = FIELD_TYPES[name]
    assert (row.input, row.keypad_extra) == INPUTS[name]
    assert row.multiline == (name == "text")
    assert row.takes_answer == (name != "info")


def test_what_definitions_may_say_per_type() -> None:
    numeric = {n for n, r in FIELD_TYPES.items() if r.numeric}
    assert numeric == {"integer", "number", "decimal", "amount"}
    assert {n for n, r in FIELD_TYPES.items() if r.has_length} == {"string", "text", "address"}
    assert {n for n, r in FIELD_TYPES.items() if r.has_choices} == {"singlevaluelist", "multivaluelist"}
    assert {n for n, r in FIELD_TYPES.items() if r.sensitive} == {"personal_code", "iban"}
    assert {n for n, r in FIELD_TYPES.items() if not r.on_paper} == {"text"}
    bounds = {n: r.bounds for n, r in FIELD_TYPES.items() if r.bounds}
    assert bounds == {"integer": "whole", "amount": "whole", "multivaluelist": "whole",
                      "number": "number", "decimal": "number", "date": "date"}
    assert {n: r.max_length for n, r in FIELD_TYPES.items() if r.max_length} == {
        "string": 200, "address": 300, "text": 4000}


@pytest.mark.parametrize("f, fragment", [
    (fd("string", max_length=20, pattern="[A-Z]+"),
     {"type": "string", "minLength": 1, "maxLength": 20, "pattern": "^(?:[A-Z]+)$"}),
    (fd("text"), {"type": "string", "minLength": 1, "maxLength": 4000}),
    (fd("amount", min=100, max=5000), {"type": "integer", "minimum": 100, "maximum": 5000}),
    (fd("amount"), {"type": "integer", "minimum": 0}),
    (fd("decimal", max=2.5), {"type": "number", "maximum": 2.5}),
    (fd("date", min="today"), {"type": "string", "format": "date"}),
    (fd("boolean", must_be=True), {"type": "boolean", "const": True}),
    (fd("multivaluelist", values=CHOICES, max=2),
     {"type": "array", "uniqueItems": True, "minItems": 1, "items": {"enum": ["wood", "coal", "gas"]},
      "maxItems": 2}),
    (fd("phone"), {"type": "string", "pattern": r"^\+[1-9][0-9]{6,14}$"}),
])
def test_schema_fragments(f: FieldDef, fragment: dict[str, Any]) -> None:
    assert field_schema(f) == {**fragment, "title": "Question"}


def test_info_has_no_schema() -> None:
    with pytest.raises(ValueError):
        field_schema(fd("info"))


@pytest.mark.parametrize("f, value, shown", [
    (fd("boolean"), True, "Yes"), (fd("boolean"), False, "No"),
    (fd("singlevaluelist", values=CHOICES), "coal", "coal-en"),
    (fd("singlevaluelist", values=CHOICES), "gone", "gone"),
    (fd("multivaluelist", values=CHOICES), ["gas", "wood"], "gas-en, wood-en"),
    (fd("amount"), 1250, "12,50\u00a0€"), (fd("date"), "2026-02-03", "03.02.2026"),
    (fd("decimal"), 2.5, "2,5"), (fd("integer"), 7, "7"),
    (fd("personal_code"), "120375-12340", "120375-1****"),
    (fd("iban"), "LV80BANK0000435195001", "LV80 **** 5001"),
    (fd("string"), "Rīga", "Rīga"), (fd("string"), None, "—"),
])
def test_display(f: FieldDef, value: Any, shown: str) -> None:
    assert display_value(f, value, "en") == shown


def test_every_checker_round_trips_its_own_output() -> None:
    samples = {"string": "a", "text": "a\nb", "address": "Rīgas iela 1", "integer": "12",
               "number": "1,5", "decimal": "2", "amount": "12,50", "date": "03.02.2026",
               "datetime": "2026-02-03T10:00:00+02:00", "boolean": "jā",
               "singlevaluelist": "wood", "multivaluelist": ["wood"], "email": "a@b.lv",
               "phone": "20000000", "personal_code": "12037512340",
               "cadastral_number": "4201 002 0123", "iban": "lv80 bank 0000 4351 9500 1"}
    for name, raw in samples.items():
        f = fd(name, values=CHOICES) if FIELD_TYPES[name].has_choices else fd(name)
        first = validate_answer(f, raw)
        assert first.ok and first.value is not None, name
        assert validate_answer(f, first.value).value == first.value, name


def test_a_datatype_outside_the_registry_is_refused_not_crashed() -> None:
    f = FieldDef.model_construct(code="q", datatype="colour", label=fd("string").label, required=False)
    assert validate_answer(f, "red").error == "invalid_type"
