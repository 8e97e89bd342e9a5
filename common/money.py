"""Money is integer euro cents; shown Latvian-style (`12,50 €`, `1 234,00 €`)."""

from __future__ import annotations

import re
from decimal import Decimal

NBSP = "\u00a0"

_AMOUNT = re.compile(r"^\s*(\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?:[.,](\d{1,2}))?\s*(?:€|EUR)?\s*$")


class AmountError(ValueError):
    """A typed amount could not be read as euros and cents."""


def format_eur(cents: int, *, symbol: bool = True, group: str = NBSP) -> str:
    """`1234550` -> `12 345,50 €` with a no-break space between thousands and before €."""
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise TypeError("money is integer cents")
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    digits = f"{whole:,}".replace(",", group)
    text = f"{sign}{digits},{frac:02d}"
    return f"{text}{NBSP}€" if symbol else text


def parse_eur(text: str) -> int:
    """`12,5` / `12.50` / `1 234,00 €` -> cents; raises AmountError."""
    m = _AMOUNT.match(text or "")
    if not m:
        raise AmountError(text)
    whole = int(m.group(1).replace(" ", "").replace(NBSP, ""))
    frac = (m.group(2) or "0").ljust(2, "0")
    return whole * 100 + int(frac)


def to_major(cents: int) -> Decimal:
    """Cents -> Decimal euros, exactly (for protocol edges that want major units)."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def from_major(amount: Decimal | str | int | float) -> int:
    """Decimal euros -> cents, refusing fractions of a cent instead of rounding them away."""
    value = Decimal(str(amount))
    cents = value * 100
    if cents != cents.to_integral_value():
        raise AmountError(f"{amount} has fractions of a cent")
    return int(cents)
