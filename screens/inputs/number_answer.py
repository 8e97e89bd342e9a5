"""A number typed on the numeric keypad (numbers, amounts, phone numbers, personal and cadastral
codes), with the one extra key its field type needs (`keypad_extra`: "," "-" "+")."""

from __future__ import annotations

from common.forms.definition import FieldDef
from kiosk.applications import ApplicationWizard
from screens.inputs.answer import TypedAnswer
from screens.keyboard import NumPad


class NumberAnswer(TypedAnswer, NumPad):
    mode = "numpad"

    def load(self, field: FieldDef, wizard: ApplicationWizard) -> None:
        self.extra = field.field_type.keypad_extra
        super().load(field, wizard)
