"""Which answer widget each input kind of the field types gets (`InputKind`; "none", information,
gets none)."""

from __future__ import annotations

from screens.inputs.answer import Answer
from screens.inputs.choice_answer import ChoiceAnswer
from screens.inputs.date_answer import DateAnswer
from screens.inputs.multi_choice_answer import MultiChoiceAnswer
from screens.inputs.number_answer import NumberAnswer
from screens.inputs.text_answer import TextAnswer
from screens.inputs.yes_no_answer import YesNoAnswer

ANSWER_WIDGETS: dict[str, type[Answer]] = {
    "keyboard": TextAnswer, "numpad": NumberAnswer, "date": DateAnswer, "choice": ChoiceAnswer,
    "multi": MultiChoiceAnswer, "boolean": YesNoAnswer,
}
