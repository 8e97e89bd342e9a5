"""Colours and sizes every screen uses, in a normal and a high-contrast palette.

Colours are plain RGBA tuples checked by a unit test against WCAG 2.x contrast ratios
(>= 4.5:1 normal, >= 7:1 high contrast). Sizes are unit strings ("24sp", "100dp") held in Kivy
NumericProperties: Kivy re-evaluates unit strings when `Metrics.fontscale` changes, so the
larger-text setting is a single `Metrics.fontscale` assignment and applies live.

A global change (palette, language, text size) is dispatched with the automatic garbage collector
paused (`collector_paused`): see there why.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, ObjectProperty

RGBA = tuple[float, float, float, float]


def _hex(value: str) -> RGBA:
    value = value.lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, 1.0)


# role -> colour. Text roles are read on their background role (see CONTRAST_PAIRS).
NORMAL: dict[str, RGBA] = {
    "bg": _hex("#F4F1EA"),          # warm paper
    "fg": _hex("#1F1F1F"),
    "muted": _hex("#4A4A4A"),
    "surface": _hex("#FFFFFF"),
    "primary": _hex("#0B5394"),     # buttons
    "ink_primary": _hex("#FFFFFF"),
    "secondary": _hex("#DCE6F2"),
    "ink_secondary": _hex("#0B2E55"),
    "selected": _hex("#0B2E55"),
    "ink_selected": _hex("#FFFFFF"),
    "warning": _hex("#8A1C1C"),
    "ink_warning": _hex("#FFFFFF"),
    "banner": _hex("#F2B632"),
    "ink_banner": _hex("#000000"),
    "outline": _hex("#1F1F1F"),
}

HIGH_CONTRAST: dict[str, RGBA] = {
    "bg": _hex("#000000"),
    "fg": _hex("#FFFFFF"),
    "muted": _hex("#E0E0E0"),
    "surface": _hex("#000000"),
    "primary": _hex("#FFE600"),
    "ink_primary": _hex("#000000"),
    "secondary": _hex("#000000"),
    "ink_secondary": _hex("#FFFFFF"),
    "selected": _hex("#FFFFFF"),
    "ink_selected": _hex("#000000"),
    "warning": _hex("#FFE600"),
    "ink_warning": _hex("#000000"),
    "banner": _hex("#FFFFFF"),
    "ink_banner": _hex("#000000"),
    "outline": _hex("#FFFFFF"),
}

# (text role, background role) pairs that appear on screen.
CONTRAST_PAIRS: tuple[tuple[str, str], ...] = (
    ("fg", "bg"), ("muted", "bg"), ("fg", "surface"), ("ink_primary", "primary"),
    ("ink_secondary", "secondary"), ("ink_selected", "selected"), ("ink_warning", "warning"),
    ("ink_banner", "banner"),
)


def relative_luminance(c: RGBA) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(v) for v in c[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGBA, b: RGBA) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Dispatch a global change (theme, language, text size) with no automatic collection inside.

    A row a screen removed is freed only by the next collection; until then its kv rules are still
    bound to the global theme and translator and run when they change. If the collector fired
    inside such a row's own rule, Kivy set the value on a dead weak proxy and the whole change
    stopped with ReferenceError (about one high-contrast toggle in a hundred; Home came
    back with the toggle "on" and normal colours). Paused, nothing dies mid-dispatch; the removed
    rows are freed by the next collection (docs/architecture.md, "Screens"). Nests; cheap.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# A panel taller than this many millimetres is read from further away and has room to spare:
# text grows with its height, up to MAX_PANEL_SCALE (docs/architecture.md, "Screens").
PANEL_HEIGHT_MM = 200.0
MAX_PANEL_SCALE = 1.35


def panel_text_scale(width_px: int, height_px: int, panel_width_mm: float) -> float:
    """How much larger than the base sizes text is on this panel: 1.0 up to 200 mm high, then in
    proportion (the example's 476 mm 1920x1080 panel, 268 mm high: 1.34). Unknown size: 1.0."""
    if panel_width_mm <= 0 or width_px <= 0:
        return 1.0
    height_mm = height_px * panel_width_mm / width_px
    return round(min(MAX_PANEL_SCALE, max(1.0, height_mm / PANEL_HEIGHT_MM)), 3)


class Theme(EventDispatcher):
    """The live theme: kv binds to its properties, the shell flips `high_contrast`."""

    high_contrast = BooleanProperty(False)
    # The whole palette, for kv that picks a role by name: `theme.palette[self.role]` binds.
    palette = ObjectProperty(dict(NORMAL))

    bg = ColorProperty(NORMAL["bg"])
    fg = ColorProperty(NORMAL["fg"])
    muted = ColorProperty(NORMAL["muted"])
    surface = ColorProperty(NORMAL["surface"])
    primary = ColorProperty(NORMAL["primary"])
    ink_primary = ColorProperty(NORMAL["ink_primary"])
    secondary = ColorProperty(NORMAL["secondary"])
    ink_secondary = ColorProperty(NORMAL["ink_secondary"])
    selected = ColorProperty(NORMAL["selected"])
    ink_selected = ColorProperty(NORMAL["ink_selected"])
    warning = ColorProperty(NORMAL["warning"])
    ink_warning = ColorProperty(NORMAL["ink_warning"])
    banner = ColorProperty(NORMAL["banner"])
    ink_banner = ColorProperty(NORMAL["ink_banner"])
    outline = ColorProperty(NORMAL["outline"])

    # Text sizes follow Metrics.fontscale (sp); target sizes do not (dp). With the density from
    # `[display]`, 1 sp is 0.159 mm, and Roboto's capitals are 0.711 of the size: the smallest
    # text (27 sp) has 3.05 mm capitals, EN 301 549's 3 mm at arm's length (a test
    # measures it, tests/gui/test_sizing_panel.py).
    font_title = NumericProperty("44sp")
    font_choice = NumericProperty("36sp")
    font_body = NumericProperty("30sp")
    font_small = NumericProperty("27sp")
    # >= 15 mm when KIVY_METRICS_DENSITY matches the panel (160 dp per inch: 100 dp = 15.9 mm).
    target = NumericProperty("100dp")
    gap = NumericProperty("16dp")
    pad = NumericProperty("24dp")
    radius = NumericProperty("14dp")
    outline_width = NumericProperty("2dp")

    def on_high_contrast(self, _inst: object, value: bool) -> None:
        palette = HIGH_CONTRAST if value else NORMAL
        with collector_paused():
            for role, colour in palette.items():
                setattr(self, role, colour)
            self.palette = dict(palette)
