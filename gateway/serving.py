"""How a gateway process is started: its settings from the environment, so the app factory works
under any ASGI server (`uvicorn --factory gateway.app:create_app`, gunicorn with uvicorn workers),
and `kiosk gateway --workers N` hands the same settings to each worker
(docs/architecture.md, "Operations").

Workers share nothing but the database: rate limits, reservations (row locks) and idempotency
records are tables, so any worker may answer any request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_DB_URL = "KAC_GATEWAY_DB_URL"
ENV_RECEIPT_KEYS = "KAC_GATEWAY_RECEIPT_KEYS"
ENV_DEMO_RECEIPTS = "KAC_GATEWAY_DEMO_RECEIPTS"
# "0": the schema was migrated by `kiosk gateway migrate`; the process only checks it is current
# and skips the start-up purge (one process, not every worker, does both).
ENV_MIGRATE = "KAC_GATEWAY_MIGRATE"
ENV_WORKERS = "KAC_GATEWAY_WORKERS"  # how many processes share the database's connections

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingsError(ValueError):
    """An environment variable with a value the gateway cannot use; `str()` names it."""


def default_db_url() -> str:
    from common.paths import user_data_dir

    return f"sqlite:///{user_data_dir() / 'gateway.sqlite3'}"


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r}: use 1 or 0")


@dataclass(frozen=True)
class ServeSettings:
    db_url: str
    receipt_keys: Path | None = None
    demo_receipts: bool = False
    migrate: bool = True
    workers: int = 1

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServeSettings:
        env = os.environ if env is None else env
        raw_workers = env.get(ENV_WORKERS, "1").strip() or "1"
        if not raw_workers.isdigit() or not 1 <= int(raw_workers) <= 64:
            raise SettingsError(f"{ENV_WORKERS}={raw_workers!r}: a number from 1 to 64")
        keys = env.get(ENV_RECEIPT_KEYS, "").strip()
        return cls(
            db_url=env.get(ENV_DB_URL, "").strip() or default_db_url(),
            receipt_keys=Path(keys) if keys else None,
            demo_receipts=_flag(env, ENV_DEMO_RECEIPTS, False),
            migrate=_flag(env, ENV_MIGRATE, True),
            workers=int(raw_workers),
        )

    def to_env(self) -> dict[str, str]:
        """The variables that make `from_env` give these settings back (for worker processes)."""
        out = {ENV_DB_URL: self.db_url, ENV_DEMO_RECEIPTS: "1" if self.demo_receipts else "0",
               ENV_MIGRATE: "1" if self.migrate else "0", ENV_WORKERS: str(self.workers)}
        if self.receipt_keys is not None:
            out[ENV_RECEIPT_KEYS] = str(self.receipt_keys)
        return out
