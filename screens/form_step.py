"""One question per screen: the current field of the wizard's current step.

A KF1 step may hold several fields; the screen shows them one at a time (`field_index`) and calls
`wizard.next()` after the step's last one, so the wizard's routing and step checks stay the only
rules. Each answer is checked by `wizard.set_answer` when Next is pressed and its translated message
is shown under the answer. Back goes to the previous question and keeps what was typed.

Inputs by the field type's input kind (`common.forms.field_types`): the letter keyboard
(Latvian/Russian) for text, e-mail and IBAN; the numeric keypad for numbers, amounts, phone numbers,
personal and cadastral codes; the keypad with a DD.MM.YYYY mask for dates; big toggles for choices
and yes/no; nothing for information.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty

from common.forms.definition import FieldDef
from common.i18n import N_
from kiosk.applications import ApplicationWizard, application_visit, shipped_forms
from screens.base import GalleryState, KioskScreen, register_screen
from screens.keyboard import LetterKeyboard, NumPad
from screens.widgets import TR, KToggle
from screens.wizard import abandon, show, wizard_of

DISPLAY_TAIL = 160  # characters of a long answer shown in the answer box (the end, where typing is)


class ChoiceToggle(KToggle):
    key = StringProperty("")


def date_mask(digits: str) -> str:
    """`1205` -> `12.05.____`: what the resident sees while typing a date on the keypad."""
    slots = (digits + "_" * 8)[:8]
    return f"{slots[:2]}.{slots[2:4]}.{slots[4:]}"


def date_raw(digits: str) -> str:
    """What is checked: `DD.MM.YYYY` once complete, else the digits typed (an invalid date)."""
    return date_mask(digits) if len(digits) == 8 else digits


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
        self.buffer = ""
        self.selection: list[str] = []
        self.toggles: dict[str, ChoiceToggle] = {}
        # Built once and moved in and out of the input area (screens are never rebuilt).
        self.keyboard = LetterKeyboard()
        self.keyboard.bind(on_key=self._typed, on_backspace=self._erased)
        self.numpad = NumPad()
        self.numpad.bind(on_key=self._typed, on_backspace=self._erased)
        TR.bind(_=self._on_language)

    # -- visit -----------------------------------------------------------------------------
    def reset(self) -> None:
        self.field = None
        self.buffer = ""
        self.selection = []
        self.error = self.display = self.question = self.help_text = self.form_title = ""
        self.field_index = 0
        self.keyboard.reset(self.services.visit.default_language)
        self.ids.input_area.clear_widgets()
        self.toggles = {}

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
        self.mode = "dead_end"
        self.ids.input_area.clear_widgets()

    def _prepare_input(self, wizard: ApplicationWizard, f: FieldDef) -> None:
        area = self.ids.input_area
        area.clear_widgets()
        self.toggles = {}
        kind = f.field_type
        self.multiline = kind.multiline
        text = wizard.texts.get(f.code)
        if kind.input == "none":
            self.mode = "info"
            self.question, self.help_text = f.label.get(wizard.lang), ""
        elif kind.input in ("choice", "multi", "boolean"):
            self.mode = kind.input
            value = wizard.answers.get(f.code)
            if kind.input == "boolean":
                options = [("yes", TR._("Yes")), ("no", TR._("No"))]
                self.selection = [] if value is None else ["yes" if value else "no"]
            else:
                options = [(c.key, c.name.get(wizard.lang)) for c in f.values or ()]
                self.selection = ([] if value is None else
                                  list(value) if isinstance(value, list) else [value])
            self._add_toggles(options, horizontal=kind.input == "boolean")
        elif kind.input == "date":
            self.mode = "date"
            self.buffer = "".join(ch for ch in text if ch.isdigit())[:8] if isinstance(text, str) else ""
            self.numpad.extra = ""
            area.add_widget(self.numpad)
        elif kind.input == "numpad":
            self.mode = "numpad"
            self.buffer = text if isinstance(text, str) else ""
            self.numpad.extra = kind.keypad_extra
            area.add_widget(self.numpad)
        else:
            self.mode = "keyboard"
            self.buffer = text if isinstance(text, str) else ""
            area.add_widget(self.keyboard)
        self._show_buffer()

    def _add_toggles(self, options: list[tuple[str, str]], *, horizontal: bool) -> None:
        from kivy.uix.boxlayout import BoxLayout
        from kivy.uix.scrollview import ScrollView

        box = BoxLayout(orientation="horizontal" if horizontal else "vertical",
                        spacing=self.ids.input_area.spacing, size_hint_y=None)
        box.bind(minimum_height=box.setter("height"))
        for key, label in options:
            t = ChoiceToggle(key=key, label=label, active=key in self.selection,
                             single=self.mode != "multi")
            t.bind(on_release=self._toggled)
            box.add_widget(t)
            self.toggles[key] = t
        scroll = ScrollView(do_scroll_x=False, bar_width=12, scroll_type=["bars", "content"])
        scroll.add_widget(box)
        self.ids.input_area.add_widget(scroll)

    def _show_buffer(self) -> None:
        if self.mode == "date":
            self.display = date_mask(self.buffer)
        elif self.mode in ("keyboard", "numpad"):
            shown = self.buffer if len(self.buffer) <= DISPLAY_TAIL else "…" + self.buffer[-DISPLAY_TAIL:]
            self.display = shown
        else:
            self.display = ""

    # -- input -----------------------------------------------------------------------------
    def _typed(self, _src: Any, text: str) -> None:
        self.error = ""
        if self.mode == "date":
            if text.isdigit() and len(self.buffer) < 8:
                self.buffer += text
        else:
            limit = (self.field.max_length if self.field and self.field.max_length else 4000)
            if len(self.buffer) < limit:
                self.buffer += text
        self._show_buffer()

    def _erased(self, _src: Any) -> None:
        self.error = ""
        self.buffer = self.buffer[:-1]
        self._show_buffer()

    def _toggled(self, toggle: ChoiceToggle) -> None:
        self.error = ""
        if self.mode == "multi":
            if toggle.key in self.selection:
                self.selection.remove(toggle.key)
            else:
                self.selection.append(toggle.key)
        else:
            self.selection = [toggle.key]
        for key, t in self.toggles.items():
            t.active = key in self.selection

    def raw_answer(self) -> Any:
        if self.mode == "date":
            return date_raw(self.buffer)
        if self.mode in ("keyboard", "numpad"):
            return self.buffer
        if self.mode == "choice":
            return self.selection[0] if self.selection else ""
        if self.mode == "multi":
            order = [c.key for c in (self.field.values or ())] if self.field else []
            return [k for k in order if k in self.selection]
        if self.mode == "boolean":
            return None if not self.selection else self.selection[0] == "yes"
        return None

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
        if self.mode in ("keyboard", "numpad", "date") and f is not None:
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


# -- gallery demo data (the shipped forms, answers filled in) ---------------------------------
DEMO_ANSWERS: dict[str, dict[str, Any]] = {
    "heating-allowance": {"full_name": "Jānis Bērziņš", "personal_code": "120375-12340",
                          "address": "Zosēni, \"Ābeles\"", "phone": "20000000",
                          "household_size": "3", "income_status": "low_income",
                          "monthly_income": "640,00", "income_sources": ["pension"],
                          "heating_type": "wood", "firewood_m3": "12,5", "payment_method": "cash",
                          "declaration": True},
    "excavation-permit": {"cadastral_number": "42010020123", "location_description": "Zosēni",
                          "purpose": "water"},
    "general-application": {"subject": "Ceļa remonts", "text": "Lūdzu salabot ceļu pie skolas.",
                            "full_name": "Anna Ozola", "reply_channel": "library"},
}


def demo_wizard(screen: KioskScreen, service_code: str, upto: str | None = None) -> ApplicationWizard:
    """A wizard on the shipped form with demo answers for every field before `upto`."""
    wizard = application_visit(screen.services).start(shipped_forms()[service_code])
    answers = DEMO_ANSWERS.get(service_code, {})
    while wizard.phase == "steps":
        for f in wizard.visible_fields():
            if f.code == upto:
                return wizard
            if f.is_input and f.code in answers:
                wizard.set_answer(f.code, answers[f.code])
        for f in wizard.visible_fields():  # fields an answer above has just shown
            if f.is_input and f.code in answers and f.code not in wizard.answers:
                wizard.set_answer(f.code, answers[f.code])
        if not wizard.next():
            break
    return wizard


def _demo(screen: FormStepScreen, service_code: str, code: str, *, typed: str = "",
          layout: str | None = None, press_next: bool = False) -> None:
    demo_wizard(screen, service_code, upto=code)
    screen.keyboard.reset(screen.services.visit.language)
    screen.begin_at(code)
    if layout:
        screen.keyboard.layout = layout
    for ch in typed:
        screen._typed(None, ch)
    if press_next:
        screen.next()

