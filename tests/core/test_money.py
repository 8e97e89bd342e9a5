from decimal import Decimal

import pytest

from common.money import AmountError, format_eur, from_major, parse_eur, to_major


@pytest.mark.parametrize(
    "cents, text",
    [(0, "0,00\u00a0€"), (1, "0,01\u00a0€"), (1250, "12,50\u00a0€"), (123456, "1\u00a0234,56\u00a0€"),
     (999999, "9\u00a0999,99\u00a0€"), (-505, "-5,05\u00a0€")],
)
def test_latvian_format(cents: int, text: str) -> None:
    assert format_eur(cents) == text


def test_format_refuses_floats() -> None:
    with pytest.raises(TypeError):
        format_eur(12.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("text, cents", [("12,50", 1250), ("12.5", 1250), ("1 234,00 €", 123400),
                                         ("0,01", 1), ("7", 700), ("7 EUR", 700)])
def test_parse(text: str, cents: int) -> None:
    assert parse_eur(text) == cents


@pytest.mark.parametrize("text", ["", "12,505", "abc", "1,2,3", "-5", "12 34"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(AmountError):
        parse_eur(text)


def test_major_units_round_trip_exactly() -> None:
    for cents in [*range(1, 91), 999999, 100000000]:
        assert from_major(to_major(cents)) == cents
        assert from_major(str(to_major(cents))) == cents
    assert to_major(1) == Decimal("0.01")
    with pytest.raises(AmountError):
        from_major("0.001")
