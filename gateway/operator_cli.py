"""`kiosk gateway operator add | list | disable | reset-pin`: the desk's operators (docs/architecture.md,
"Operators").

`add` and `reset-pin` print the new PIN once, on standard output only; it is stored as an Argon2id
hash and never logged.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")


def configure_operator(parser: argparse.ArgumentParser) -> None:
    """The `operator` subcommands under the given parser."""
    from gateway.cli_args import identifier
    from gateway.services.operators import ROLES

    sub = parser.add_subparsers(dest="operator_command", metavar="COMMAND")
    add = sub.add_parser("add", help="add an operator; prints a one-time PIN")
    add.add_argument("--db", metavar="URL", help="database URL")
    add.add_argument("--name", required=True, type=identifier, help="the operator's name, as the desk lists it")
    add.add_argument("--location", required=True, type=identifier, help="location code, e.g. zoseni")
    add.add_argument("--role", choices=ROLES, default="librarian")
    add.set_defaults(func=add_operator)

    lst = sub.add_parser("list", help="operators with their location, role and state")
    lst.add_argument("--db", metavar="URL", help="database URL")
    lst.set_defaults(func=list_operators)

    dis = sub.add_parser("disable", help="disable an operator and end their sessions")
    dis.add_argument("name", metavar="NAME", type=identifier)
    dis.add_argument("--db", metavar="URL", help="database URL")
    dis.set_defaults(func=disable_operator)

    reset = sub.add_parser("reset-pin", help="a new one-time PIN; clears a lock, ends sessions")
    reset.add_argument("name", metavar="NAME", type=identifier)
    reset.add_argument("--db", metavar="URL", help="database URL")
    reset.set_defaults(func=reset_pin)
    parser.set_defaults(func=lambda _a: _help(parser))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _run(url: str | None, work: Callable[[Session, datetime], T]) -> T | None:
    """`work` in one transaction on the (migrated) database; None after printing a refusal."""
    from common.paths import user_data_dir
    from gateway.db import make_engine, migrate, session_factory
    from gateway.services.operators import OperatorError

    # The same default database as `kiosk gateway` (gateway.cli.default_db_url), without
    # importing the command table back.
    engine = make_engine(url or f"sqlite:///{user_data_dir() / 'gateway.sqlite3'}")
    migrate(engine)
    try:
        with session_factory(engine).begin() as s:
            return work(s, datetime.now(UTC))
    except OperatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    finally:
        engine.dispose()


def add_operator(args: argparse.Namespace) -> int:
    from gateway.services import operators

    pin = _run(args.db, lambda s, now: operators.add_operator(s, args.name, args.location, now, role=args.role))
    if pin is None:
        return 1
    print(f"operator {args.name} ({args.role}) at {args.location}; PIN (shown once): {pin}")
    return 0


def list_operators(args: argparse.Namespace) -> int:
    from gateway.services import operators

    rows = _run(args.db, lambda s, now: operators.list_operators(s, now))
    for o in rows or []:
        state = "disabled" if o.disabled else (
            f"backing off until {o.locked_until:%Y-%m-%d %H:%M} UTC at a kiosk" if o.locked_until else "active")
        print(f"{o.name}\t{o.location}\t{o.role}\t{state}")
    return 0 if rows is not None else 1


def disable_operator(args: argparse.Namespace) -> int:
    from gateway.services import operators

    def disable(s: Session, now: datetime) -> bool:
        operators.disable_operator(s, args.name, now)
        return True

    if _run(args.db, disable) is None:
        return 1
    print(f"operator {args.name} disabled; their sessions ended")
    return 0


def reset_pin(args: argparse.Namespace) -> int:
    from gateway.services import operators

    pin = _run(args.db, lambda s, now: operators.reset_pin(s, args.name, now))
    if pin is None:
        return 1
    print(f"operator {args.name}; new PIN (shown once): {pin}")
    return 0
