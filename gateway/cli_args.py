"""Argument types of the `kiosk gateway` commands shared by their modules."""

from __future__ import annotations

import argparse

from common.schema import identifier_problem


def identifier(text: str) -> str:
    """An argument that becomes an id or a name in the database (a kiosk, location, operator,
    coordinator or key id): the same rule as the API's identifiers (docs/architecture.md, "API
    rules"), so no command can store what would make an export unreadable."""
    problem = identifier_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{text!r} {problem}")
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text
