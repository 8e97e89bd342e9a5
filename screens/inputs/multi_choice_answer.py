"""Any of several answers: the same toggles as one of several, with check marks, each on or off on
its own; the answer lists the chosen keys in the form's order."""

from __future__ import annotations

from typing import Any

from screens.inputs.choice_answer import ChoiceAnswer


class MultiChoiceAnswer(ChoiceAnswer):
    mode = "multi"

    def choose(self, key: str) -> None:
        if key in self.selection:
            self.selection.remove(key)
        else:
            self.selection.append(key)

    def raw_answer(self) -> Any:
        order = [c.key for c in (self.field.values or ())] if self.field else []
        return [k for k in order if k in self.selection]
