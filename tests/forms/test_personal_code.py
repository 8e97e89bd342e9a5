import pytest

from common import personal_code as pc
from common.i18n import LANGUAGES, gettext


@pytest.mark.parametrize("code", ["120375-12340", "010100-10005", "311299-12345", "12037512340",
                                  " 120375 - 12340 ".replace(" - ", "-")])
def test_valid_old_codes(code: str) -> None:
    parsed = pc.parse(code)
    assert not parsed.new_style and parsed.birth_date is not None
    assert parsed.canonical == code.strip().replace("-", "")[:6] + "-" + code.strip().replace("-", "")[6:]


@pytest.mark.parametrize("code", ["32503511782", "33123456789", "39000000000", "325035-11782"])
def test_valid_new_codes_including_those_stdnum_rejects(code: str) -> None:
    parsed = pc.parse(code)
    assert parsed.new_style and parsed.birth_date is None


@pytest.mark.parametrize("code, error", [
    ("290200-12340", "personal_code.date"),       # 1900 was not a leap year
    ("120375-12341", "personal_code.checksum"),
    ("120375-92340", "personal_code.century"),
    ("31000000000", "personal_code.date"),        # 31... is not a new code, and 31.00. no date
    ("1203751234", "personal_code.format"),
    ("120375-123400", "personal_code.format"),
    ("１２０３７５-１２３４０", "personal_code.format"),  # full-width digits pass str.isdigit()
    ("12O375-12340", "personal_code.format"),
    ("", "personal_code.format"),
])
def test_invalid_codes_have_stable_codes(code: str, error: str) -> None:
    with pytest.raises(pc.PersonalCodeError) as exc:
        pc.parse(code)
    assert exc.value.code == error
    assert code.strip() not in str(exc.value) or not code.strip()  # never echoes the input
    for lang in LANGUAGES:
        assert gettext(exc.value.msgid, lang)


def test_check_digit_formula_against_vectors() -> None:
    assert pc.check_digit("1203751234") == 0
    assert pc.check_digit("0101001000") == 5
    assert pc.check_digit("3112991234") == 5


@pytest.mark.parametrize("code, masked", [
    ("32503511782", "32****-***82"), ("325035-11782", "32****-***82"),
    ("161175-12345", "161175-1****"), ("16117512345", "161175-1****"),
    ("garbage", "******-*****"),
])
def test_masking(code: str, masked: str) -> None:
    assert pc.mask(code) == masked
