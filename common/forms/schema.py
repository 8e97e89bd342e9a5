"""A KF1 definition compiled to JSON Schema 2020-12, and the full check of a submission.

The JSON Schema states the answer types and limits for anyone (OpenAPI readers, other clients);
`check_submission` runs it with the format checker, then what a schema cannot say: the routing
(which steps were actually asked), personal-code check digits, phone, cadastral and IBAN rules —
by re-running the kiosk's own `validate_answer`, so kiosk and gateway accept exactly the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator

from common.forms.definition import FieldDef, FormDefinition, Route
from common.forms.routing import applicable_fields
from common.forms.validate import error_message, validate_answer
from common.i18n import LANGUAGES


def field_schema(f: FieldDef) -> dict[str, Any]:
    """The JSON-schema fragment of one answer: the type registry's, titled with the English label."""
    s = f.field_type.schema(f)
    s["title"] = f.label.en
    return s


def _condition_schema(cond: Any) -> dict[str, Any]:
    op, value = cond.operator()
    inner = {"eq": {"const": value}, "ne": {"not": {"const": value}}, "in": {"enum": value},
             "gt": {"exclusiveMinimum": value}, "lt": {"exclusiveMaximum": value}}[op]
    return {"properties": {cond.field: inner}, "required": [cond.field]}


def compile_schema(form: FormDefinition) -> dict[str, Any]:
    """JSON Schema 2020-12 for the `answers` object of one form.

    Required-ness here covers the unconditional steps and `visible_if` (as if/then); steps reached
    only through routing are checked by `check_submission`, which walks the same routing.
    """
    conditional_steps = _conditionally_reached(form)
    props: dict[str, Any] = {}
    required: list[str] = []
    all_of: list[dict[str, Any]] = []
    for step in form.steps:
        for f in step.fields:
            if not f.is_input:
                continue
            props[f.code] = field_schema(f)
            if not f.required or step.id in conditional_steps:
                continue
            if f.visible_if is None:
                required.append(f.code)
            else:
                all_of.append({"if": _condition_schema(f.visible_if),
                               "then": {"required": [f.code]}})
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:kac:form:{form.service_code}:{form.version}",
        "title": form.title.en,
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }
    if all_of:
        schema["allOf"] = all_of
    return schema


def _conditionally_reached(form: FormDefinition) -> set[str]:
    """Steps not on every path (some routing can skip them)."""
    reach_all: set[str] = set()
    current: str | None = form.steps[0].id
    while current is not None:  # follow only unconditional edges
        reach_all.add(current)
        nxt = form.step(current).next
        if isinstance(nxt, list):
            if len(nxt) == 1 and isinstance(nxt[0], Route) and nxt[0].if_ is None:
                current = nxt[0].goto
            else:
                break
        else:
            current = nxt
    return {s.id for s in form.steps} - reach_all


@dataclass(frozen=True)
class SubmissionProblem:
    """One refused part of a submission, before it becomes a problem+json `errors` item.

    `params` fill the message's placeholders; `to_problem` renders the wire item (the shape of
    `common.schema.FieldError`, plus the message in every kiosk language).
    """

    pointer: str  # JSON pointer into the request body, e.g. /answers/household_size
    code: str
    params: dict[str, Any]

    def to_problem(self) -> dict[str, Any]:
        return {"pointer": self.pointer, "code": self.code,
                "message": {lang: error_message(self.code, lang, self.params)
                            for lang in LANGUAGES}}


_KEYWORD_CODES = {
    "type": "invalid_type", "minimum": "too_small", "maximum": "too_large",
    "minLength": "required", "maxLength": "too_long", "pattern": "invalid_format",
    "enum": "invalid_choice", "const": "must_be_true", "format": "invalid_format",
    "uniqueItems": "duplicate_choice", "minItems": "too_few_choices",
    "maxItems": "too_many_choices", "required": "required",
    "additionalProperties": "unknown_field",
}


def check_submission(form: FormDefinition, answers: Any, *, today: date | None = None,
                     base: str = "/answers") -> list[SubmissionProblem]:
    """Every problem of a submitted answers object, at most one per field, in form order."""
    if not isinstance(answers, Mapping):
        return [SubmissionProblem(base, "invalid_type", {})]
    errors: dict[str, SubmissionProblem] = {}
    known = {f.code for f in form.fields() if f.is_input}
    for key in answers:
        if key not in known:
            errors.setdefault(key, SubmissionProblem(f"{base}/{_escape(str(key))}", "unknown_field", {}))
    validator = Draft202012Validator(compile_schema(form),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    for err in validator.iter_errors(dict(answers)):
        code = _KEYWORD_CODES.get(str(err.validator), "invalid_format")
        if err.validator == "required":
            missing = [r for r in err.validator_value if r not in answers]
            for name in missing:
                errors.setdefault(name, SubmissionProblem(f"{base}/{name}", "required", {}))
            continue
        if err.validator == "additionalProperties":
            continue  # reported above, per key
        name = str(err.absolute_path[0]) if err.absolute_path else ""
        if err.validator == "const" and err.validator_value is False:
            code = "must_be_false"
        params = {}
        if code == "too_long":
            params = {"max_length": err.validator_value}
        elif code in ("too_small", "too_few_choices"):
            params = {"min": err.validator_value}
        elif code in ("too_large", "too_many_choices"):
            params = {"max": err.validator_value}
        if name:
            errors.setdefault(name, SubmissionProblem(f"{base}/{_escape(name)}", code, params))
    asked = applicable_fields(form, {k: v for k, v in answers.items() if k in known})
    asked_codes = {f.code for f in asked}
    for key in answers:
        if key in known and key not in asked_codes:
            errors.setdefault(key, SubmissionProblem(f"{base}/{key}", "not_applicable", {}))
    for f in asked:
        if f.code in errors:
            continue
        value = answers.get(f.code)
        check = validate_answer(f, value, today=today)
        if not check.ok:
            errors[f.code] = SubmissionProblem(f"{base}/{f.code}", check.error or "invalid_format",
                                        check.params)
        elif value is not None and check.value != value:
            # The kiosk sends normalised values; anything else is a client that skipped checking.
            errors[f.code] = SubmissionProblem(f"{base}/{f.code}", "invalid_format", {})
    order = {f.code: i for i, f in enumerate(form.fields())}
    return sorted(errors.values(), key=lambda e: order.get(e.pointer.rsplit("/", 1)[-1], -1))


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")
