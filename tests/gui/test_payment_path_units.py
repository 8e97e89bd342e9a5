"""The payment path's plain-Python rules: scanner bursts, typed digits, repeated scans."""

from __future__ import annotations

import asyncio

from kiosk.payments.visit import PaymentVisit, find_scanned, find_typed, reference_in
from launcher.embedded import demo_view
from screens.scan import WedgeBuffer


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _burst(buf: WedgeBuffer, clock: Clock, text: str, gap: float) -> str | None:
    out = None
    for ch in text:
        clock.t += gap
        out = buf.key(ord(ch.lower()), ch.lower(), ch.isupper()) or out
    clock.t += gap
    return buf.key(13, None) or out


def test_scanner_burst_is_a_scan_and_slow_typing_is_not() -> None:
    clock = Clock()
    buf = WedgeBuffer(now=clock)
    assert _burst(buf, clock, "KAC2026000457-4821", 0.01) == "KAC2026000457-4821"
    assert _burst(buf, clock, "KAC2026000457-4821", 0.3) is None  # a person, or a stuck key
    assert _burst(buf, clock, "12", 0.01) is None  # too short to be an invoice or a slip
    # A pause splits bursts: only the fast tail counts (and it is too short here).
    clock.t += 5
    assert buf.key(13, None) is None


def test_typed_digits_are_bounded_and_kept_on_error() -> None:
    pv = PaymentVisit()
    for d in "20260004579":
        pv.type_digit("notice", d)
    assert pv.notice == "2026000457"
    for d in "48x21":
        pv.type_digit("check", d)
    assert pv.check == "4821"
    pv.erase("check")
    assert pv.check == "482"

    class Gateway:
        async def search_invoices(self, n, c):  # never called: malformed input is local
            raise AssertionError

    assert asyncio.run(find_typed(Gateway(), pv)).code == "check-malformed"
    assert (pv.notice, pv.check) == ("2026000457", "482")


def test_repeated_scan_adds_nothing_and_paid_is_explained() -> None:
    view = demo_view("2026000457")
    paid = demo_view("2026000462")

    class Gateway:
        async def search_scanned(self, text):
            from common.schema import InvoiceSearchResponse
            return InvoiceSearchResponse(invoices=[paid if "462" in text else view])

    pv = PaymentVisit()
    assert asyncio.run(find_scanned(Gateway(), pv, "KAC2026000457-4821")).code == "added"
    assert asyncio.run(find_scanned(Gateway(), pv, "KAC2026000457-4821")).code == "already-in-cart"
    assert asyncio.run(find_scanned(Gateway(), pv, "KAC2026000462-0000")).code == "invoice-already-paid"
    assert len(pv.cart) == 1


def test_reference_slip_scan_is_recognised() -> None:
    assert reference_in("KACREF:U0100005") == "U0100005"
    assert reference_in("kacref:u0100005") == "U0100005"
    assert reference_in("KACREF:nonsense") == ""
    assert reference_in("KAC2026000457-4821") is None


def test_shift_key_events_never_enter_the_code() -> None:
    """Under X11 a scanner's capital letter arrives as Shift (keycode 304, codepoint "İ") and then
    the letter with the shift modifier: the Shift event itself must add nothing."""
    clock = Clock()
    buf = WedgeBuffer(now=clock)
    out = None
    for ch in "KAC2026000457-4821":
        if ch.isupper():
            clock.t += 0.005
            buf.key(304, "\u0130", True)
        clock.t += 0.005
        out = buf.key(ord(ch.lower()), ch.lower(), ch.isupper()) or out
    clock.t += 0.005
    assert (buf.key(13, None) or out) == "KAC2026000457-4821"
