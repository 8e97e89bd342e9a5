"""One of several answers, as big toggles in a column that scrolls (its kv rules beside it): each
toggle shows a radio mark, and choosing one un-chooses the others."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.scrollview import ScrollView

from common.forms.definition import FieldDef
from kiosk.applications import ApplicationWizard
from screens.inputs.answer import Answer
from screens.widgets import KToggle, load_kv_beside


class ChoiceToggle(KToggle):
    key = StringProperty("")


class ChoiceAnswer(Answer, ScrollView):
    """Built once; its toggles are made again for each question (their options differ)."""

    mode = "choice"
    horizontal = BooleanProperty(False)  # the toggles side by side (Yes / No)

    __events__ = ("on_chosen",)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.field: FieldDef | None = None
        self.toggles: dict[str, ChoiceToggle] = {}
        self.selection: list[str] = []

    def on_chosen(self) -> None:
        """A toggle was tapped (the step screen clears its message)."""

    def options(self, field: FieldDef, wizard: ApplicationWizard) -> list[tuple[str, str]]:
        """(key, label) of each toggle."""
        return [(c.key, c.name.get(wizard.lang)) for c in field.values or ()]

    def kept(self, value: Any) -> list[str]:
        """The keys the wizard's kept answer chose."""
        return [] if value is None else list(value) if isinstance(value, list) else [value]

    def load(self, field: FieldDef, wizard: ApplicationWizard) -> None:
        self.field = field
        self.selection = self.kept(wizard.answers.get(field.code))
        box = self.ids.toggles
        box.clear_widgets()
        self.toggles = {}
        for key, label in self.options(field, wizard):
            toggle = ChoiceToggle(key=key, label=label, active=key in self.selection,
                                  single=self.mode != "multi")
            toggle.bind(on_release=self._toggled)
            box.add_widget(toggle)
            self.toggles[key] = toggle
        self.scroll_y = 1  # a new question starts at its first option

    def choose(self, key: str) -> None:
        self.selection = [key]

    def _toggled(self, toggle: ChoiceToggle) -> None:
        self.choose(toggle.key)
        for key, t in self.toggles.items():
            t.active = key in self.selection
        self.dispatch("on_chosen")

    def raw_answer(self) -> Any:
        return self.selection[0] if self.selection else ""

    def clear(self) -> None:
        self.selection = []
        self.ids.toggles.clear_widgets()
        self.toggles = {}


load_kv_beside(__file__)
