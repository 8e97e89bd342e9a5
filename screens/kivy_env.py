"""Kivy's environment, set before Kivy's first import (Kivy reads it at import time).

Plain Python: importing this module loads no Kivy.
"""

from __future__ import annotations

import os
import sys

from kiosk.config import KioskConfig


def metrics_density(cfg: KioskConfig) -> float | None:
    """Kivy density so that dp/sp are physical (160 dp per inch) on the configured panel.

    On Linux Kivy reports density 1.0 whatever the panel (docs/architecture.md, "Screens"), so
    15 mm targets need this.
    """
    if cfg.display.panel_width_mm <= 0:
        return None
    px_per_mm = cfg.display.width_px / cfg.display.panel_width_mm
    return round(px_per_mm * 25.4 / 160.0, 4)


def kivy_environment(cfg: KioskConfig, *, headless: bool = False) -> dict[str, str]:
    """The environment Kivy must see before its first import."""
    env = {
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_CONFIG": "1",
        "KIVY_NO_FILELOG": "1",
        "KIVY_LOG_MODE": "PYTHON",
        "KIVY_WINDOW": "sdl2",
    }
    density = metrics_density(cfg)
    if density is not None:
        env["KIVY_METRICS_DENSITY"] = str(density)
    if headless:
        env["SDL_VIDEODRIVER"] = "offscreen"
        env["SDL_AUDIODRIVER"] = "dummy"
    return env


def apply_kivy_environment(cfg: KioskConfig, *, headless: bool = False) -> None:
    if "kivy" in sys.modules:
        raise RuntimeError("Kivy was imported before its environment was set")
    for key, value in kivy_environment(cfg, headless=headless).items():
        # An explicit setting from the unit file or the caller wins (e.g. a per-device density).
        os.environ.setdefault(key, value)


def needs_headless() -> bool:
    """No display server and no video driver chosen: render offscreen (smoke runs, CI)."""
    return not any(os.environ.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"))
