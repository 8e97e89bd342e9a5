"""A yes/no answer: two toggles side by side, "Yes" and "No" in the visit's language; no answer
until one is chosen."""

from __future__ import annotations

from typing import Any

from common.forms.definition import FieldDef
from kiosk.applications import ApplicationWizard
from screens.inputs.choice_answer import ChoiceAnswer
from screens.widgets import TR


class YesNoAnswer(ChoiceAnswer):
    mode = "boolean"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.horizontal = True

    def options(self, field: FieldDef, wizard: ApplicationWizard) -> list[tuple[str, str]]:
        return [("yes", TR._("Yes")), ("no", TR._("No"))]

    def kept(self, value: Any) -> list[str]:
        return [] if value is None else ["yes" if value else "no"]

    def raw_answer(self) -> Any:
        return None if not self.selection else self.selection[0] == "yes"
