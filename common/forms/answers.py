"""What checking one answer returns, its error codes and messages, and text normalisation.

The bottom of the forms package: the per-type checkers (`common.forms.checkers`), the field-type
registry and `validate_answer` all build on these (docs/architecture.md, "Applications").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from common import personal_code
from common.i18n import N_, gettext

# Stable error codes: screens show the translated message, the gateway's problem+json carries the
# code and the message in every language.
MESSAGES: dict[str, str] = {
    "required": N_("Please answer this question."),
    "invalid_type": N_("This answer has the wrong kind of value."),
    "invalid_characters": N_("This answer contains characters that are not allowed here."),
    "too_long": N_("Please shorten the answer to at most {max_length} characters."),
    "too_short": N_("Please enter at least {min_length} characters."),
    "invalid_format": N_("This answer is not in the expected format."),
    "not_a_number": N_("Please enter a number using digits."),
    "not_an_integer": N_("Please enter a whole number."),
    "too_small": N_("The number must be at least {min}."),
    "too_large": N_("The number must be at most {max}."),
    "too_many_decimals": N_("Please enter at most two digits after the comma."),
    "invalid_date": N_("Please enter a real date as DD.MM.YYYY."),
    "date_too_early": N_("The date must not be before {min}."),
    "date_too_late": N_("The date must not be after {max}."),
    "invalid_datetime": N_("Please enter a real date and time."),
    "invalid_choice": N_("Please choose one of the options shown."),
    "duplicate_choice": N_("An option was chosen twice."),
    "too_few_choices": N_("Please choose at least {min} options."),
    "too_many_choices": N_("Please choose at most {max} options."),
    "must_be_true": N_("You need to confirm this to continue."),
    "must_be_false": N_("This must be answered \"no\" to continue."),
    "invalid_email": N_("Please enter an e-mail address like name@example.lv."),
    "invalid_phone": N_("Please enter a phone number, e.g. 20000000 or +371 20000000."),
    "invalid_cadastral": N_("A cadastral number has 11 digits (a building 14), e.g. 4201 002 0123."),
    "invalid_iban": N_("This account number (IBAN) is not valid. Please check it."),
    "unknown_field": N_("This question is not part of the form."),
    "not_applicable": N_("This question does not apply to the answers given."),
    **personal_code.MESSAGES,
}

_KEEP_FORMAT = {"\u200c", "\u200d"}  # ZWNJ/ZWJ shape scripts and emoji sequences


@dataclass(frozen=True)
class AnswerCheck:
    """The outcome: `value` (normalised; None = no answer) or a stable `error` code."""

    value: Any = None
    error: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def message(self, lang: str) -> str:
        return error_message(self.error, lang, self.params) if self.error else ""


def error_message(code: str, lang: str, params: dict[str, Any] | None = None) -> str:
    msgid = MESSAGES.get(code, MESSAGES["invalid_format"])
    return gettext(msgid, lang, **(params or {}))


def reject(code: str, **params: Any) -> AnswerCheck:
    """An answer refused with `code`; `params` fill the message's placeholders."""
    return AnswerCheck(error=code, params=params)


def normalise_text(raw: str, *, multiline: bool = False) -> str:
    """NFC, no control or invisible format characters, line breaks only where allowed.

    Tabs and line breaks in a one-line answer become spaces (dropping them would glue words).
    Raises ValueError for unpaired surrogates (they cannot be stored as UTF-8).
    """
    out: list[str] = []
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cs":
            raise ValueError("surrogate")
        if ch == "\n":
            out.append("\n" if multiline else " ")
        elif ch.isspace():
            out.append(" ")
        elif cat == "Cc" or (cat == "Cf" and ch not in _KEEP_FORMAT):
            continue
        else:
            out.append(ch)
    text = unicodedata.normalize("NFC", "".join(out))
    if multiline:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.strip()


def compact_ascii(raw: str, drop: str = " ") -> str | None:
    """A code typed with spaces: the ASCII characters left, or None if anything else was typed."""
    try:
        text = normalise_text(raw)
    except ValueError:
        return None
    text = "".join(ch for ch in text if ch not in drop)
    return text if text.isascii() and text.isprintable() else None
