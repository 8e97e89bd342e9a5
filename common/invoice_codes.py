"""Invoice identifiers and the codes printed on a paper invoice (pure stdlib).

A payment notice carries a 10-digit notice number and a 4-digit check value. The check value is
random per invoice (never derived from personal data) and is what proves the reader holds the paper.
Both travel in the EPC QR (SEPA credit transfer, EPC069-12 v002) remittance text and in a Code 128.
A scanned code is only a faster way to type both: the gateway checks them like typed input.

Shared by the gateway and the kiosk's client.
"""

from __future__ import annotations

import re

NOTICE_LEN = 10
CHECK_LEN = 4
CODE128_PREFIX = "KAC"

# Separators people type or scanners add between digit groups.
_SEPARATORS = re.compile(r"[\s\-./_]+")
# Keyboard-wedge noise: line ends, tabs, NUL and other control characters around the payload,
# and an AIM symbology identifier (]C0 Code 128, ]Q1 QR ...) some scanners prepend.
_AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_CODE128 = re.compile(rf"^{CODE128_PREFIX}(\d{{{NOTICE_LEN}}})-?(\d{{{CHECK_LEN}}})$")
_REMITTANCE = re.compile(rf"(?<!\d)(\d{{{NOTICE_LEN}}})(?!\d)\D*?KV\s*(\d{{{CHECK_LEN}}})(?!\d)", re.I)

EPC_MAX_BYTES = 331


class CodeError(ValueError):
    """A notice number, check value or scanned code that cannot be used; `code` is stable."""

    code = "code-invalid"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.code)


class NoticeMalformed(CodeError):
    code = "notice-malformed"


class CheckMalformed(CodeError):
    code = "check-malformed"


class ScanUnreadable(CodeError):
    code = "scan-unreadable"


class EpcInvalid(CodeError):
    code = "epc-invalid"


def _digits(text: str) -> str:
    return _SEPARATORS.sub("", text.strip())


def normalise_notice(text: str) -> str:
    """'2026 000-457' -> '2026000457'; raises NoticeMalformed unless exactly 10 digits remain."""
    value = _digits(text or "")
    if len(value) != NOTICE_LEN or not value.isascii() or not value.isdigit():
        raise NoticeMalformed("a notice number has 10 digits")
    return value


def normalise_check(text: str) -> str:
    """' 48-21 ' -> '4821'; raises CheckMalformed unless exactly 4 digits remain."""
    value = _digits(text or "")
    if len(value) != CHECK_LEN or not value.isascii() or not value.isdigit():
        raise CheckMalformed("a check value has 4 digits")
    return value


def remittance_text(notice_no: str, check_value: str) -> str:
    """The unstructured remittance line: ASCII only, so every bank keeps it intact."""
    return f"Pazinojums {normalise_notice(notice_no)} KV {normalise_check(check_value)}"


def code128_content(notice_no: str, check_value: str) -> str:
    """Compact Code 128 content, e.g. 'KAC2026000457-4821'."""
    return f"{CODE128_PREFIX}{normalise_notice(notice_no)}-{normalise_check(check_value)}"


def format_epc_amount(amount_cents: int) -> str:
    if not 1 <= amount_cents <= 99_999_999_999:
        raise EpcInvalid("EPC amount must be EUR0.01 to EUR999999999.99")
    return f"EUR{amount_cents // 100}.{amount_cents % 100:02d}"


def epc_payload(
    *,
    creditor_name: str,
    iban: str,
    notice_no: str,
    check_value: str,
    amount_cents: int | None = None,
    bic: str = "",
    info: str = "",
) -> str:
    """EPC069-12 version 002 payload, UTF-8 (charset 1), LF separated, unstructured remittance."""
    iban_c = iban.replace(" ", "").upper()
    if not 15 <= len(iban_c) <= 34 or not iban_c.isalnum():
        raise EpcInvalid("IBAN must be 15 to 34 letters and digits")
    if bic and len(bic) not in (8, 11):
        raise EpcInvalid("BIC must have 8 or 11 characters")
    name = creditor_name.strip()
    if not 1 <= len(name) <= 70:
        raise EpcInvalid("creditor name must have 1 to 70 characters")
    if len(info) > 70:
        raise EpcInvalid("information to the payer is limited to 70 characters")
    lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        bic,
        name,
        iban_c,
        format_epc_amount(amount_cents) if amount_cents is not None else "",
        "",  # purpose code
        "",  # structured reference (xor unstructured)
        remittance_text(notice_no, check_value),
        info,
    ]
    while lines and lines[-1] == "":
        lines.pop()
    payload = "\n".join(lines)
    if len(payload.encode("utf-8")) > EPC_MAX_BYTES:
        raise EpcInvalid("EPC payload exceeds 331 bytes")
    return payload


def _strip_noise(text: str) -> str:
    text = text.replace("\x00", "").strip(" \t\r\n\x0b\x0c\x1d\x1e\x04")
    return _AIM_PREFIX.sub("", text, count=1)


def _parse_epc(text: str) -> tuple[str, str]:
    # Wedge scanners may turn LF into CR, CRLF or even lose blank lines' order; read by position
    # when the layout is intact, else search every line for the remittance pattern.
    lines = re.split(r"\r\n|\r|\n", text)
    if len(lines) < 7 or lines[0].strip() != "BCD" or lines[3].strip() != "SCT":
        raise ScanUnreadable("not an EPC QR payload")
    candidates = lines[10:11] + lines[9:10] + lines
    for line in candidates:
        m = _REMITTANCE.search(line)
        if m:
            return m.group(1), m.group(2)
    raise ScanUnreadable("EPC QR without a notice number and check value")


def parse_scanned(text: str) -> tuple[str, str]:
    """(notice_no, check_value) from a scanned EPC QR or Code 128 text; ScanUnreadable otherwise."""
    if not isinstance(text, str):
        raise ScanUnreadable("scan is not text")
    cleaned = _strip_noise(text)
    if cleaned.startswith("BCD"):
        return _parse_epc(cleaned)
    compact = re.sub(r"\s+", "", cleaned).upper()
    m = _CODE128.match(compact)
    if m:
        return m.group(1), m.group(2)
    raise ScanUnreadable("not an invoice code")
