"""One resident's application form, one step per screen: where they are, what they answered, the
review and the submit. No Kivy: the screens render it and forward taps (docs/architecture.md,
"Screens"); sending itself is the long-lived `ApplicationService`'s (kiosk.applications.service).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from common.clock import RIGA
from common.forms.definition import FieldDef, FormDefinition, Step
from common.forms.field_types import display_value
from common.forms.routing import applicable_fields, next_step_id, path, visible_fields
from common.forms.validate import AnswerCheck, validate_answer
from kiosk.applications.privacy_notice import DataController, privacy_notice
from kiosk.applications.service import Acknowledgement, ApplicationService, SubmissionRejected
from kiosk.applications.wizard_pages import page_position

# "steps": show `current_step`; "review"; "dead_end": the routing ended on an information-only
# step (show it, no submit); "submitting"; "done": `acknowledgement` is set.
WizardPhase = Literal["steps", "review", "dead_end", "submitting", "done"]


@dataclass(frozen=True)
class ReviewItem:
    step_id: str  # the "change" target
    code: str
    label: str
    value: str


@dataclass
class ApplicationWizard:
    """The state of one application being filled in.

    - `answers`: normalised values by field code (kept when going back or routing elsewhere;
      only the answers on the final path are sent); `texts`: what was typed, for re-display;
      `errors`: field code -> AnswerCheck with the error code (`.message(lang)`).
    - `controller`: named in the privacy notice; from the configuration, never a built-in name.
    """

    form: FormDefinition
    service: ApplicationService
    controller: DataController
    lang: str = "lv"
    phase: WizardPhase = "steps"
    step_id: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, AnswerCheck] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    returning_to_review: bool = False
    acknowledgement: Acknowledgement | None = None

    def __post_init__(self) -> None:
        if not self.step_id:
            self.step_id = self.form.steps[0].id

    # -- reading state ---------------------------------------------------------------------
    @property
    def current_step(self) -> Step:
        return self.form.step(self.step_id)

    def visible_fields(self) -> list[FieldDef]:
        return visible_fields(self.current_step, self.answers)

    def path(self) -> list[Step]:
        return path(self.form, self.answers)

    @property
    def progress(self) -> float:
        """0.0 at the first step, 1.0 on review; follows the routing of the answers so far."""
        if self.phase != "steps":
            return 1.0
        ids = [s.id for s in self.path()]
        pos = ids.index(self.step_id) if self.step_id in ids else len(self.history)
        return pos / (len(ids) + 1)  # +1: the review is the last screen

    def page_position(self, field_index: int) -> tuple[int, int]:
        """(page number from 1, pages in all) while the step's fields are shown one at a time;
        the total never grows as the resident answers (kiosk.applications.wizard_pages)."""
        return page_position(self.form, self.history, self.step_id, field_index, self.answers)

    def progress_at(self, field_index: int) -> float:
        """The progress bar: the share of pages before this one."""
        n, total = self.page_position(field_index)
        return (n - 1) / max(total, 1)

    @property
    def can_go_back(self) -> bool:
        return bool(self.history) or self.phase in ("review", "dead_end")

    def title(self) -> str:
        return self.form.title.get(self.lang)

    def today(self) -> date:
        return self.service.clock.now().astimezone(RIGA).date()

    # -- answering -------------------------------------------------------------------------
    def set_answer(self, code: str, raw: Any) -> AnswerCheck:
        f = self.form.field(code)
        check = validate_answer(f, raw, self.lang, today=self.today())
        self.texts[code] = raw
        if check.ok:
            self.errors.pop(code, None)
            if check.value is None:
                self.answers.pop(code, None)
            else:
                self.answers[code] = check.value
        else:
            self.errors[code] = check
            self.answers.pop(code, None)  # never keep a stale value behind an error
        return check

    def keep_text(self, code: str, raw: Any) -> None:
        """What was typed, kept unchecked when leaving a question backwards (checked on Next)."""
        self.texts[code] = raw

    def _check_step(self, step: Step) -> bool:
        ok = True
        for f in visible_fields(step, self.answers):
            if not f.is_input:
                continue
            if f.code in self.errors:
                ok = False
                continue
            check = validate_answer(f, self.answers.get(f.code), self.lang, today=self.today())
            if not check.ok:
                self.errors[f.code] = check
                ok = False
        return ok

    def next(self) -> bool:
        """Go on if the current step's answers are fine; False (with `errors`) otherwise."""
        if self.phase != "steps" or not self._check_step(self.current_step):
            return False
        nxt = next_step_id(self.current_step, self.answers)
        if nxt is None:
            self.history.append(self.step_id)
            has_input = any(f.is_input for f in self.visible_fields())
            self.phase = "review" if has_input else "dead_end"
            return True
        self.history.append(self.step_id)
        self.step_id = nxt
        step = self.current_step
        if next_step_id(step, self.answers) is None and not any(
                f.is_input for f in self.visible_fields()):
            # The routing ends on information only (e.g. "not for district heating"): no review.
            self.phase = "dead_end"
        elif self.returning_to_review and self._rest_complete():
            self.phase = "review"
        return True

    def _rest_complete(self) -> bool:
        ids = [s.id for s in self.path()]
        rest = ids[ids.index(self.step_id):] if self.step_id in ids else []
        if not rest or not any(f.is_input for f in visible_fields(self.form.step(rest[-1]),
                                                                   self.answers)):
            return False
        return all(validate_answer(f, self.answers.get(f.code), self.lang,
                                   today=self.today()).ok
                   for sid in rest for f in visible_fields(self.form.step(sid), self.answers)
                   if f.is_input)

    def back(self) -> bool:
        """The previous screen; answers stay. False on the first step (the screen leaves)."""
        if self.phase == "dead_end":
            self.phase = "steps"
            self.step_id = self.history.pop() if self.history else self.step_id
            return True
        if self.phase == "review":
            # history's top is the last step answered (next() pushes it on reaching the review)
            self.phase = "steps"
            self.step_id = self.history.pop() if self.history else self.step_id
            return True
        if self.phase != "steps" or not self.history:
            return False
        self.step_id = self.history.pop()
        return True

    def change(self, step_id: str) -> None:
        """From the review: edit one step; Next returns to the review once all is complete."""
        if step_id not in [s.id for s in self.path()]:
            raise KeyError(step_id)
        ids = [s.id for s in self.path()]
        self.history = ids[:ids.index(step_id)]
        self.step_id = step_id
        self.phase = "steps"
        self.returning_to_review = True

    # -- review, privacy, submit -----------------------------------------------------------
    def submitted_answers(self) -> dict[str, Any]:
        return {f.code: self.answers[f.code] for f in applicable_fields(self.form, self.answers)
                if f.code in self.answers}

    def review_items(self) -> list[ReviewItem]:
        items = []
        for step in self.path():
            for f in visible_fields(step, self.answers):
                if f.is_input:
                    items.append(ReviewItem(step.id, f.code, f.label.get(self.lang),
                                            display_value(f, self.answers.get(f.code), self.lang)))
        return items

    def privacy_notice(self) -> list[str]:
        return privacy_notice(self.form, self.lang, self.controller)

    async def submit(self) -> Acknowledgement:
        if self.phase != "review":
            raise RuntimeError(f"submit from phase {self.phase}")
        answers = self.submitted_answers()
        # The same checks the gateway runs, so "sent" is never followed by a refusal.
        from common.forms.schema import check_submission

        problems = check_submission(self.form, answers, today=self.today())
        if problems:
            for p in problems:
                code = p.pointer.rsplit("/", 1)[-1]
                self.errors[code] = AnswerCheck(error=p.code, params=p.params)
            first = problems[0].pointer.rsplit("/", 1)[-1]
            if first in {f.code for f in self.form.fields()}:
                self.change(self.form.step_of(first).id)
            raise SubmissionRejected("validation-error", problems)
        self.phase = "submitting"
        try:
            ack = await self.service.submit(self.form, answers, self.lang)
        except BaseException:
            self.phase = "review"
            raise
        self.acknowledgement = ack
        self.phase = "done"
        return ack

    def switch_language(self, lang: str) -> None:
        self.lang = lang
