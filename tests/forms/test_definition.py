"""Loading KF1 definitions: the shipped forms load; each kind of mistake is named by path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from common.forms.definition import LANGS, FormDefinition
from common.forms.loading import DefinitionError, load_forms, parse_definition
from common.forms.schema import compile_schema

SHIPPED = {"heating-allowance", "building-intent", "excavation-permit", "general-application"}


def test_shipped_forms_load(forms: dict[str, FormDefinition]) -> None:
    assert set(forms) >= SHIPPED
    h = forms["heating-allowance"]
    assert h.identity.required_assurance == "librarian_checked_id" and h.department == "social"
    assert forms["general-application"].identity.required_assurance == "none"
    assert forms["building-intent"].department == "construction"


def test_catalogue_entries(forms: dict[str, FormDefinition]) -> None:
    for form in forms.values():
        entry = form.catalogue_entry()
        assert entry["service_code"] == form.service_code and entry["group"]
        assert set(entry["title"]) == set(LANGS)


def _texts(node: Any, where: str = "") -> list[tuple[str, Any]]:
    """Every user-facing text map in a definition: label, help, title, names, notices."""
    found = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("label", "help", "title", "name", "service_notice", "description",
                     "legal_basis"):
                found.append((f"{where}/{k}", v))
            found += _texts(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _texts(v, f"{where}/{i}")
    return found


def test_every_text_has_lv_en_ru(forms: dict[str, FormDefinition]) -> None:
    for path in Path(__file__).resolve().parents[2].joinpath("config", "forms").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        texts = _texts(data)
        assert len(texts) > 10
        for where, value in texts:
            assert isinstance(value, dict) and set(value) == set(LANGS), f"{path.name}{where}"
            assert all(isinstance(t, str) and t.strip() for t in value.values()), f"{path.name}{where}"
        lv = " ".join(v["lv"] for _, v in texts)
        ru = " ".join(v["ru"] for _, v in texts)
        assert any(ch in lv for ch in "āēīūčšžņļķģ"), path.name
        assert any("а" <= ch <= "я" for ch in ru), path.name


def test_compiled_schemas_are_valid_2020_12(forms: dict[str, FormDefinition]) -> None:
    for form in forms.values():
        schema = compile_schema(form)
        Draft202012Validator.check_schema(schema)
        assert schema["additionalProperties"] is False


def test_schema_if_then_for_visible_if(forms: dict[str, FormDefinition]) -> None:
    schema = compile_schema(forms["general-application"])
    v = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    base = {"subject": "Ceļš", "text": "Lūdzu salabot ceļu.", "full_name": "Anna Bērziņa"}
    assert not list(v.iter_errors({**base, "reply_channel": "library"}))
    errs = list(v.iter_errors({**base, "reply_channel": "email"}))
    assert errs and "email" in errs[0].message
    errs = list(v.iter_errors({**base, "reply_channel": "email", "email": "not-an-address"}))
    assert errs and errs[0].validator == "format"


# -- broken definitions ------------------------------------------------------------------------
def _mutations() -> list[tuple[str, Callable[[dict[str, Any]], None], str, str]]:
    def setp(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
        def f(d: dict[str, Any]) -> None:
            node = d
            for p in path[:-1]:
                node = node[p]
            node[path[-1]] = value
        return f

    def delp(path: list[Any]) -> Callable[[dict[str, Any]], None]:
        def f(d: dict[str, Any]) -> None:
            node = d
            for p in path[:-1]:
                node = node[p]
            del node[path[-1]]
        return f

    return [
        ("missing russian", delp(["steps", 1, "fields", 0, "label", "ru"]),
         "/steps/1/fields/0/label/ru", "Field required"),
        ("typo key", setp(["steps", 0, "fields", 0, "requird"], True),
         "/steps/0/fields/0/requird", "Extra inputs"),
        ("unknown datatype", setp(["steps", 0, "fields", 0, "datatype"], "colour"),
         "/steps/0/fields/0/datatype", "Input should be"),
        ("string for bool", setp(["steps", 0, "fields", 0, "required"], "yes"),
         "/steps/0/fields/0/required", "boolean"),
        ("route to nowhere", setp(["steps", 3, "next"], "nowhere"),
         "/steps/3/next", "unknown step 'nowhere'"),
        ("route backwards", setp(["steps", 3, "next"], "applicant"),
         "/steps/3/next", "is not after"),
        ("condition on unknown field", setp(["steps", 2, "next", 0, "if", "field"], "ghost"),
         "/steps/2/next/0/if/field", "unknown or later field"),
        ("condition on a non-choice", setp(["steps", 2, "next", 0, "if", "eq"], "coal"),
         "/steps/2/next/0/if/eq", "not a choice"),
        ("default route missing", delp(["steps", 2, "next", 2]),
         "/steps/2/next/1", "the last route must have no 'if'"),
        ("choices without values", delp(["steps", 2, "fields", 0, "values"]),
         "/steps/2/fields/0/values", "needs values"),
        ("duplicate choice", setp(["steps", 4, "fields", 0, "values", 1, "key"], "bank"),
         "/steps/4/fields/0/values", "duplicate choice key 'bank'"),
        ("min above max", setp(["steps", 1, "fields", 0, "min"], 50),
         "/steps/1/fields/0/min", "min is greater than max"),
        ("must_be on text", setp(["steps", 0, "fields", 0, "must_be"], True),
         "/steps/0/fields/0/must_be", "only for boolean"),
        ("bad regex", setp(["steps", 0, "fields", 0, "pattern"], "([a-z"),
         "/steps/0/fields/0/pattern", "not a valid regular expression"),
        ("duplicate field", setp(["steps", 3, "fields", 0, "code"], "household_size"),
         "/steps/3/fields/0/code", "duplicate field code"),
        ("visible_if later field", setp(["steps", 0, "fields", 0, "visible_if"],
                                        {"field": "declaration", "eq": True}),
         "/steps/0/fields/0/visible_if/field", "unknown or later field"),
        ("bad retention", setp(["retention"], "5 years"), "/retention", "ISO 8601"),
        ("bad identity", setp(["identity", "required_assurance"], "passport"),
         "/identity/required_assurance", "Input should be"),
        ("identity not allowed", setp(["identity", "allowed"], ["eid"]),
         "/identity/allowed", "must include"),
        ("empty label", setp(["title", "lv"], "  "), "/title/lv", "empty text"),
        ("two operators", setp(["steps", 2, "next", 0, "if", "ne"], "wood"),
         "/steps/2/next/0/if", "exactly one"),
    ]


@pytest.mark.parametrize("name, mutate, path, reason", _mutations(), ids=[m[0] for m in _mutations()])
def test_broken_definition_names_path_and_reason(tmp_path: Path, name: str, mutate: Any,
                                                 path: str, reason: str) -> None:
    src = Path(__file__).resolve().parents[2] / "config" / "forms"
    good = json.loads((src / "heating-allowance.json").read_text(encoding="utf-8"))
    broken = copy.deepcopy(good)
    mutate(broken)
    (tmp_path / "heating-allowance.json").write_text(json.dumps(broken, ensure_ascii=False), "utf-8")
    for other in ("general-application", "building-intent"):
        (tmp_path / f"{other}.json").write_bytes((src / f"{other}.json").read_bytes())
    forms, errors = load_forms(tmp_path)
    assert set(forms) == {"general-application", "building-intent"}  # the others still load
    assert len(errors) == 1 and errors[0].source.endswith("heating-allowance.json")
    problems = errors[0].problems
    assert any(p.path == path and reason in p.reason for p in problems), [str(p) for p in problems]


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{not json", "utf-8")
    (tmp_path / "b.json").write_text("[]", "utf-8")
    forms, errors = load_forms(tmp_path)
    assert not forms and len(errors) == 2
    assert "line 1" in str(errors[0]) and "JSON object" in str(errors[1])


def test_file_name_must_match_service_code(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[2] / "config" / "forms" / "general-application.json"
    (tmp_path / "other-name.json").write_bytes(src.read_bytes())
    _, errors = load_forms(tmp_path)
    assert errors and errors[0].problems[0].path == "/service_code"


def test_parse_rejects_non_object() -> None:
    with pytest.raises(DefinitionError):
        parse_definition("kf1")
