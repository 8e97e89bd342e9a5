"""The form step's answer widgets: one small widget per input kind of the field types
(`common.forms.field_types.InputKind`), each in its own module with its kv rules beside it.

`text_answer` (the letter keyboard), `number_answer` (the numeric keypad with the field's extra
key), `date_answer` (the keypad behind a DD.MM.YYYY mask), `choice_answer` (big toggles, one of
several), `multi_choice_answer` (any of several), `yes_no_answer` (Yes and No side by side). The
information kind takes no answer. `answer.py` says what every one offers the step screen
(screens.form_step), which picks the widget by its field's kind (`answer_kinds.ANSWER_WIDGETS`).
"""
