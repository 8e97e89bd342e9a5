"""Latvian personal code (personas kods): validation, canonical form and masking.

python-stdnum 2.2 rejects valid new-style codes starting 33..39, so the check is ours
(docs/architecture.md, "Personal data and identifiers"): old codes `DDMMYY-CNNNZ` need a real date
and the mod-11 check digit; new codes (issued since 2017-07-01) are `3` + a digit 2..9 + nine
digits and carry neither date nor a confirmed check digit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from common.i18n import N_

_WEIGHTS = (10, 5, 8, 4, 2, 1, 6, 3, 7, 9)
_CENTURY = {"0": 1800, "1": 1900, "2": 2000}
_SHAPE = re.compile(r"^[0-9]{6}-?[0-9]{5}$")
_NEW = re.compile(r"^3[2-9][0-9]{9}$")

# Stable error codes: the UI shows the translated message, logs and APIs carry the code.
MESSAGES: dict[str, str] = {
    "personal_code.format": N_("A personal code has 11 digits, e.g. 123456-12345."),
    "personal_code.date": N_("The first six digits of this personal code are not a valid date."),
    "personal_code.century": N_("The seventh digit of this personal code is not valid."),
    "personal_code.checksum": N_("This personal code is not valid. Please check the digits."),
}


class PersonalCodeError(ValueError):
    """An invalid personal code; `code` is stable, `str()` never contains the input."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)

    @property
    def msgid(self) -> str:
        return MESSAGES[self.code]


@dataclass(frozen=True)
class PersonalCode:
    digits: str  # 11 ASCII digits, no hyphen
    new_style: bool
    birth_date: date | None

    @property
    def canonical(self) -> str:
        """`DDMMYY-NNNNN`: the hyphenated form every document and API uses."""
        return f"{self.digits[:6]}-{self.digits[6:]}"

    @property
    def masked(self) -> str:
        return mask(self.digits)


def check_digit(first_ten: str) -> int:
    total = sum(w * int(d) for w, d in zip(_WEIGHTS, first_ten, strict=True))
    return (1 + total) % 11 % 10


def compact(text: str) -> str:
    """Drop the spaces people type; keep everything else so a bad character is still reported."""
    return "".join(text.split())


def parse(text: str) -> PersonalCode:
    """Validate a personal code as typed (hyphen optional, surrounding spaces ignored)."""
    raw = compact(text)
    # str.isdigit() accepts Arabic-Indic and full-width digits; only ASCII is a personal code.
    if not _SHAPE.match(raw) or not raw.isascii():
        raise PersonalCodeError("personal_code.format")
    digits = raw.replace("-", "")
    if _NEW.match(digits):
        return PersonalCode(digits=digits, new_style=True, birth_date=None)
    century = _CENTURY.get(digits[6])
    if century is None:
        raise PersonalCodeError("personal_code.century")
    try:
        born = date(century + int(digits[4:6]), int(digits[2:4]), int(digits[0:2]))
    except ValueError:
        raise PersonalCodeError("personal_code.date") from None
    if check_digit(digits[:10]) != int(digits[10]):
        raise PersonalCodeError("personal_code.checksum")
    return PersonalCode(digits=digits, new_style=False, birth_date=born)


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except PersonalCodeError:
        return False
    return True


def mask(text: str) -> str:
    """Masked for screens and paper (docs/architecture.md, "Personal data and identifiers").

    New codes keep their first two and last two digits (`32****-***82`): the prefix says only
    "new style". Old codes keep the birth date and the century digit (`161175-1****`), which the
    resident already knows and which tells a librarian which person it is, never the serial.
    Anything that is not 11 digits is masked entirely.
    """
    digits = compact(text).replace("-", "")
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        return "******-*****"
    if _NEW.match(digits):
        return f"{digits[:2]}****-***{digits[9:]}"
    return f"{digits[:6]}-{digits[6]}****"


# Between the digits of a code as people type or paste it: spaces of any kind (NBSP included), the
# hyphen and every dash-like character (U+2010-U+2015 hyphens and dashes, U+2212 minus, the small
# and full-width hyphen-minus), a soft hyphen and zero-width characters; at most three in a row.
_SEPARATOR = "[\\s\\-\u00ad\u2010-\u2015\u2212\ufe58\ufe63\uff0d\u200b-\u200d\u2060]"
# Eleven or more digits (of any script) with separators anywhere between them, wherever they stand:
# `230443-16069`, `230443–16069`, `2304 4316069`, `pk230443 16069` all hold one personal code, and a
# code with a digit too many still shows most of one.
_CODE_LIKE = re.compile(f"\\d(?:{_SEPARATOR}{{0,3}}\\d){{10,}}")


def mask_codes(text: str) -> str:
    """`text` with every run shaped like a personal code masked (`mask`), however it was typed:
    free text the desk or a kiosk sends (an audit reason, a note) must not keep a code in full."""
    return _CODE_LIKE.sub(lambda m: mask("".join(c for c in m.group() if c.isdigit())), text)
