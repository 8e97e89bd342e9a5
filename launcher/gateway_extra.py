"""Is the gateway installed? A production kiosk is installed without the gateway's libraries
(docs/architecture.md, "Running unattended"); the commands that run the gateway — `kiosk gateway`,
the embedded demo, the gallery — say so in a plain sentence instead of failing on an import.

Only looked up (`importlib.util.find_spec`), never imported: asking costs a production kiosk none
of the libraries.
"""

from __future__ import annotations

import importlib.util

# The top-level modules of the `gateway` extra in pyproject.toml (argon2-cffi is `argon2`).
GATEWAY_MODULES: tuple[str, ...] = ("fastapi", "uvicorn", "sqlalchemy", "alembic", "argon2", "jinja2")


def missing_gateway_modules() -> list[str]:
    """The gateway's libraries this Python cannot find; empty when the gateway can run."""
    out = []
    for name in GATEWAY_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            out.append(name)
    return out


def gateway_missing_message(what: str) -> str | None:
    """The sentence that says `what` needs the gateway extra, or None when it is installed."""
    missing = missing_gateway_modules()
    if not missing:
        return None
    return (f"{what} needs the gateway, which this installation does not have (missing: {', '.join(missing)}).\n"
            "Install the gateway extra: pip install 'kac-kiosk[gateway]' "
            "(or 'kac-kiosk[demo]' for the demo; 'make demo' does it in a checkout).")
