"""One resident's visit: the settings they chose and the work started for them, wiped at the end.

Plain Python (no Kivy): the screens show and change it, the shell ends it. The visit object lives
as long as the app and is reset in place, so observers (the UI) stay attached across visits.
Money work does not belong here: posting, recovery and printing run in long-lived services, so an
idle reset can never cancel them (docs/architecture.md, "Money and receipt states"). Tasks started
here are the visit's own (a lookup, a speech utterance) and are cancelled with it.

The visit boundary (docs/architecture.md, "Screens"): Home. Reaching Home by Back or "Start over",
or choosing a language on Home, ends the visit but keeps the language, text size and contrast the
person in front of the screen chose; Done and the idle reset end it and restore the defaults for
the next person. Either way the cart, typed digits, form answers and the receipt on screen go. A
visit never ends while a payment is in flight (`end(money_in_flight=True)` refuses).
"""

from __future__ import annotations

import asyncio
import types
import weakref
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from common.i18n import DEFAULT_LANGUAGE, Translator

# What changed, for observers: "large_text", "high_contrast", "busy", "wiped".
Observer = Callable[[str], None]


class Visit:
    """Language, larger text, high contrast, busy markers and the per-visit task set."""

    def __init__(
        self,
        translator: Translator,
        *,
        default_language: str = DEFAULT_LANGUAGE,
        default_high_contrast: bool = False,
    ) -> None:
        self.translator = translator
        self.default_language = default_language
        self.default_high_contrast = default_high_contrast
        self.large_text = False
        self.high_contrast = default_high_contrast
        # Per-visit scratch data a flow or screen keeps until the visit ends (e.g. the cart).
        self.data: dict[str, Any] = {}
        self._busy: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._observers: list[weakref.ref[Any]] = []
        self.number = 1

    # -- settings ---------------------------------------------------------------------------
    @property
    def language(self) -> str:
        return self.translator.lang

    def set_language(self, lang: str) -> None:
        self.translator.switch(lang)

    def set_large_text(self, on: bool) -> None:
        if on != self.large_text:
            self.large_text = on
            self._notify("large_text")

    def set_high_contrast(self, on: bool) -> None:
        if on != self.high_contrast:
            self.high_contrast = on
            self._notify("high_contrast")

    # -- busy: no inactivity countdown while the terminal or printer works --------------------
    @property
    def busy(self) -> bool:
        return bool(self._busy)

    def set_busy(self, reason: str, on: bool = True) -> None:
        before = self.busy
        if on:
            self._busy.add(reason)
        else:
            self._busy.discard(reason)
        if self.busy != before:
            self._notify("busy")

    @contextmanager
    def busy_while(self, reason: str) -> Iterator[None]:
        """`with visit.busy_while("terminal"): ...` marks the visit busy for the block."""
        self.set_busy(reason, True)
        try:
            yield
        finally:
            self.set_busy(reason, False)

    # -- tasks ------------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Start a task that belongs to this visit; the loop holds tasks only weakly, we keep them."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def task_count(self) -> int:
        return len(self._tasks)

    # -- end of visit -----------------------------------------------------------------------
    @property
    def default_settings(self) -> bool:
        """True when language, text size and contrast are what the next person gets anyway."""
        return (self.language == self.default_language and not self.large_text
                and self.high_contrast == self.default_high_contrast)

    def end(self, *, keep_settings: bool = False, money_in_flight: bool = False) -> bool:
        """End the visit: cancel its tasks and forget its data (cart, typed digits, answers, the
        receipt shown). `keep_settings`: Home by Back / "Start over" / a language chosen there (the
        same person may go on); otherwise back to the defaults (Done, the idle reset). Refused, and
        nothing touched, while a payment is in flight: its task waits for the terminal's answer and
        shows it. Returns whether the visit ended."""
        if money_in_flight:
            return False
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()
        self.data.clear()
        self._busy.clear()
        if not keep_settings:
            self.large_text = False
            self.high_contrast = self.default_high_contrast
            if self.translator.lang != self.default_language:
                self.translator.switch(self.default_language)
        self.number += 1
        self._notify("wiped")
        return True

    def wipe(self) -> None:
        """End the visit and restore the default settings (the idle reset, Done)."""
        self.end()

    # -- observers (held weakly, like the Translator's) --------------------------------------
    def observe(self, fn: Observer) -> None:
        ref: weakref.ref[Any]
        ref = weakref.WeakMethod(fn) if isinstance(fn, types.MethodType) else weakref.ref(fn)
        self._observers.append(ref)

    @property
    def observer_count(self) -> int:
        return sum(1 for r in self._observers if r() is not None)

    def _notify(self, what: str) -> None:
        alive = []
        for ref in self._observers:
            fn = ref()
            if fn is not None:
                alive.append(ref)
                fn(what)
        self._observers = alive
