"""A date typed as eight digits on the numeric keypad behind a DD.MM.YYYY mask: the resident sees
`12.05.____` while typing, and the wizard checks `DD.MM.YYYY` once all eight digits are there."""

from __future__ import annotations

from typing import Any

from common.forms.definition import FieldDef
from kiosk.applications import ApplicationWizard
from screens.inputs.answer import TypedAnswer
from screens.keyboard import NumPad

DATE_DIGITS = 8


def date_mask(digits: str) -> str:
    """`1205` -> `12.05.____`: what the resident sees while typing a date on the keypad."""
    slots = (digits + "_" * DATE_DIGITS)[:DATE_DIGITS]
    return f"{slots[:2]}.{slots[2:4]}.{slots[4:]}"


def date_raw(digits: str) -> str:
    """What is checked: `DD.MM.YYYY` once complete, else the digits typed (an invalid date)."""
    return date_mask(digits) if len(digits) == DATE_DIGITS else digits


class DateAnswer(TypedAnswer, NumPad):
    mode = "date"

    def load(self, field: FieldDef, wizard: ApplicationWizard) -> None:
        kept = wizard.texts.get(field.code)
        self.extra = ""
        self.text = "".join(ch for ch in kept if ch.isdigit())[:DATE_DIGITS] if isinstance(kept, str) else ""
        self._show()

    def raw_answer(self) -> Any:
        return date_raw(self.text)

    def type_text(self, typed: str) -> None:
        if typed.isdigit() and len(self.text) < DATE_DIGITS:
            self.text += typed

    def _show(self, *_args: Any) -> None:
        self.shown = date_mask(self.text)
