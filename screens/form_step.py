"""One question per screen: the current field of the wizard's current step.

A KF1 step may hold several fields; the screen shows them one at a time (`field_index`) and calls
`wizard.next()` after the step's last one, so the wizard's routing and step checks stay the only
rules. Each answer is checked by `wizard.set_answer` when Next is pressed and its translated message
is shown under the answer. Back goes to the previous question and keeps what was typed.

The answer is given on one widget per input kind of the field's type (`common.forms.field_types`),
picked by the kind (`screens.inputs`): the letter keyboard (Latvian/Russian) for text, e-mail and
IBAN; the numeric keypad for numbers, amounts, phone numbers, personal and cadastral codes; the
keypad with a DD.MM.YYYY mask for dates; big toggles for choices and yes/no; nothing for
information.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty

from common.forms.definition import FieldDef
from common.i18n import N_
from kiosk.applications import ApplicationWizard
from screens.base import GalleryState, KioskScreen, register_screen
from screens.form_step_gallery import DEMO_ANSWERS, _demo, demo_wizard
from screens.inputs.answer import Answer, TypedAnswer
from screens.inputs.answer_kinds import ANSWER_WIDGETS
from screens.inputs.choice_answer import ChoiceAnswer, ChoiceToggle
from screens.inputs.number_answer import NumberAnswer
from screens.inputs.text_answer import TextAnswer
from screens.widgets import TR
from screens.wizard import abandon, show, wizard_of

__all__ = ["DEMO_ANSWERS", "FormStepScreen", "demo_wizard"]


@register_screen
class FormStepScreen(KioskScreen):
    screen_name = "form_step"
    order = 21
    speech_text = N_("Answer the question and touch Next. Touch Back to see the previous question.")

    mode = OptionProperty("keyboard", options=["keyboard", "numpad", "date", "choice", "multi",
                                               "boolean", "info", "dead_end"])
    form_title = StringProperty("")
    question = StringProperty("")
    help_text = StringProperty("")
    error = StringProperty("")
    display = StringProperty("")
    progress = NumericProperty(0.0)
    progress_text = StringProperty("")
    field_index = NumericProperty(0)
    multiline = BooleanProperty(False)

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.field: FieldDef | None = None
        self.answer: Answer | None = None  # the widget in the input area (none: information)
        # One answer widget per input kind, built once and moved in and out of the input area
        # (screens are never rebuilt); the keyboard and the keypad at once, the others when first
        # needed.
        self._answers: dict[str, Any] = {}
        self.keyboard: TextAnswer = self._answer_for("keyboard")
        self.numpad: NumberAnswer = self._answer_for("numpad")
        TR.bind(_=self._on_language)

    def _answer_for(self, kind: str) -> Any:
        answer = self._answers.get(kind)
        if answer is None:
            answer = self._answers[kind] = ANSWER_WIDGETS[kind]()
            if isinstance(answer, TypedAnswer):
                answer.bind(on_key=self._typed, on_backspace=self._typed, shown=self._shown)
            else:
                answer.bind(on_chosen=self._typed)
        return answer

    # -- what the tests and the gallery reach: the current answer's parts ----------------------
    @property
    def buffer(self) -> str:
        """What was typed into the current typed answer ("" for the other kinds)."""
        return self.answer.text if isinstance(self.answer, TypedAnswer) else ""

    @buffer.setter
    def buffer(self, text: str) -> None:
        if isinstance(self.answer, TypedAnswer):
            self.answer.text = text

    @property
    def toggles(self) -> dict[str, ChoiceToggle]:
        return self.answer.toggles if isinstance(self.answer, ChoiceAnswer) else {}

    # -- visit -----------------------------------------------------------------------------
    def reset(self) -> None:
        self.field = None
        self.answer = None
        for answer in self._answers.values():
            answer.clear()
        self.error = self.display = self.question = self.help_text = self.form_title = ""
        self.field_index = 0
        self.keyboard.reset(self.services.visit.default_language)
        self.ids.input_area.clear_widgets()

    def _on_language(self, *_args: Any) -> None:
        self.keyboard.reset(TR.lang)
        if self.field is not None and wizard_of(self.services) is not None:
            self.render()

    # -- entering --------------------------------------------------------------------------
    def begin(self) -> None:
        """A new application: its first question, the keyboard in the visit's language."""
        self.keyboard.reset(self.services.visit.language)
        self.field_index = 0
        self.render(entering="first")

    def begin_at(self, code: str) -> None:
        """From the review's "change": the question with that field."""
        wizard = wizard_of(self.services)
        codes = [f.code for f in wizard.visible_fields()] if wizard else []
        self.field_index = codes.index(code) if code in codes else 0
        self.render()

    # -- drawing ---------------------------------------------------------------------------
    def render(self, entering: str | None = None) -> None:
        wizard = wizard_of(self.services)
        if wizard is None:
            return
        lang = wizard.lang
        self.form_title = wizard.title()
        fields = wizard.visible_fields()
        if wizard.phase == "dead_end":
            self._render_dead_end(wizard, fields)
            return
        if entering == "first":
            errored = [i for i, f in enumerate(fields) if f.code in wizard.errors]
            self.field_index = errored[0] if errored else 0
        elif entering == "last":
            self.field_index = len(fields) - 1
        self.field_index = max(0, min(int(self.field_index), len(fields) - 1))
        f = self.field = fields[self.field_index]
        self.progress = wizard.progress_at(self.field_index)
        n, total = wizard.page_position(self.field_index)
        self.progress_text = TR._("Step {n} of {total}", n=n, total=total)
        self.question = f.label.get(lang)
        self.help_text = f.help.get(lang) if f.help else ""
        check = wizard.errors.get(f.code)
        self.error = check.message(lang) if check else ""
        self._prepare_input(wizard, f)

    def _render_dead_end(self, wizard: ApplicationWizard, fields: list[FieldDef]) -> None:
        lang = wizard.lang
        self.field = fields[0] if fields else None
        step = wizard.current_step
        self.question = step.title.get(lang) if step.title else wizard.title()
        self.help_text = "\n\n".join(f.label.get(lang) for f in fields)
        self.error = ""
        self.progress = 1.0
        self.progress_text = ""
        self.mode, self.answer = "dead_end", None
        self.ids.input_area.clear_widgets()

    def _prepare_input(self, wizard: ApplicationWizard, f: FieldDef) -> None:
        area = self.ids.input_area
        area.clear_widgets()
        kind = f.field_type
        self.multiline = kind.multiline
        if kind.input == "none":
            self.mode, self.answer, self.display = "info", None, ""
            self.question, self.help_text = f.label.get(wizard.lang), ""
            return
        answer = self._answer_for(kind.input)
        self.mode = answer.mode
        answer.load(f, wizard)
        self.answer = answer
        area.add_widget(answer)
        self.display = answer.shown if isinstance(answer, TypedAnswer) else ""

    # -- input -----------------------------------------------------------------------------
    def _typed(self, *_args: Any) -> None:
        self.error = ""

    def _shown(self, answer: Any, shown: str) -> None:
        if answer is self.answer:
            self.display = shown

    def raw_answer(self) -> Any:
        return self.answer.raw_answer() if self.answer is not None else None

    # -- moving ----------------------------------------------------------------------------
    def next(self) -> None:
        wizard = wizard_of(self.services)
        if wizard is None:
            return
        if self.mode == "dead_end":
            abandon(self.shell)
            return
        f = self.field
        if f is not None and f.is_input:
            check = wizard.set_answer(f.code, self.raw_answer())
            if not check.ok:
                self.error = check.message(wizard.lang)
                return
        fields = wizard.visible_fields()  # an answer may have shown or hidden later questions
        codes = [x.code for x in fields]
        idx = codes.index(f.code) if f is not None and f.code in codes else self.field_index
        if idx + 1 < len(fields):
            self.field_index = idx + 1
            self.render()
            return
        if not wizard.next():
            self.render(entering="first")
            return
        self.after_step(wizard)

    def after_step(self, wizard: ApplicationWizard) -> None:
        if wizard.phase == "review":
            review = self.shell.screens["form_review"]
            review.refresh()
            show(self.shell, "form_review")
        else:
            self.render(entering="first")

    def go_back(self) -> None:
        wizard = wizard_of(self.services)
        if wizard is None:
            show(self.shell, "application")
            return
        f = self.field
        if self.answer is not None and self.answer.keeps_text and f is not None:
            wizard.keep_text(f.code, self.raw_answer())
        if self.mode != "dead_end" and self.field_index > 0:
            self.field_index -= 1
            self.render()
        elif wizard.back():
            self.render(entering="last")
        else:
            show(self.shell, "application")

    def speech(self) -> str:
        parts = [self.question, self.help_text, self.error,
                 TR._(self.speech_text) if self.mode != "dead_end" else ""]
        return " ".join(p for p in parts if p)

    # -- gallery ---------------------------------------------------------------------------
    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        return [
            GalleryState("text-lv", lambda s: _demo(s, "heating-allowance", "full_name",
                                                    typed="Bērziņš", layout="lv")),
            GalleryState("text-ru", lambda s: _demo(s, "heating-allowance", "address",
                                                    typed="Иванов, Цесис", layout="ru")),
            GalleryState("error", lambda s: _demo(s, "heating-allowance", "household_size",
                                                  typed="0", press_next=True)),
            GalleryState("choice", lambda s: _demo(s, "heating-allowance", "heating_type")),
            GalleryState("date", lambda s: _demo(s, "excavation-permit", "start_date",
                                                 typed="1205")),
        ]
