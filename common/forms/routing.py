"""Which steps and fields apply, given the answers so far.

Shared by the kiosk's wizard and the gateway's validation, so both agree on what was asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from common.forms.definition import Condition, FieldDef, FormDefinition, Step


def holds(cond: Condition, answers: Mapping[str, Any]) -> bool:
    """A condition on an unanswered field is false (never an error)."""
    op, expected = cond.operator()
    if cond.field not in answers or answers[cond.field] is None:
        return op == "ne"
    value = answers[cond.field]
    if isinstance(value, list):  # multivaluelist: "eq" means "was ticked"
        if op == "eq":
            return expected in value
        if op == "ne":
            return expected not in value
        if op == "in":
            return any(v in expected for v in value)
        return False
    if op == "eq":
        return _same(value, expected)
    if op == "ne":
        return not _same(value, expected)
    if op == "in":
        return any(_same(value, e) for e in expected)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return bool(value > expected) if op == "gt" else bool(value < expected)


def _same(a: Any, b: Any) -> bool:
    # In Python True == 1; in a form "yes" is not the number one.
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def visible_fields(step: Step, answers: Mapping[str, Any]) -> list[FieldDef]:
    return [f for f in step.fields if f.visible_if is None or holds(f.visible_if, answers)]


def next_step_id(step: Step, answers: Mapping[str, Any]) -> str | None:
    """The step after `step` (None: the end, i.e. the review)."""
    if step.next is None or isinstance(step.next, str):
        return step.next
    for route in step.next:
        if route.if_ is None or holds(route.if_, answers):
            return route.goto
    return None


def path(form: FormDefinition, answers: Mapping[str, Any]) -> list[Step]:
    """The steps a resident with these answers walks through, first to last.

    Routing only goes forward (checked at load), so this terminates within len(steps).
    """
    out: list[Step] = []
    current: str | None = form.steps[0].id
    while current is not None:
        step = form.step(current)
        out.append(step)
        current = next_step_id(step, answers)
    return out


def applicable_fields(form: FormDefinition, answers: Mapping[str, Any]) -> list[FieldDef]:
    """Every question asked on the path (visible, not info), in order."""
    return [f for s in path(form, answers) for f in visible_fields(s, answers) if f.is_input]
