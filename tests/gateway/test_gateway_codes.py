"""Invoice identifiers, EPC QR payload and scanned-text parsing (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.invoice_codes import (
    CheckMalformed,
    CodeError,
    EpcInvalid,
    NoticeMalformed,
    ScanUnreadable,
    code128_content,
    epc_payload,
    normalise_check,
    normalise_notice,
    parse_scanned,
)

EPC = dict(creditor_name="Cēsu novada pašvaldība", iban="LV92 HABA 0551 0203 0405 0",
           notice_no="2026000457", check_value="4821", amount_cents=14840)


def test_normalise_tolerates_spaces_and_dashes() -> None:
    assert normalise_notice(" 2026 000-457\n") == "2026000457"
    assert normalise_check("48-21") == "4821"
    for bad in ("202600045", "20260004571", "2026OOO457", "", "２０２６０００４５７"):
        with pytest.raises(NoticeMalformed) as exc:
            normalise_notice(bad)
        assert exc.value.code == "notice-malformed"
    for bad in ("482", "48211", "48a1"):
        with pytest.raises(CheckMalformed) as exc:
            normalise_check(bad)
        assert exc.value.code == "check-malformed"


def test_epc_payload_layout() -> None:
    lines = epc_payload(**EPC, bic="HABALV22").split("\n")
    assert lines == ["BCD", "002", "1", "SCT", "HABALV22", "Cēsu novada pašvaldība", "LV92HABA0551020304050",
                     "EUR148.40", "", "", "Pazinojums 2026000457 KV 4821"]
    no_bic = epc_payload(**{**EPC, "amount_cents": None}).split("\n")
    assert no_bic[4] == "" and no_bic[7] == ""
    with pytest.raises(EpcInvalid):
        epc_payload(**{**EPC, "creditor_name": "x" * 71})
    with pytest.raises(EpcInvalid):
        epc_payload(**{**EPC, "amount_cents": 0})


def test_parse_scanned_with_wedge_noise() -> None:
    epc = epc_payload(**EPC)
    for text in (epc, epc + "\r\n", epc.replace("\n", "\r"), epc.replace("\n", "\r\n"), "]Q1" + epc,
                 code128_content("2026000457", "4821"), "KAC2026000457-4821\r", " KAC20260004574821\n",
                 "]C0KAC2026000457-4821\r\n"):
        assert parse_scanned(text) == ("2026000457", "4821"), repr(text)
    for text in ("", "hello", "KAC2026000457-482", "BCD\n002\n1\nSCT\n\nX\nLV92HABA0551020304050\n\n\n\nno ref",
                 "2026000457 4821"):
        with pytest.raises(ScanUnreadable) as exc:
            parse_scanned(text)
        assert exc.value.code == "scan-unreadable"
        assert isinstance(exc.value, CodeError)


@given(st.from_regex(r"[0-9]{10}", fullmatch=True), st.from_regex(r"[0-9]{4}", fullmatch=True),
       st.integers(min_value=1, max_value=10**9), st.sampled_from(["", "\r", "\n", "\r\n"]))
def test_round_trip(notice: str, check: str, cents: int, tail: str) -> None:
    epc = epc_payload(**{**EPC, "notice_no": notice, "check_value": check, "amount_cents": cents})
    assert parse_scanned(epc + tail) == (notice, check)
    assert parse_scanned(code128_content(notice, check) + tail) == (notice, check)
