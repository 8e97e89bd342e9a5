"""A text answer (names, addresses, e-mail, IBAN) typed on the kiosk's letter keyboard: Latvian or
Russian letters, digits and symbols (its kv rules are screens.keyboard's)."""

from __future__ import annotations

from screens.inputs.answer import TypedAnswer
from screens.keyboard import LetterKeyboard


class TextAnswer(TypedAnswer, LetterKeyboard):
    mode = "keyboard"
