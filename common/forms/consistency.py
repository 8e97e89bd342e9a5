"""What a JSON schema cannot say about a KF1 definition: the cross-references and per-type keys.

Routing targets exist and lie ahead, conditions use fields asked before (and numeric ones for
gt/lt), choices are unique, and `min`/`max`/lengths/`pattern`/`must_be` appear only on the types
the field-type registry says they mean something for (docs/architecture.md, "Applications").
Each problem names the JSON pointer of the offending key, so a municipality's editor can find it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from common.forms.definition import Condition, FieldDef, FormDefinition, Route

_DURATION = re.compile(r"^P(?=\d)(\d+Y)?(\d+M)?(\d+D)?$")


@dataclass(frozen=True)
class DefinitionProblem:
    path: str  # JSON pointer into the definition, e.g. /steps/1/fields/0/label/ru
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.reason}"


def _check_condition(cond: Condition, path: str, known: dict[str, FieldDef],
                     problems: list[DefinitionProblem]) -> None:
    try:
        op, value = cond.operator()
    except ValueError as exc:
        problems.append(DefinitionProblem(path, str(exc)))
        return
    target = known.get(cond.field)
    if target is None:
        problems.append(DefinitionProblem(path + "/field", f"unknown or later field {cond.field!r} "
                                          "(conditions may only use fields asked before)"))
        return
    if op in ("gt", "lt") and not target.field_type.numeric:
        problems.append(DefinitionProblem(path + f"/{op}", f"{op} needs a numeric field, "
                                          f"{cond.field!r} is {target.datatype}"))
    if target.field_type.has_choices:
        keys = {c.key for c in target.values or ()}
        wanted = value if op == "in" else ([value] if op in ("eq", "ne") else [])
        for v in wanted:
            if v not in keys:
                problems.append(DefinitionProblem(path + f"/{op}", f"{v!r} is not a choice of {cond.field!r}"))


def _check_field(f: FieldDef, path: str, problems: list[DefinitionProblem]) -> None:
    dt, kind = f.datatype, f.field_type
    if kind.has_choices:
        if not f.values:
            problems.append(DefinitionProblem(path + "/values", f"{dt} needs values"))
        else:
            keys = [c.key for c in f.values]
            for dup in sorted({k for k in keys if keys.count(k) > 1}):
                problems.append(DefinitionProblem(path + "/values", f"duplicate choice key {dup!r}"))
    elif f.values is not None:
        problems.append(DefinitionProblem(path + "/values", f"values are only for choices, not {dt}"))
    if f.must_be is not None and kind.input != "boolean":
        problems.append(DefinitionProblem(path + "/must_be", "must_be is only for boolean fields"))
    if not kind.takes_answer and f.required:
        problems.append(DefinitionProblem(path + "/required", "an info field takes no answer"))
    for bound in ("min", "max"):
        v = getattr(f, bound)
        if v is None:
            continue
        if kind.bounds == "date":
            if not (isinstance(v, str) and (v == "today" or _is_iso_date(v))):
                problems.append(DefinitionProblem(path + f"/{bound}", "a date bound is YYYY-MM-DD or 'today'"))
        elif kind.bounds is not None:
            if isinstance(v, str):
                problems.append(DefinitionProblem(path + f"/{bound}", "must be a number"))
            elif kind.bounds == "whole" and v != int(v):
                problems.append(DefinitionProblem(path + f"/{bound}", "must be a whole number"))
        else:
            problems.append(DefinitionProblem(path + f"/{bound}", f"{bound} does not apply to {dt}"))
    if (isinstance(f.min, (int, float)) and isinstance(f.max, (int, float)) and f.min > f.max) or (
            isinstance(f.min, str) and isinstance(f.max, str) and "today" not in (f.min, f.max)
            and f.min > f.max):
        problems.append(DefinitionProblem(path + "/min", "min is greater than max"))
    if (f.min_length is not None or f.max_length is not None) and not kind.has_length:
        problems.append(DefinitionProblem(path + ("/max_length" if f.max_length is not None else "/min_length"),
                                          f"length limits do not apply to {dt}"))
    if f.min_length is not None and f.max_length is not None and f.min_length > f.max_length:
        problems.append(DefinitionProblem(path + "/min_length", "min_length is greater than max_length"))
    if f.pattern is not None:
        if not kind.has_length:
            problems.append(DefinitionProblem(path + "/pattern", f"pattern does not apply to {dt}"))
        try:
            re.compile(f.pattern)
        except re.error as exc:
            problems.append(DefinitionProblem(path + "/pattern", f"not a valid regular expression: {exc}"))


def _is_iso_date(v: str) -> bool:
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return len(v) == 10


def _routes(step_path: str, nxt: str | list[Route] | None,
            problems: list[DefinitionProblem]) -> list[tuple[str, Condition | None, str | None]]:
    """A step's `next` as (pointer, condition, target) rows; a plain string is one unconditional row."""
    if isinstance(nxt, str):
        return [(step_path + "/next", None, nxt)]
    if nxt is None:
        return []
    if not nxt:
        problems.append(DefinitionProblem(step_path + "/next", "an empty route list; use null for the end"))
    elif nxt[-1].if_ is not None:
        problems.append(DefinitionProblem(f"{step_path}/next/{len(nxt) - 1}",
                                          "the last route must have no 'if' (the default)"))
    return [(f"{step_path}/next/{ri}", r.if_, r.goto) for ri, r in enumerate(nxt)]


def semantic_problems(form: FormDefinition) -> list[DefinitionProblem]:
    problems: list[DefinitionProblem] = []
    order = {s.id: i for i, s in enumerate(form.steps)}
    seen_steps: set[str] = set()
    known: dict[str, FieldDef] = {}
    for si, step in enumerate(form.steps):
        sp = f"/steps/{si}"
        if step.id in seen_steps:
            problems.append(DefinitionProblem(sp + "/id", f"duplicate step id {step.id!r}"))
        seen_steps.add(step.id)
        for fi, f in enumerate(step.fields):
            fp = f"{sp}/fields/{fi}"
            if f.code in known:
                problems.append(DefinitionProblem(fp + "/code", f"duplicate field code {f.code!r}"))
            _check_field(f, fp, problems)
            if f.visible_if is not None:
                _check_condition(f.visible_if, fp + "/visible_if", known, problems)
                if f.visible_if.field == f.code:
                    problems.append(DefinitionProblem(fp + "/visible_if", "a field cannot depend on itself"))
            known[f.code] = f
        for rp, cond, goto in _routes(sp, step.next, problems):
            if cond is not None:
                _check_condition(cond, rp + "/if", known, problems)
            if goto is None:
                continue
            at = rp + ("/goto" if rp.rsplit("/", 1)[-1].isdigit() else "")
            if goto not in order:
                problems.append(DefinitionProblem(at, f"unknown step {goto!r}"))
            elif order[goto] <= si:
                # Forward-only routing cannot loop, and makes "progress" a well-defined fraction.
                problems.append(DefinitionProblem(at, f"step {goto!r} is not after {step.id!r}"))
    ident = form.identity
    if ident.required_assurance != "none" and ident.required_assurance not in ident.allowed:
        problems.append(DefinitionProblem("/identity/allowed", "must include the required assurance"))
    if not _DURATION.match(form.retention):
        problems.append(DefinitionProblem("/retention", "an ISO 8601 duration like P5Y or P18M"))
    if not any(f.is_input for f in form.fields()):
        problems.append(DefinitionProblem("/steps", "a form needs at least one question"))
    return problems
