"""`docs/openapi.json` is the document the gateway serves: a change of the wire (a model of
`common.schema`, a route) shows in the diff, never silently (docs/architecture.md, "API rules")."""

from __future__ import annotations

import difflib
from pathlib import Path

from gateway.openapi_document import CHECKED_IN, REGENERATE, document, render

ROOT = Path(__file__).resolve().parents[2]


def test_the_checked_in_document_is_the_generated_one() -> None:
    checked_in = (ROOT / CHECKED_IN).read_text(encoding="utf-8")
    generated = render(document())
    if checked_in != generated:
        diff = "".join(list(difflib.unified_diff(checked_in.splitlines(keepends=True),
                                                 generated.splitlines(keepends=True),
                                                 "docs/openapi.json (checked in)", "generated", n=2))[:60])
        raise AssertionError(f"docs/openapi.json is not the gateway's document; regenerate it with\n"
                             f"    {REGENERATE}\nand commit it. The first differences:\n{diff}")


def test_the_document_is_written_sorted_and_ends_with_a_newline() -> None:
    text = (ROOT / CHECKED_IN).read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert '\n  "components": {' in text  # two-space indents, keys sorted: components before info and paths
    assert text.index('"components"') < text.index('"info"') < text.index('"paths"')
