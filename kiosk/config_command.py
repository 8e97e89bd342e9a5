"""`kiosk config check FILE`: validate a kiosk's TOML; exit 0, or print the errors and exit 2."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk import config


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="config_command", metavar="SUBCOMMAND")
    check = sub.add_parser("check", help="validate a config file")
    check.add_argument("file", type=Path)
    check.set_defaults(func=check_file)


def check_file(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(args.file)
    except config.ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    mode = "embedded demo gateway" if cfg.embedded_gateway else cfg.gateway.url
    print(f"{args.file}: OK (kiosk {cfg.kiosk.id} at {cfg.kiosk.location}, gateway: {mode}, "
          f"terminal: {cfg.terminal.driver}, printer: {cfg.printer.device}/{cfg.printer.model})")
    return 0
