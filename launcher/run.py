"""`kiosk run [--config FILE] [--windowed] [--smoke OUT.png]`: start the kiosk.

Plain Python up to the last moment: the config is loaded and checked, the core services are built
and Kivy's environment is set *before* `screens.app` (the Kivy application) is imported, because
Kivy reads its environment at import time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.clock import Clock
from kiosk import config as config_mod
from kiosk.backend import BackendError
from kiosk.config import KioskConfig
from kiosk.services import Services, make_services
from kiosk.speech import Speech
from screens.kivy_env import apply_kivy_environment, needs_headless


def build_services(
    cfg: KioskConfig, *, clock: Clock | None = None, speech: Speech | None = None,
    with_backend: bool = True,
) -> Services:
    """The UI's services with the backend the config names (the embedded demo when none)."""
    from launcher import embedded

    backend = embedded.open_backend(cfg, clock=clock) if with_backend else None
    sample = embedded.demo_view if cfg.demo else None
    return make_services(cfg, backend=backend, clock=clock, speech=speech, sample_invoice=sample)


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
    if cfg.embedded_gateway:
        from launcher.gateway_extra import gateway_missing_message

        refusal = gateway_missing_message("The demo (a kiosk without a gateway URL)")
        if refusal is not None:
            print(f"kiosk: cannot start\n{refusal}", file=sys.stderr)
            return 2
    # Structured lines on stderr, the journal under systemd (docs/architecture.md, "Running
    # unattended").
    from kiosk.logging_setup import configure as configure_logging

    configure_logging(cfg.service.log_format)
    smoke: Path | None = args.smoke
    headless = smoke is not None and needs_headless()
    apply_kivy_environment(cfg, headless=headless)
    try:
        services = build_services(cfg)
    except BackendError as exc:
        print(f"kiosk: cannot start\n{exc}", file=sys.stderr)
        return 2

    from screens import app  # Kivy from here on

    return app.main(services, windowed=bool(args.windowed) or smoke is not None, smoke=smoke)
