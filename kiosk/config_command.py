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
    problems = cross_checks(cfg)
    if problems:
        print("\n".join(f"{args.file}: {p}" for p in problems), file=sys.stderr)
        return 2
    mode = "embedded demo gateway" if cfg.embedded_gateway else cfg.gateway.url
    print(f"{args.file}: OK (kiosk {cfg.kiosk.id} at {cfg.kiosk.location}, gateway: {mode}, "
          f"terminal: {cfg.terminal.driver}, printer: {cfg.printer.device}/{cfg.printer.model})")
    return 0


def cross_checks(cfg: config.KioskConfig) -> list[str]:
    """What one key alone cannot tell: a printer model that exists, a terminal set up whole."""
    from printer.models import UnknownModelError, get_model

    problems = []
    try:
        get_model(cfg.printer.model, cfg.printer.models_file or None)
    except UnknownModelError:
        problems.append(f"printer.model: no printer model {cfg.printer.model!r} "
                        "(see config/printers.toml)")
    except OSError as exc:
        problems.append(f"printer.models_file: {exc.strerror}")
    t = cfg.terminal
    if t.driver == "nexo" and not t.endpoint:
        problems.append("terminal.endpoint: required for the nexo driver")
    if t.driver == "nexo" and t.payment_timeout_s < 120:
        problems.append("terminal.payment_timeout_s: at least 120 s with a real terminal")
    if bool(t.passphrase_file) != bool(t.key_identifier):
        problems.append("terminal.key_identifier and terminal.passphrase_file go together")
    if not cfg.demo and not cfg.kiosk.signing_key_file:
        problems.append("kiosk.signing_key_file: a production kiosk signs its receipts")
    elif not cfg.demo and Path(cfg.kiosk.signing_key_file).is_file():
        problems.extend(_signing_key_problems(cfg.kiosk.signing_key_file))
    return problems


def _signing_key_problems(path: str) -> list[str]:
    from common.signing import Signer, is_public_demo_key

    try:
        signer = Signer.from_pem_file(path)
    except (OSError, ValueError) as exc:
        return [f"kiosk.signing_key_file: {exc}"]
    if is_public_demo_key(signer):
        return ["kiosk.signing_key_file: the public demo key (anyone can sign with it, so its "
                "receipts prove nothing); make the kiosk's own with `kiosk keys generate`"]
    return []
