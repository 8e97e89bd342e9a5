"""The OpenAPI document checked in as `docs/openapi.json` (docs/architecture.md, "API rules").

The gateway builds its document from the models of `common.schema`; a copy in the repository
lets a reviewer see a change of the wire in the diff, and `tests/gateway/test_openapi_checked_in.py`
fails when the copy and the app disagree. Written pretty-printed with sorted keys and a trailing
newline, so the same app always writes the same bytes.

    python -m gateway.openapi_document --out docs/openapi.json   (or `make openapi`)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

# Where the checked-in copy lives, from the repository's root.
CHECKED_IN = Path("docs") / "openapi.json"
REGENERATE = "make openapi  (or: python -m gateway.openapi_document --out docs/openapi.json)"


def document() -> dict[str, Any]:
    """The app's OpenAPI document, made on a throw-away SQLite database (the app needs one to start)."""
    from gateway.app import create_app
    from gateway.settings import GatewaySettings

    with tempfile.TemporaryDirectory(prefix="kac-openapi-") as folder:
        app = create_app(f"sqlite:///{Path(folder) / 'gateway.sqlite3'}", run_migrations=True,
                         demo_receipts=False, settings=GatewaySettings(public_docs=True))
        try:
            return app.openapi()
        finally:
            app.state.gateway.engine.dispose()


def render(doc: dict[str, Any]) -> str:
    """The document as it is checked in: two-space indents, sorted keys, UTF-8 text, final newline."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(document()), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.openapi_document",
                                     description="write the gateway's OpenAPI document")
    parser.add_argument("--out", type=Path, default=CHECKED_IN, help=f"file to write (default {CHECKED_IN})")
    args = parser.parse_args(argv)
    write(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
