"""`kiosk run [--config FILE] [--windowed] [--smoke OUT.png]`: start the kiosk.

Plain Python up to the last moment: the config is loaded and checked, the core services are built
and Kivy's environment is set *before* `kiosk.app` (the only Kivy importer) is imported, because
Kivy reads its environment at import time.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, fields
from pathlib import Path

from kiosk import config as config_mod
from kiosk.clock import Clock, SystemClock
from kiosk.config import KioskConfig
from kiosk.i18n import Translator
from kiosk.speech import Speech, make_speech
from kiosk.visit import Visit
from kiosk.backend import Backend, BackendError, open_backend


@dataclass
class Services:
    """Everything the UI may reach of the core, built once per process from the config.

    Screens reach it as `self.services` (the shell hands it to every screen); the App as
    `app.services`. Later issues add their ports as fields with a default of None (gateway client,
    terminal, printer, journal) and build them in `build_services`; anything with an async
    `aclose()` is closed at exit.
    """

    config: KioskConfig
    translator: Translator
    clock: Clock
    speech: Speech
    visit: Visit
    # Journal, gateway, terminal, printer, payments, applications (None: UI-only, e.g. tests of
    # screens that need no money services).
    backend: Backend | None = None

    async def aclose(self) -> None:
        for f in fields(self):
            closer = getattr(getattr(self, f.name), "aclose", None)
            if closer is not None:
                await closer()


def build_services(
    cfg: KioskConfig, *, clock: Clock | None = None, speech: Speech | None = None,
    with_backend: bool = True,
) -> Services:
    translator = Translator(cfg.kiosk.default_language)
    visit = Visit(
        translator,
        default_language=cfg.kiosk.default_language,
        default_high_contrast=cfg.accessibility.high_contrast,
    )
    clock = clock or SystemClock()
    return Services(
        config=cfg,
        translator=translator,
        clock=clock,
        speech=speech or make_speech(cfg.accessibility.speech),
        visit=visit,
        backend=open_backend(cfg, clock=clock) if with_backend else None,
    )


def metrics_density(cfg: KioskConfig) -> float | None:
    """Kivy density so that dp/sp are physical (160 dp per inch) on the configured panel.

    On Linux Kivy reports density 1.0 whatever the panel (kivy.md §4), so 15 mm targets need this.
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


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None,
                        help="kiosk TOML (default: the system config, else the demo)")
    parser.add_argument("--windowed", action="store_true",
                        help="run in a window even if the config says full-screen")
    parser.add_argument("--smoke", type=Path, metavar="OUT.png", default=None,
                        help="start headless, tap the home screen, save a screenshot, exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        cfg = config_mod.load(args.config)
    except config_mod.ConfigError as exc:
        print(f"kiosk: invalid configuration\n{exc}", file=sys.stderr)
        return 2
    from kiosk.config_command import cross_checks

    problems = cross_checks(cfg)
    if problems:
        print("kiosk: invalid configuration\n" + "\n".join(problems), file=sys.stderr)
        return 2
    smoke: Path | None = args.smoke
    headless = smoke is not None and needs_headless()
    apply_kivy_environment(cfg, headless=headless)
    try:
        services = build_services(cfg)
    except BackendError as exc:
        print(f"kiosk: cannot start\n{exc}", file=sys.stderr)
        return 2

    from kiosk import app  # Kivy from here on

    return app.main(services, windowed=bool(args.windowed) or smoke is not None, smoke=smoke)
