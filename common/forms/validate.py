"""One answer at a time: normalise what was typed, then accept it or name what is wrong.

`validate_answer` looks the field's type up in the registry (`common.forms.field_types`) and runs
its checker (`common.forms.checkers`): it never raises for any input and never changes an answer's
meaning, and running it again on the value it returned gives the same value (the gateway relies on
that to re-check submissions). This module is the entry point screens, the flow and the gateway
import; the outcome type and the messages are defined in `common.forms.answers`.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from common.forms.answers import MESSAGES, AnswerCheck, error_message, normalise_text, reject
from common.forms.definition import FieldDef
from common.forms.field_types import FIELD_TYPES

__all__ = ["MESSAGES", "AnswerCheck", "error_message", "normalise_text", "validate_answer"]

log = logging.getLogger(__name__)


def validate_answer(f: FieldDef, raw: Any, lang: str = "lv", *,
                    today: date | None = None) -> AnswerCheck:
    """Normalise and check one answer (raw text from the kiosk or a JSON value from the API).

    `lang` is accepted so screens can ask for `.message(lang)` on the same call site; the result
    itself is language-neutral. `today` resolves `"today"` date bounds (the flow passes its clock).
    """
    kind = FIELD_TYPES.get(f.datatype)
    if kind is not None and not kind.takes_answer:
        return AnswerCheck(None)
    try:
        if raw is None:
            result = AnswerCheck(None)
        elif kind is None:
            result = reject("invalid_type")
        else:
            result = kind.check(f, raw, today or date.today())
    except Exception:
        # Logged without the answer (it may be personal data); tests assert this never happens.
        log.error("validate_answer bug for datatype %s", f.datatype, exc_info=True)
        result = reject("invalid_format")
    if result.ok and result.value is None and f.required:
        return reject("required")
    return result
