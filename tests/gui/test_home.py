"""Home screen: choices, languages, larger text, high contrast, screenshots of every combination."""

from __future__ import annotations

import itertools

import pytest
from PIL import Image

from common.i18n import gettext

LANGS = ("lv", "en", "ru")
PX_PER_MM = 1280 / 270.0  # the harness's configured panel


def _visible_texts(screen) -> list[str]:
    from kivy.uix.label import Label

    return [w.text for w in screen.walk() if isinstance(w, Label) and w.text and w.opacity > 0]


def test_home_shows_only_choices_whose_screens_exist(gui):
    home = gui.screen("home")
    registered = set(gui.shell.screens)
    shown = {btn.target for btn in home.choices.values()}
    assert "librarian" in shown
    assert shown <= registered
    # Pay and Apply appear exactly when their first screens are registered.
    assert ("find" in shown) == ("find" in registered)
    assert ("application" in shown) == ("application" in registered)


@pytest.mark.parametrize("lang,large,contrast", list(itertools.product(LANGS, (False, True), (False, True))))
def test_home_renders_every_combination(gui, lang, large, contrast):
    home = gui.screen("home")
    gui.tap(home.language_buttons[lang])
    if large:
        gui.tap(home.ids.large_text)
    if contrast:
        gui.tap(home.ids.high_contrast)
    gui.pump(3)
    assert gui.services.visit.language == lang
    assert gui.services.visit.large_text is large
    assert gui.services.visit.high_contrast is contrast
    assert home.ids.title.text == gettext("Welcome! What would you like to do?", lang)
    name = f"home-{lang}" + ("-large" if large else "") + ("-contrast" if contrast else "")
    path = gui.screenshot(name)
    img = Image.open(path)
    assert img.size == (1280, 800)
    bg = img.convert("RGB").getpixel((640, 790 if not large else 795))
    # The palette really changed: high contrast is black, normal is light paper.
    assert (sum(bg) < 60) if contrast else (sum(bg) > 600)
    # Nothing overflows the window: the bottom row is on screen and above the window's bottom edge.
    bottom = home.ids.large_text
    assert bottom.y >= 0 and bottom.top <= 800


def test_language_switch_by_tap_updates_every_visible_text(gui):
    home = gui.screen("home")
    before = _visible_texts(home)
    gui.tap(home.language_buttons["ru"])
    after = _visible_texts(home)
    assert home.ids.title.text == "Добро пожаловать! Что вы хотите сделать?"
    # Every text changed except the language endonyms, which are the same in every language.
    endonyms = {"Latviešu", "English", "Русский"}
    unchanged = [t for t in after if t in before and not any(e in t for e in endonyms)]
    assert unchanged == []
    assert home.language_buttons["ru"].active and not home.language_buttons["lv"].active
    # Other screens (built once, not visible) follow too.
    librarian = gui.screen("librarian")
    assert librarian.ids.title.text == gettext("Ask the librarian", "ru")
    gui.tap(home.language_buttons["en"])
    assert home.choices["librarian"].label == "Ask the librarian"


def test_large_text_scales_fonts_live_and_resets(gui):
    home = gui.screen("home")
    title, choice = home.ids.title, home.choices["librarian"]
    normal = (title.font_size, choice.font_size)
    gui.tap(home.ids.large_text)
    scale = gui.services.config.accessibility.large_text_scale
    assert title.font_size == pytest.approx(normal[0] * scale)
    assert choice.font_size == pytest.approx(normal[1] * scale)
    assert home.ids.large_text.active
    gui.tap(home.ids.large_text)
    assert (title.font_size, choice.font_size) == pytest.approx(normal)


def test_targets_are_at_least_15_mm_on_the_configured_panel(gui):
    from screens.widgets import KButton

    home = gui.screen("home")
    buttons = [w for w in home.walk() if isinstance(w, KButton)]
    assert len(buttons) >= 6
    for btn in buttons:
        assert btn.height / PX_PER_MM >= 15, (btn.label, btn.height / PX_PER_MM)
        assert btn.width / PX_PER_MM >= 15, (btn.label, btn.width / PX_PER_MM)


def test_ask_the_librarian_shows_location_and_chimes(gui, monkeypatch):
    chimes = []
    monkeypatch.setattr(gui.shell, "chime", lambda: chimes.append(1) or True)
    home = gui.screen("home")
    gui.tap(home.choices["librarian"])
    assert gui.shell.manager.current == "librarian"
    lib = gui.screen("librarian")
    # The library's name residents know, not the location code.
    assert gui.services.config.kiosk.location_name in lib.ids.where.text
    assert "Zoseni" not in lib.ids.where.text
    assert chimes == [1]
    gui.screenshot("librarian-lv")
    gui.tap(lib.ids.nav.ids.back)
    assert gui.shell.manager.current == "home"


def test_read_aloud_speaks_the_screen_text_in_the_visit_language(gui):
    home = gui.screen("home")
    gui.tap(home.language_buttons["en"])
    gui.tap(home.ids.speak)
    lang, text = gui.services.speech.spoken[-1]
    assert lang == "en" and text.startswith("Welcome. To pay an invoice")


def test_demo_banner_is_shown_in_the_demo(gui):
    banner = gui.shell.root.ids.demo_banner
    assert gui.services.config.demo
    assert banner.text == gettext("DEMO: no real payments are made", "lv")
    assert banner.height > 0
