"""What every answer widget offers the form step: load the answer kept for a field, say what the
wizard should check (`raw_answer`), and forget it all at the visit's end (`clear`).

Typed answers (`TypedAnswer`) keep the text typed so far (`text`) and what the answer box shows of
it (`shown`); Back keeps their text in the wizard even when it does not pass the check yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from kivy.properties import NumericProperty, StringProperty

from common.forms.definition import FieldDef
from kiosk.applications import ApplicationWizard

DISPLAY_TAIL = 160  # characters of a long answer shown in the answer box (the end, where typing is)
TEXT_LIMIT = 4000  # characters typed into a field that names no maximum

if TYPE_CHECKING:  # every answer is mixed into a Kivy widget (bind, dispatch, ids)
    from kivy.uix.widget import Widget as _Widget
else:
    _Widget = object


class Answer(_Widget):
    """Mixed into a Kivy widget; `mode` is the step screen's mode while it shows (kv binds to it)."""

    mode: ClassVar[str] = ""
    keeps_text: ClassVar[bool] = False  # Back keeps what was typed, checked or not

    def load(self, field: FieldDef, wizard: ApplicationWizard) -> None:
        """Show the answer the wizard keeps for `field` (none yet: empty)."""

    def raw_answer(self) -> Any:
        """What `wizard.set_answer` checks."""
        return None

    def clear(self) -> None:
        """The visit ended: nothing of the resident's answer stays in the widget."""


class TypedAnswer(Answer):
    """An answer typed key by key; the widget's own `on_key` / `on_backspace` events type it."""

    keeps_text = True
    text = StringProperty("")  # what was typed
    shown = StringProperty("")  # what the answer box shows of it
    limit = NumericProperty(TEXT_LIMIT)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.bind(text=self._show)

    def load(self, field: FieldDef, wizard: ApplicationWizard) -> None:
        kept = wizard.texts.get(field.code)
        self.limit = field.max_length or TEXT_LIMIT
        self.text = kept if isinstance(kept, str) else ""
        self._show()

    def raw_answer(self) -> Any:
        return self.text

    def clear(self) -> None:
        self.text = ""

    def type_text(self, typed: str) -> None:
        if len(self.text) < self.limit:
            self.text += typed

    def on_key(self, typed: str) -> None:
        self.type_text(typed)

    def on_backspace(self) -> None:
        self.text = self.text[:-1]

    def _show(self, *_args: Any) -> None:
        self.shown = self.text if len(self.text) <= DISPLAY_TAIL else "…" + self.text[-DISPLAY_TAIL:]
