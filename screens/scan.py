"""The barcode scanner: a keyboard wedge that types a code in a fast burst ending with Enter.

A kiosk has no physical keyboard, so key events only come from the scanner. Still, a burst is
accepted as a scan only when it is long enough and its keys came fast (a scanner types a character
every few milliseconds; a person pressing keys is ten times slower), so a stray key press or a
stuck key never searches. The shell routes a finished scan to the current screen's `on_scan(text)`
(Home, Find and Invoices have one); other screens ignore scans.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

ENTER_KEYS = (13, 271)  # Return, keypad Enter
# Modifier keys (num/caps/scroll lock, shift, ctrl, alt, meta, super, AltGr): Kivy's SDL2 window
# reports them with a codepoint of chr(keycode) (Shift = 304 = "İ", seen under X11), which must
# never become part of a code.
MODIFIER_KEYS = range(300, 315)
MIN_LENGTH = 8
MAX_GAP_S = 0.1  # the slowest scanners we know type at ~30 characters per second


class WedgeBuffer:
    """Collects characters of one burst; `key()` returns the scanned text when Enter ends a
    burst that looks like a scanner's, else None. Plain Python: testable without a window."""

    def __init__(self, *, now: Callable[[], float] = time.monotonic, min_length: int = MIN_LENGTH,
                 max_gap_s: float = MAX_GAP_S) -> None:
        self.now = now
        self.min_length = min_length
        self.max_gap_s = max_gap_s
        self.chars: list[str] = []
        self._last = 0.0

    def key(self, keycode: int, codepoint: str | None, shift: bool = False) -> str | None:
        if keycode in MODIFIER_KEYS:
            return None
        t = self.now()
        if self.chars and t - self._last > self.max_gap_s:
            self.chars.clear()  # too slow: not one burst
        self._last = t
        if keycode in ENTER_KEYS:
            text = "".join(self.chars)
            self.chars.clear()
            return text if len(text) >= self.min_length else None
        if codepoint and len(codepoint) == 1 and codepoint.isprintable():
            self.chars.append(codepoint.upper() if shift else codepoint)
        return None


class WedgeScanner:
    """Window-level listener (observes keys, never consumes them) feeding a WedgeBuffer."""

    def __init__(self, on_scan: Callable[[str], None]) -> None:
        self.on_scan = on_scan
        self.buffer = WedgeBuffer()
        self._window: Any = None

    def start(self) -> None:
        from kivy.core.window import Window

        if self._window is None:
            self._window = Window
            Window.bind(on_key_down=self._on_key_down)

    def stop(self) -> None:
        if self._window is not None:
            self._window.unbind(on_key_down=self._on_key_down)
            self._window = None

    def _on_key_down(self, _window: Any, keycode: int, _scancode: int, codepoint: str | None,
                     modifiers: list[str], *_rest: Any) -> bool:
        text = self.buffer.key(keycode, codepoint, "shift" in (modifiers or ()))
        if text:
            self.on_scan(text)
        return False
