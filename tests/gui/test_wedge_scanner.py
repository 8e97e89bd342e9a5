"""The invoice's EPC QR scans, whatever a keyboard-wedge scanner types between
its lines (CR, LF, CRLF, Tab or nothing) and after the code.

The key streams are what Kivy's SDL2 window delivers for a scanner emulating a US keyboard: a
Shift press before every shifted character (keycode 304, codepoint "İ" under X11), the key's own
unshifted character with the "shift" modifier, Enter as keycode 13, Tab as 9, LF as Ctrl+J in
"Control + ASCII" mode; letters a US layout cannot type (ē, ā, š in the creditor's name) are left
out, as such scanners do. Keys go through the real window at the scanner's pace (real time), the
real shell routes the scan, the embedded gateway finds the invoice.
"""

from __future__ import annotations

import time

import pytest
from payment_path_helpers import ready_backend, run, until

from common.invoice_codes import code128_content, epc_payload
from gateway.demo_data import CREDITORS, demo_invoice
from kiosk.payments.visit import payment_visit
from kiosk.wedge import WedgeDecoder

SHIFT = (304, "\u0130", ["shift"])
CTRL = (305, "\u0131", ["ctrl"])
ENTER = (13, "\r", [])
TAB = (9, "\t", [])
CTRL_J = (106, "j", ["ctrl"])
# The line break a scanner is set to type, as key events.
BREAKS: dict[str, list[tuple[int, str, list[str]]]] = {
    "cr": [ENTER],
    "lf": [CTRL, CTRL_J],
    "crlf": [ENTER, CTRL, CTRL_J],
    "crlf-as-two-enters": [ENTER, ENTER],
    "tab": [TAB],
    "none": [],
}
_SHIFTED = dict(zip("!@#$%^&*()_+{}|:\"<>?~", "1234567890-=[]\\;',./`", strict=True))


def wedge_keys(text: str, line_break: str, suffix: str = "cr") -> list[tuple[int, str, list[str]]]:
    """Kivy key-down events of a US-keyboard wedge scanner typing `text` (lines split on \\n)."""
    events: list[tuple[int, str, list[str]]] = []
    for i, line in enumerate(text.split("\n")):
        if i:
            events += BREAKS[line_break]
        for ch in line:
            if not ch.isascii():
                continue  # a US layout has no key for it: the scanner types nothing
            if ch.isalpha() and ch.isupper():
                events += [SHIFT, (ord(ch.lower()), ch.lower(), ["shift"])]
            elif ch in _SHIFTED:
                events += [SHIFT, (ord(_SHIFTED[ch]), _SHIFTED[ch], ["shift"])]
            else:
                events.append((ord(ch), ch, []))
    return events + BREAKS[suffix]


def type_keys(gui, events, gap_s: float, hiccup_every: int = 0, hiccup_s: float = 0.0) -> None:
    """Send the events through the window at the scanner's pace."""
    w = gui.window
    for n, (key, cp, mods) in enumerate(events):
        w.dispatch("on_key_down", key, 0, cp, mods)
        w.dispatch("on_key_up", key, 0)
        pause = hiccup_s if hiccup_every and n and n % hiccup_every == 0 else gap_s
        end = time.perf_counter() + pause
        while time.perf_counter() < end:
            pass  # busy-wait: sleep() overshoots by milliseconds, a scanner does not


def epc_of(notice: str) -> str:
    inv = demo_invoice(notice)
    _cid, name, _reg, iban, bic = next(c for c in CREDITORS if c[0] == inv.creditor_id)
    return epc_payload(creditor_name=name, iban=iban, bic=bic, notice_no=inv.notice_number,
                       check_value=inv.check_value, amount_cents=inv.balance_cents)


async def _scan_on_find(gui, events, gap_s: float, **kw) -> None:
    await ready_backend(gui)
    gui.go("find")
    type_keys(gui, events, gap_s, **kw)
    invoices = gui.screen("invoices")
    await until(gui, lambda: gui.shell.manager.current == "invoices" and invoices.count == 1
                and not invoices.searching, what="the scanned invoice in the list")


