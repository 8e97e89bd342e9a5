"""Bundled fonts: Roboto for text (Latvian + Cyrillic), DejaVuSans for symbols.

Registering the bundled Roboto under Kivy's default name "Roboto" makes it the global font of
every Label and TextInput. The SDL2 text provider has no per-glyph fallback, so
symbols Roboto lacks (arrows, check marks) are drawn with "KioskSymbols" via markup.
"""

from __future__ import annotations

from pathlib import Path

from kivy.core.text import LabelBase

from common.paths import fonts_dir

TEXT_FONT = "Roboto"
SYMBOL_FONT = "KioskSymbols"


def font_files() -> dict[str, Path]:
    base = fonts_dir()
    return {
        "regular": base / "Roboto-Regular.ttf",
        "bold": base / "Roboto-Bold.ttf",
        "symbols": base / "DejaVuSans.ttf",
        "symbols_bold": base / "DejaVuSans-Bold.ttf",
    }


def register_fonts() -> None:
    files = font_files()
    regular, bold = str(files["regular"]), str(files["bold"])
    LabelBase.register(TEXT_FONT, regular, regular, bold, bold)
    sym = str(files["symbols"])
    sym_bold = str(files["symbols_bold"]) if files["symbols_bold"].exists() else sym
    LabelBase.register(SYMBOL_FONT, sym, sym, sym_bold, sym_bold)
