"""A keyboard-wedge barcode scanner, decoded from key events (plain Python, no Kivy).

A wedge scanner "types" what it read as a fast burst of key presses. The invoice's EPC QR has up
to twelve lines, and scanners differ in what they type between lines (CR, LF, CRLF, Tab or
nothing) and after the code (a suffix, often CR). So a scan ends when the keys stop: no key for
`end_gap_s` after a burst (docs/architecture.md, "Screens"). A line break ends it at once only
when what came so far is a complete one-line code (the Code 128 or a slip's reference): those
need no waiting, an EPC QR never ends at its first line.

A burst counts as a scan only when it is long enough and its keys came at scanner speed (a person
on a keyboard is ten times slower), so a stray key or a stuck one never searches.

What comes out is text the invoice parser reads (common.invoice_codes): every line break style
becomes "\\n"; a CRLF typed as two Enters is one break; an EPC QR typed without any breaks is
reduced to its remittance (notice number and check value) in the Code 128's form, because the
lines of such a burst cannot be told apart and the remittance is all the search needs.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from common.invoice_codes import CHECK_LEN, CODE128_PREFIX, NOTICE_LEN

# Silence that ends a burst. Bluetooth scanners pause up to ~0.1 s mid-code, and the gap seen here
# also holds the kiosk's own slow frames (key events wait in SDL's queue until the next frame):
# 0.3 s covers both and is still far below a person's pause between two codes.
END_GAP_S = 0.3
MAX_MEDIAN_GAP_S = 0.05  # scanners type 20..1000 keys per second; people far slower
MIN_LENGTH = 8

RETURN, KP_ENTER, TAB = 13, 271, 9
# Kivy keycodes of modifier keys (num/caps/scroll lock, shift, ctrl, alt, meta, super, AltGr): SDL
# reports them with a codepoint of chr(keycode) (Shift = 304 = "İ" under X11); never text.
MODIFIER_KEYS = range(300, 315)
# The numeric keypad (scanners in "emulate keypad" mode type digits there).
KEYPAD = {256 + i: str(i) for i in range(10)} | {266: ".", 267: "/", 268: "*", 269: "-", 270: "+"}
# Control characters a scanner sends as Ctrl+letter ("Control + ASCII" mode): LF = Ctrl+J.
CTRL_BREAKS = {ord("j"): "\n", ord("m"): "\r", ord("i"): "\t"}
# US layout, which wedge scanners emulate: the key's own character -> the shifted one.
SHIFTED = dict(zip("1234567890-=[]\\;',./`", "!@#$%^&*()_+{}|:\"<>?~", strict=True))

_BREAKS = re.compile(r"\r\n|\r|\n|\t")
_RUNS = re.compile(r"\n+")
_ONE_LINE = re.compile(rf"^(?:{CODE128_PREFIX}\d{{{NOTICE_LEN}}}-?\d{{{CHECK_LEN}}}|KACREF:[0-9A-Z]{{8}})$",
                       re.I)
_REMITTANCE = re.compile(rf"(?<!\d)(\d{{{NOTICE_LEN}}})\D{{0,8}}?KV\s?(\d{{{CHECK_LEN}}})", re.I)


@dataclass
class _Burst:
    chars: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def clear(self) -> None:
        self.chars.clear()
        self.times.clear()


class WedgeDecoder:
    """Feed it every key-down (`key`), and call `finish` when `due()` has passed; both return the
    scanned text when a burst is complete and looks like a scanner's, else None."""

    def __init__(self, *, now: Callable[[], float], end_gap_s: float = END_GAP_S,
                 max_median_gap_s: float = MAX_MEDIAN_GAP_S, min_length: int = MIN_LENGTH) -> None:
        self.now = now
        self.end_gap_s = end_gap_s
        self.max_median_gap_s = max_median_gap_s
        self.min_length = min_length
        self._burst = _Burst()

    # -- input ----------------------------------------------------------------------------------
    def key(self, keycode: int, codepoint: str | None, modifiers: Iterable[str] = ()) -> str | None:
        t = self.now()
        done = None
        if self._burst.times and t - self._burst.times[-1] >= self.end_gap_s:
            done = self._take()  # the previous burst ended before this key
        mods = set(modifiers or ())
        self._burst.times.append(t)  # modifier presses are keys of the burst too (timing)
        char = translate(keycode, codepoint, mods)
        if char is None:
            return done
        if char in "\r\n\t" and _ONE_LINE.match("".join(self._burst.chars).strip()):
            return self._take() or done  # a complete one-line code: no need to wait
        self._burst.chars.append(char)
        return done

    def due(self) -> float | None:
        """When the current burst ends if no other key comes (None: nothing pending)."""
        return self._burst.times[-1] + self.end_gap_s if self._burst.times else None

    def finish(self) -> str | None:
        """The burst, if the keys stopped long enough ago; else None (and the burst stays)."""
        due = self.due()
        if due is None or self.now() < due:
            return None
        return self._take()

    # -- output ---------------------------------------------------------------------------------
    def _take(self) -> str | None:
        chars, times = list(self._burst.chars), list(self._burst.times)
        self._burst.clear()
        text = normalise("".join(chars))
        if len(text.replace("\n", "")) < self.min_length or len(times) < 2:
            return None
        gaps = [b - a for a, b in itertools.pairwise(times)]
        if statistics.median(gaps) > self.max_median_gap_s:
            return None  # typed by a person (or a stuck key), not scanned
        return text


def translate(keycode: int, codepoint: str | None, modifiers: set[str]) -> str | None:
    """The character one key-down contributes ("\\r", "\\n" and "\\t" for breaks), else None."""
    if keycode in MODIFIER_KEYS:
        return None
    if keycode in (RETURN, KP_ENTER):
        return "\r"
    if keycode == TAB:
        return "\t"
    if "ctrl" in modifiers:
        return CTRL_BREAKS.get(keycode)
    if modifiers & {"alt", "meta", "alt-gr"}:
        return None  # Alt+keypad codes and the like: not text this decoder can trust
    if keycode in KEYPAD:
        return KEYPAD[keycode]
    if not codepoint or len(codepoint) != 1 or not codepoint.isprintable():
        return None
    shift = "shift" in modifiers
    if codepoint.isalpha():
        return codepoint.upper() if shift != ("capslock" in modifiers) else codepoint
    return SHIFTED.get(codepoint, codepoint) if shift else codepoint


def normalise(raw: str) -> str:
    """One scan's characters -> text with "\\n" line breaks, trimmed (see the module's doc)."""
    text = _BREAKS.sub("\n", raw).strip("\n ")
    runs = _RUNS.findall(text)
    if runs and all(len(run) % 2 == 0 for run in runs):
        text = _RUNS.sub(lambda m: "\n" * (len(m.group()) // 2), text)  # CRLF typed as Enter, Enter
    if text.startswith("BCD") and "\n" not in text:
        m = _REMITTANCE.search(text)
        if m:
            return f"{CODE128_PREFIX}{m.group(1)}-{m.group(2)}"
    return text