@pytest.mark.parametrize("line_break", list(BREAKS))
def test_wedge_epc_qr_scans_with_every_line_break_style(gui, line_break: str) -> None:
    notice = "2026000717"  # water, SIA Vinda: the EPC carries the creditor's IBAN and BIC
    events = wedge_keys(epc_of(notice), line_break, suffix=line_break if line_break != "tab" else "cr")
    run(_scan_on_find(gui, events, gap_s=0.002))
    cart = payment_visit(gui.services.visit).cart
    assert [ln.invoice.notice_number for ln in cart.lines] == [notice]
    assert gui.screen("invoices").notice_code == "added"
    assert gui.screen("find").notice_code == ""  # never "Šo kodu nevarēja nolasīt…"
    gui.screenshot(f"wedge-epc-{line_break}")


@pytest.mark.parametrize("suffix", ["cr", "crlf", "tab", "none"])
def test_wedge_code128_with_any_suffix_on_home(gui, suffix: str) -> None:
    inv = demo_invoice("2026000626")  # rent (over 200 €: no other test pays it)
    events = wedge_keys(code128_content(inv.notice_number, inv.check_value), "none", suffix)

    async def scenario() -> None:
        await ready_backend(gui)
        assert gui.shell.manager.current == "home"
        type_keys(gui, events, gap_s=0.003)
        invoices = gui.screen("invoices")
        await until(gui, lambda: gui.shell.manager.current == "invoices" and invoices.count == 1,
                    what="the Code 128 scan from Home")

    run(scenario())


def test_wedge_slow_bluetooth_scanner_with_pauses(gui) -> None:
    """A Bluetooth scanner: 25 ms a key and a 90 ms pause every 40 keys, CRLF between lines."""
    events = wedge_keys(epc_of("2026000731"), "crlf")
    run(_scan_on_find(gui, events, gap_s=0.025, hiccup_every=40, hiccup_s=0.09))
    assert payment_visit(gui.services.visit).cart.lines[0].invoice.notice_number == "2026000731"


def test_wedge_slip_reference_with_shifted_colon(gui) -> None:
    """The "outcome unknown" slip's code has a colon: a US wedge types it as Shift + ';'."""
    seen: list[str] = []
    scanner = gui.shell.scanner
    before = scanner.on_scan
    scanner.on_scan = seen.append
    try:
        type_keys(gui, wedge_keys("KACREF:U0100007", "none", "cr"), gap_s=0.002)
        gui.pump(2)
    finally:
        scanner.on_scan = before
    assert seen == ["KACREF:U0100007"]


def test_wedge_person_typing_is_not_a_scan(gui) -> None:
    seen: list[str] = []
    scanner = gui.shell.scanner
    before = scanner.on_scan
    scanner.on_scan = seen.append
    try:
        type_keys(gui, wedge_keys("KAC2026000460-1234", "none", "cr")[:6], gap_s=0.16)
        type_keys(gui, wedge_keys("2026000460", "none", "none"), gap_s=0.09)
        time.sleep(0.2)
        gui.pump(3)
    finally:
        scanner.on_scan = before
    assert seen == []


def test_wedge_decoder_normalises_every_style() -> None:
    """The plain decoder on the same streams (no window): one text the invoice parser reads."""
    from common.invoice_codes import parse_scanned

    epc = epc_of("2026000457")
    for style in BREAKS:
        t = [0.0]
        dec = WedgeDecoder(now=lambda t=t: t[0])
        out = None
        for key, cp, mods in wedge_keys(epc, style, "none"):
            t[0] += 0.004
            out = dec.key(key, cp, mods) or out
        t[0] += 1.0
        out = dec.finish() or out
        assert out is not None, style
        assert parse_scanned(out) == ("2026000457", "4821"), (style, out)
