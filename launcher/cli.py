"""The `kiosk` console script.

Each top-level command lives in its own module, imported only when that command runs, so
`kiosk gateway ...` never loads Kivy and `kiosk --help` is instant. A command module exposes
`configure(parser: argparse.ArgumentParser) -> None` (adds its arguments and subcommands and sets
`func` defaults) and its functions take the parsed `argparse.Namespace` and return an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("launcher.run", "run the kiosk (the demo when no config is given)"),
    "config": ("kiosk.config_command", "check a kiosk's TOML configuration"),
    "gallery": ("launcher.gallery", "render every screen in every language to PNG"),
    "gateway": ("gateway.cli", "serve and manage the municipality's API"),
    "terminal": ("kiosk.terminal_command", "card terminal: simulate, diagnose, test-payment, refund"),
    "printer": ("kiosk.printer_command", "receipt printer: status, test"),
    "receipt": ("printer.receipt_cli", "receipts: render samples, verify a scanned QR"),
    "journal": ("kiosk.journal_command", "the kiosk's journal: list and resolve unfinished entries"),
    "keys": ("kiosk.keys_command", "receipt signing key: generate (prints the public key to register)"),
    "diagnose": ("kiosk.diagnose", "one-screen health summary for a support call; exit 1 on a problem"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="KAC kiosk")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        if name == only:
            importlib.import_module(module).configure(cmd)
    return parser


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    # No command (or only run's options) means `run`: the kiosk is what most people start.
    if not args_in or (args_in[0].startswith("-") and args_in[0] not in ("-h", "--help")):
        args_in.insert(0, "run")
    name = args_in[0] if args_in[0] in COMMANDS else None
    if name == "gateway":
        from launcher.gateway_extra import gateway_missing_message

        refusal = gateway_missing_message("kiosk gateway")
        if refusal is not None:
            print(refusal, file=sys.stderr)
            return 2
    parser = build_parser(only=name)
    args = parser.parse_args(args_in)
    func = getattr(args, "func", None)
    if func is None:
        parser.parse_args([args_in[0], "--help"] if name else ["--help"])
        return 2
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        return 130
