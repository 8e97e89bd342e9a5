"""Ask the librarian and Read aloud by real taps: the screen says a sound
called the librarian only when the chime played, names the library rather than its location code,
and "Read aloud" shows that it is reading (and stops it) while a text is being said."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from common.i18n import gettext

CALLED = "A sound has called the librarian. Please wait here or go to the desk."
GO_THERE = "The librarian will help you at the library desk. Please go there."


class FakeChime:
    def __init__(self) -> None:
        self.played = 0

    def stop(self) -> None:
        pass

    def play(self) -> None:
        self.played += 1


class HeldSpeech:
    """A voice that keeps talking until the test lets it finish (espeak-ng's timing, in a test)."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.done: Callable[[], None] | None = None

    def speak(self, text: str, lang: str, done: Callable[[], None] | None = None) -> None:
        self.stop()
        self.said.append(text)
        self.done = done

    def stop(self) -> None:
        done, self.done = self.done, None
        if done is not None:
            done()

    async def aclose(self) -> None:
        self.stop()


@pytest.mark.parametrize("chime", [None, "fake"])
def test_librarian_screen_says_a_sound_called_only_when_it_played(gui, monkeypatch, chime) -> None:
    sound = FakeChime() if chime else None
    monkeypatch.setattr(gui.shell, "_chime", sound)
    home = gui.screen("home")
    gui.tap(home.choices["librarian"])
    lib = gui.screen("librarian")
    assert gui.shell.manager.current == "librarian"
    text = lib.ids.help.text
    if sound is None:
        assert text == gettext(GO_THERE, "lv")
        assert "Skaņas signāls" not in lib.speech()
    else:
        assert sound.played == 1 and text == gettext(CALLED, "lv")
    # The library's name, never its location code.
    name = gui.services.config.kiosk.location_name
    assert name in lib.ids.where.text and "Zoseni" not in lib.ids.where.text
    gui.screenshot(f"librarian-{'chime' if sound else 'no-chime'}")


def test_read_aloud_shows_it_is_reading_and_stops(gui, monkeypatch) -> None:
    voice = HeldSpeech()
    monkeypatch.setattr(gui.services, "speech", voice)
    find = gui.go("find") if gui.shell.has_screen("find") else gui.go("librarian")
    button = find.ids.nav.ids.speak
    idle_label = button.label
    gui.tap(button)
    assert voice.said and voice.done is not None
    assert find.speaking and button.label == gettext("Stop reading", "lv") != idle_label
    gui.screenshot("read-aloud-speaking")
    gui.tap(button)  # the same button stops it
    assert voice.done is None and not find.speaking and button.label == idle_label
    # Said to the end: the sign goes away by itself.
    gui.tap(button)
    assert find.speaking
    voice.stop()
    gui.pump(2)
    assert not find.speaking and button.label == idle_label


def test_wizard_and_home_show_the_reading_too(gui, monkeypatch) -> None:
    voice = HeldSpeech()
    monkeypatch.setattr(gui.services, "speech", voice)
    home = gui.screen("home")
    gui.tap(home.ids.speak)
    assert home.ids.speak.label == gettext("Stop reading", "lv")
    voice.stop()
    gui.pump(2)
    assert home.ids.speak.label == gettext("Read aloud", "lv")
    form: Any = gui.go("form_step")  # the wizard's own bar
    gui.tap(form.ids.nav.ids.speak)
    assert form.speaking and form.ids.nav.ids.speak.label == gettext("Stop reading", "lv")
    gui.go("librarian")  # another screen: the reading stops with it
    assert voice.done is None and not form.speaking
