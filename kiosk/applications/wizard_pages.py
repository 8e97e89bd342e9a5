"""Page numbers for a form shown one question per screen.

A KF1 step may hold several questions and the routing may add steps later ("wood" adds the
firewood step), so "Step 1 of 6" counted steps, stayed on three pages and then grew to 7. Here a
page is one question (or information) screen; the total is the longest way the form can still
go, so it only ever shrinks as answers rule routes out: a resident is never told there is more to
do than they thought.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from common.forms.definition import Condition, FormDefinition, Step
from common.forms.routing import holds


def _decided(cond: Condition, answers: Mapping[str, Any]) -> bool:
    return answers.get(cond.field) is not None


def step_pages(step: Step, answers: Mapping[str, Any]) -> int:
    """Screens this step can still show: the visible fields, and for the fields whose condition
    waits on an unanswered question one screen per such question (the usual alternatives, e.g.
    the IBAN for "bank" or the cash note for "cash", show one of them)."""
    count, waiting = 0, set()
    for f in step.fields:
        if f.visible_if is None:
            count += 1
        elif _decided(f.visible_if, answers):
            count += holds(f.visible_if, answers)
        else:
            waiting.add(f.visible_if.field)
    return count + len(waiting)


def possible_next(step: Step, answers: Mapping[str, Any]) -> list[str | None]:
    """The steps that may follow `step` (None: the review) given what is answered so far."""
    if step.next is None or isinstance(step.next, str):
        return [step.next]
    out: list[str | None] = []
    for route in step.next:
        if route.if_ is None or (_decided(route.if_, answers) and holds(route.if_, answers)):
            out.append(route.goto)
            return out
        if not _decided(route.if_, answers):
            out.append(route.goto)  # may hold once answered; a later route may too
    return out


def page_position(form: FormDefinition, history: list[str], step_id: str, field_index: int,
                  answers: Mapping[str, Any]) -> tuple[int, int]:
    """(page number from 1, pages in all) for the `field_index`-th visible field of `step_id`,
    after the steps in `history`."""

    @cache
    def longest(sid: str | None) -> int:
        if sid is None:
            return 0
        step = form.step(sid)
        return step_pages(step, answers) + max(longest(n) for n in possible_next(step, answers))

    before = sum(step_pages(form.step(s), answers) for s in history)
    return before + field_index + 1, before + longest(step_id)
