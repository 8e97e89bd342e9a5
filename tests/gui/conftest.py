"""Headless Kivy harness (docs/architecture.md, "Screens"): ONE window per test process, the real
shell built once.

The environment is set here before anything imports Kivy. Tests get the `gui` fixture:

    gui.shell              the real Shell (screens built once; NoTransition)
    gui.fresh()            end the visit: Home, default language/text/contrast (each test starts so)
    gui.pump(n=2)          run n frames of the Kivy loop
    gui.tap(widget)        a real touch down/up at the widget's centre (UnitTestTouch)
    gui.type_text(w, s)    focus a TextInput and type s through Window's on_textinput
    gui.press_key(k)       a key press through the Window (e.g. 27 = Escape, 282 = F1)
    gui.screenshot(name)   tests/_artifacts/gui/<name>.png, returns the Path
    gui.screen(name)       a registered screen; gui.go(name) shows it

and `fake_clock` (a fresh Kivy ClockBase pushed as the current Clock, `fake_clock.advance(s)`),
under which the inactivity timeouts run in no real time. Widgets built before the fake clock
keep their own (real-clock) triggers, so under it assert properties, not texture sizes.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import parse
from kiosk.speech import SilentSpeech
from launcher.run import build_services
from screens.kivy_env import apply_kivy_environment

# 1280x800 over 270 mm: 4.74 px/mm; the harness checks 15 mm targets against this panel.
_DATA = Path(tempfile.mkdtemp(prefix="kac-gui-"))
TEST_CONFIG = parse({"display": {"width_px": 1280, "height_px": 800, "panel_width_mm": 270.0},
                     "kiosk": {"data_dir": str(_DATA)},
                     "terminal": {"simulated_delay_s": 0.05, "status_retry_s": 0.02,
                                  "recovery_deadline_s": 0.3, "payment_timeout_s": 2.0}},
                    demo=True)
apply_kivy_environment(TEST_CONFIG, headless=True)
os.environ["SDL_VIDEODRIVER"] = "offscreen"
os.environ["SDL_AUDIODRIVER"] = "dummy"

from kivy_time import FakeKivyClock

from screens.app import configure_kivy

configure_kivy(TEST_CONFIG, windowed=True)

ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts" / "gui"


class GuiHarness:
    def __init__(self) -> None:
        from kivy.base import EventLoop
        from kivy.uix.screenmanager import NoTransition

        from screens.shell import Shell

        EventLoop.ensure_window()
        self.window = EventLoop.window
        self.eventloop = EventLoop
        self.services = build_services(TEST_CONFIG, speech=SilentSpeech())
        self.shell = Shell(self.services, transition=NoTransition())
        self.mount(self.shell.root)
        self.shell.start()

    # -- window ---------------------------------------------------------------------------
    def mount(self, root: Any, size: tuple[int, int] = (1280, 800)) -> None:
        for child in list(self.window.children):
            self.window.remove_widget(child)
        self.window.size = size
        self.window.add_widget(root)
        self.pump(3)

    def pump(self, frames: int = 2) -> None:
        for _ in range(frames):
            self.eventloop.idle()

    # -- input ----------------------------------------------------------------------------
    def tap(self, widget: Any, frames: int = 2) -> None:
        from kivy.tests.common import UnitTestTouch

        if widget.get_root_window() is None:
            raise AssertionError(f"{widget!r} is not on the window: cannot tap it")
        touch = UnitTestTouch(*widget.to_window(*widget.center))
        touch.touch_down()
        self.pump(frames)
        touch.touch_up()
        self.pump(frames)

    def press_key(self, key: int, codepoint: str | None = None) -> Any:
        """Press and release a key as SDL would; returns what on_keyboard's handlers returned."""
        w = self.window
        w.dispatch("on_key_down", key, 0, codepoint, [])
        handled = w.dispatch("on_keyboard", key, 0, codepoint, [])
        w.dispatch("on_key_up", key, 0)
        self.pump()
        return handled

    def type_text(self, widget: Any, text: str) -> None:
        widget.focus = True
        self.pump(1)
        for ch in text:
            self.window.dispatch("on_textinput", ch)
        self.pump()

    # -- screens --------------------------------------------------------------------------
    def screen(self, name: str) -> Any:
        return self.shell.screens[name]

    def go(self, name: str) -> Any:
        self.shell.go(name)
        self.pump()
        return self.screen(name)

    def fresh(self) -> None:
        self.shell.end_visit()
        self.pump(3)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.pump(2)
        shot = self.window.screenshot(name=str(ARTIFACTS / f"{name}-.png"))
        target = ARTIFACTS / f"{name}.png"
        os.replace(shot, target)
        return target


_HARNESS: GuiHarness | None = None


@pytest.fixture
def gui() -> Iterator[GuiHarness]:
    global _HARNESS
    if _HARNESS is None:
        _HARNESS = GuiHarness()
    h = _HARNESS
    if h.shell.root.parent is None:
        h.mount(h.shell.root)
    h.fresh()
    yield h
    h.eventloop.touches.clear()


@pytest.fixture
def fake_clock(gui: GuiHarness) -> Iterator[FakeKivyClock]:
    with FakeKivyClock() as fc:
        yield fc
    gui.fresh()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.gui)


if "kivy.core.window" in sys.modules:  # pragma: no cover - a guard for the harness itself
    raise RuntimeError("the Kivy window was created before the GUI harness configured it")
