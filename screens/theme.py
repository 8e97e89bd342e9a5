"""Colours and sizes every screen uses, in a normal and a high-contrast palette.

Colours are plain RGBA tuples checked by a unit test against WCAG 2.x contrast ratios
(>= 4.5:1 normal, >= 7:1 high contrast). Sizes are unit strings ("24sp", "100dp") held in Kivy
NumericProperties: Kivy re-evaluates unit strings when `Metrics.fontscale` changes, so the
larger-text setting is a single `Metrics.fontscale` assignment and applies live.
"""

from __future__ import annotations

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

    # Text sizes follow Metrics.fontscale (sp); target sizes do not (dp).
    font_title = NumericProperty("40sp")
    font_choice = NumericProperty("32sp")
    font_body = NumericProperty("26sp")
    font_small = NumericProperty("22sp")
    # >= 15 mm when KIVY_METRICS_DENSITY matches the panel (160 dp per inch: 100 dp = 15.9 mm).
    target = NumericProperty("100dp")
    gap = NumericProperty("16dp")
    pad = NumericProperty("24dp")
    radius = NumericProperty("14dp")
    outline_width = NumericProperty("2dp")

    def on_high_contrast(self, _inst: object, value: bool) -> None:
        palette = HIGH_CONTRAST if value else NORMAL
        for role, colour in palette.items():
            setattr(self, role, colour)
        self.palette = dict(palette)
