"""`kiosk gateway coordinator add --db URL --name NAME`: a coordinator of the municipality's
statistics page (/admin/) (docs/architecture.md, "The municipality's statistics page").

The password is made at random and printed once, on standard output only; it is stored as an
Argon2id hash and never logged.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime


def configure_coordinator(parser: argparse.ArgumentParser) -> None:
    """The `coordinator` subcommands under the given parser."""
    from gateway.cli_args import identifier

    sub = parser.add_subparsers(dest="coordinator_command", metavar="COMMAND")
    add = sub.add_parser("add", help="add a coordinator; prints a one-time password")
    add.add_argument("--db", metavar="URL", help="database URL")
    add.add_argument("--name", required=True, type=identifier, help="the name to sign in with")
    add.set_defaults(func=add_coordinator)
    parser.set_defaults(func=lambda _a: _help(parser))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def add_coordinator(args: argparse.Namespace) -> int:
    from common.paths import user_data_dir
    from gateway.db import make_engine, migrate, session_factory
    from gateway.services.admin_auth import AdminAuthError
    from gateway.services.admin_auth import add_coordinator as add

    # The gateway's database (default: its SQLite file in the data folder), brought up to date.
    engine = make_engine(args.db or f"sqlite:///{user_data_dir() / 'gateway.sqlite3'}")
    migrate(engine)
    try:
        with session_factory(engine).begin() as s:
            password = add(s, args.name, datetime.now(UTC))
    except AdminAuthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"coordinator {args.name}; password (shown once): {password}")
    return 0
