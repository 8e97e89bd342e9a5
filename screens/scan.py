"""The barcode scanner on the window: key events go to the plain-Python `kiosk.wedge.WedgeDecoder`.

A kiosk has no physical keyboard, so key events only come from the scanner. A scan ends when its
keys stop (the decoder's end gap, timed on Kivy's clock so tests can drive it), or at once at a
line break after a complete one-line code (docs/architecture.md, "Screens"). The shell routes a
finished scan to the current screen's `on_scan(text)` (Home, Find and Invoices have one); other
screens ignore scans.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kivy.clock import Clock

from kiosk.wedge import MIN_LENGTH, WedgeDecoder


def _kivy_now() -> float:
    # Looked up at each call: a test's fake Kivy clock (pushed later) is the one that counts.
    return float(Clock.time())


class WedgeBuffer:
    """The decoder with the old one-call interface (`key(keycode, codepoint, shift)`), for tests
    that feed single keys with their own clock."""

    def __init__(self, *, now: Callable[[], float], min_length: int = MIN_LENGTH) -> None:
        self.decoder = WedgeDecoder(now=now, min_length=min_length)

    def key(self, keycode: int, codepoint: str | None, shift: bool = False) -> str | None:
        return self.decoder.key(keycode, codepoint, ("shift",) if shift else ())


class WedgeScanner:
    """Window-level listener (observes keys, never consumes them) feeding a WedgeDecoder."""

    def __init__(self, on_scan: Callable[[str], None], *, now: Callable[[], float] = _kivy_now) -> None:
        self.on_scan = on_scan
        self.decoder = WedgeDecoder(now=now)
        self._window: Any = None
        self._event: Any = None

    def start(self) -> None:
        from kivy.core.window import Window

        if self._window is None:
            self._window = Window
            Window.bind(on_key_down=self._on_key_down)

    def stop(self) -> None:
        if self._window is not None:
            self._window.unbind(on_key_down=self._on_key_down)
            self._window = None
        self._cancel()

    def _on_key_down(self, _window: Any, keycode: int, _scancode: int, codepoint: str | None,
                     modifiers: Iterable[str] | None, *_rest: Any) -> bool:
        self._deliver(self.decoder.key(keycode, codepoint, modifiers or ()))
        self._arm()
        return False

    def _arm(self) -> None:
        self._cancel()
        due = self.decoder.due()
        if due is not None:
            self._event = Clock.schedule_once(self._finish, max(0.0, due - self.decoder.now()))

    def _finish(self, _dt: float) -> None:
        self._event = None
        text = self.decoder.finish()
        if text is None and self.decoder.due() is not None:
            self._arm()  # woken a little early: wait for the rest of the gap
            return
        self._deliver(text)

    def _deliver(self, text: str | None) -> None:
        if text:
            self.on_scan(text)

    def _cancel(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
