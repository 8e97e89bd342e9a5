"""Printer status from DLE EOT real-time replies (docs/architecture.md, "Receipts"), parsed strictly: an empty or
malformed reply means "not ready", never "OK" (python-escpos 3.1's paper_status() says OK then)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from common.i18n import N_, gettext

DLE_EOT = b"\x10\x04"


class PrinterState(StrEnum):
    OK = "ok"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"


_MESSAGES = {
    PrinterState.OK: N_("Printer ready"),
    PrinterState.PAPER_NEAR_END: N_("Printer paper is running out"),
    PrinterState.PAPER_OUT: N_("Printer is out of paper"),
    PrinterState.COVER_OPEN: N_("Printer cover is open"),
    PrinterState.OFFLINE: N_("Printer does not answer"),
}


@dataclass(frozen=True)
class PrinterStatus:
    state: PrinterState
    detail: str = ""
    raw: bytes = b""  # the DLE EOT 1, 2, 4 reply bytes as received

    @property
    def ready(self) -> bool:
        """May a job (and so a payment that needs a receipt) go ahead?"""
        return self.state in (PrinterState.OK, PrinterState.PAPER_NEAR_END)

    def message(self, lang: str = "lv") -> str:
        return gettext(_MESSAGES[self.state], lang)


@dataclass(frozen=True)
class PrinterHealth:
    """What the payment flow asks before money moves: may a receipt be printed now?"""

    ok: bool
    reason: str = ""  # a PrinterState value (paper_out, cover_open, offline, ...) when not ok


def valid_reply(reply: bytes) -> bool:
    """Epson-compatible status bytes match 0xx1xx10."""
    return len(reply) == 1 and reply[0] & 0x93 == 0x12


def parse_status(r1: bytes, r2: bytes, r4: bytes) -> PrinterStatus:
    """Combine DLE EOT 1 (printer), 2 (offline cause) and 4 (paper sensor)."""
    raw = r1 + r2 + r4
    bad = [n for n, r in ((1, r1), (2, r2), (4, r4)) if not valid_reply(r)]
    if bad:
        what = "no answer" if not raw else f"malformed reply to DLE EOT {bad[0]}: {raw.hex()}"
        return PrinterStatus(PrinterState.OFFLINE, what, raw)
    b1, b2, b4 = r1[0], r2[0], r4[0]
    if b2 & 0x04:
        return PrinterStatus(PrinterState.COVER_OPEN, "", raw)
    if b2 & 0x20 or b4 & 0x60:
        return PrinterStatus(PrinterState.PAPER_OUT, "", raw)
    if b1 & 0x08 or b2 & 0x40:
        return PrinterStatus(PrinterState.OFFLINE, "printer reports offline or error", raw)
    if b4 & 0x0C:
        return PrinterStatus(PrinterState.PAPER_NEAR_END, "", raw)
    return PrinterStatus(PrinterState.OK, "", raw)
