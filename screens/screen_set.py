"""The shell's screens, each built the first time it is needed.

Building every screen before the first frame made Home take several times as long as a bare Kivy
app to appear (docs/architecture.md, "Screens": start-up). Home is built at once; the others are
built on first use (`screens[name]`) or, one per idle frame, after Home is on screen. Iterating
the set (`values()`, `items()`) builds them all, as the gallery and checks that walk every screen
expect; the visit boundary resets only the ones built (`built()`), the others are fresh anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from screens.base import KioskScreen


class ScreenSet(Mapping[str, KioskScreen]):
    def __init__(self, classes: Mapping[str, type[KioskScreen]],
                 make: Callable[[type[KioskScreen]], KioskScreen],
                 add: Callable[[KioskScreen], Any]) -> None:
        self._classes = dict(classes)
        self._make = make
        self._add = add
        self._built: dict[str, KioskScreen] = {}

    def __getitem__(self, name: str) -> KioskScreen:
        screen = self._built.get(name)
        if screen is None:
            screen = self._make(self._classes[name])  # KeyError: no such screen
            self._built[name] = screen
            self._add(screen)
        return screen

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(self._classes)

    def __len__(self) -> int:
        return len(self._classes)

    def built(self) -> list[KioskScreen]:
        return list(self._built.values())

    def build_next(self) -> bool:
        """Build one screen not built yet; whether any are left after it."""
        pending = [name for name in self._classes if name not in self._built]
        if pending:
            self[pending[0]]
        return len(pending) > 1
