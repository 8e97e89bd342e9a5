"""Bundled fonts cover every catalog string; the palettes meet WCAG contrast."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from PIL import ImageFont

from common.i18n import LANGUAGES, load_catalog
from common.paths import fonts_dir, locale_dir
from screens.theme import CONTRAST_PAIRS, HIGH_CONTRAST, NORMAL, contrast_ratio

KV_SYMBOLS = "\u2190\u266B\u2611\u2610"  # drawn with KioskSymbols (DejaVuSans)


def _missing(font_path: Path, chars: set[str]) -> set[str]:
    font = ImageFont.truetype(str(font_path), 48)
    # A private-use code point no text font maps renders as .notdef: compare against it.
    notdef = font.getmask("\uE000")
    notdef_key = (notdef.size, bytes(notdef))
    out = set()
    for ch in chars:
        mask = font.getmask(ch)
        if (mask.size, bytes(mask)) == notdef_key:
            out.add(ch)
    return out


def _catalog_chars() -> set[str]:
    chars: set[str] = set()
    for lang in LANGUAGES:
        for msgid, text in load_catalog(lang, locale_dir()).items():
            chars.update(text + msgid)
    return {c for c in chars if not c.isspace() and unicodedata.category(c)[0] != "C"}


def test_notdef_check_detects_a_missing_glyph():
    # Roboto has no arrows: the check must see that, or it proves nothing.
    assert _missing(fonts_dir() / "Roboto-Regular.ttf", {"\u2190", "a"}) == {"\u2190"}


@pytest.mark.parametrize("font", ["Roboto-Regular.ttf", "Roboto-Bold.ttf"])
def test_every_catalog_string_renders_with_the_bundled_font(font):
    chars = _catalog_chars() | set("āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽжщЖЩёЁ€№«»„“”…–—")
    assert {"ā", "ž", "ы"} <= chars
    assert _missing(fonts_dir() / font, chars) == set()


def test_symbols_render_with_dejavu():
    assert _missing(fonts_dir() / "DejaVuSans.ttf", set(KV_SYMBOLS)) == set()


def test_kivy_uses_the_bundled_fonts(gui):
    from kivy.core.text import LabelBase

    fonts = LabelBase._fonts
    assert Path(fonts["Roboto"][0]) == fonts_dir() / "Roboto-Regular.ttf"
    assert Path(fonts["Roboto"][2]) == fonts_dir() / "Roboto-Bold.ttf"
    assert Path(fonts["KioskSymbols"][0]) == fonts_dir() / "DejaVuSans.ttf"


@pytest.mark.parametrize("palette,minimum", [(NORMAL, 4.5), (HIGH_CONTRAST, 7.0)])
def test_palette_contrast(palette, minimum):
    for text, background in CONTRAST_PAIRS:
        ratio = contrast_ratio(palette[text], palette[background])
        assert ratio >= minimum, (text, background, round(ratio, 2))


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio((0, 0, 0, 1), (1, 1, 1, 1)) == pytest.approx(21.0)
    grey = (0x77 / 255,) * 3 + (1,)
    assert contrast_ratio(grey, (1, 1, 1, 1)) == pytest.approx(4.48, abs=0.01)


def test_theme_switches_palette_live(gui):
    from screens.widgets import THEME

    home = gui.screen("home")
    btn = home.choices["librarian"]
    gui.tap(home.ids.high_contrast)
    assert tuple(THEME.bg) == HIGH_CONTRAST["bg"]
    assert tuple(btn.color) == HIGH_CONTRAST["ink_primary"]
    gui.tap(home.ids.high_contrast)
    assert tuple(btn.color) == NORMAL["ink_primary"]
