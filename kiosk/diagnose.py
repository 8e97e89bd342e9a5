"""`kiosk diagnose [--config FILE]`: a one-screen health summary for a support call.

Config, printer, card terminal, gateway, disk space, journal integrity — one line each, OK / WARN /
FAIL, and exit 1 when anything FAILs (docs/architecture.md, "Running unattended"). Safe beside a
running kiosk: it takes no terminal lock, allocates no ServiceID and writes nothing (the journal is
opened read-only); the terminal check is a TCP connection, the printer check a DLE EOT status query.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kiosk import config as config_mod

Level = Literal["OK", "WARN", "FAIL"]

# Below these the data folder is FAIL: the journal must always be able to write (fsync'd WAL).
MIN_FREE_BYTES = 200 * 1024 * 1024
MIN_FREE_FRACTION = 0.05


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    detail: str


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None,
                        help="kiosk TOML (default: the system config, else the demo)")
    parser.set_defaults(func=run)


def check_config(path: Path | None) -> tuple[Check, config_mod.KioskConfig | None]:
    from kiosk.config_command import cross_checks

    try:
        cfg = config_mod.load(path)
    except config_mod.ConfigError as exc:
        return Check("config", "FAIL", str(exc).splitlines()[0]), None
    problems = cross_checks(cfg)
    where = cfg.source or "demo defaults (no config file)"
    if problems:
        return Check("config", "FAIL", f"{where}: {problems[0]}"), cfg
    return Check("config", "WARN" if cfg.demo else "OK", where), cfg


async def check_printer(cfg: config_mod.KioskConfig) -> Check:
    from printer.service import ReceiptPrinter

    try:
        status = await ReceiptPrinter.from_config(cfg).status()
    except Exception as exc:
        return Check("printer", "FAIL", f"{cfg.printer.device}: {type(exc).__name__}: {exc}")
    detail = f"{cfg.printer.device}/{cfg.printer.model}: {status.state.value}"
    if not status.ready:
        return Check("printer", "FAIL", detail)
    return Check("printer", "WARN" if status.state.value == "paper_near_end" else "OK", detail)


async def check_terminal(cfg: config_mod.KioskConfig) -> Check:
    from kiosk.heartbeat import terminal_reachable

    t = cfg.terminal
    where = "simulator" if t.driver == "simulator" else f"{t.driver} at {t.endpoint}"
    if await terminal_reachable(cfg):
        return Check("terminal", "OK", f"{where}: answers")
    return Check("terminal", "FAIL", f"{where}: no connection within {t.connect_timeout_s:g} s")


async def check_gateway(cfg: config_mod.KioskConfig) -> Check:
    if cfg.embedded_gateway:
        # Opening the demo's in-process gateway would load FastAPI and migrate its database.
        return Check("gateway", "WARN", "embedded demo gateway (not a production setup)")
    from kiosk.backend import BackendError, http_link
    from kiosk.gateway_client import GatewayClient, GatewayError

    try:
        link = http_link(cfg)
    except BackendError as exc:
        return Check("gateway", "FAIL", str(exc))
    client = GatewayClient(link.base_url, link.token, timeout_s=cfg.gateway.timeout_s, retries=0)
    try:
        health = await client.health()
    except GatewayError as exc:
        return Check("gateway", "FAIL", f"{cfg.gateway.url}: {exc.code}")
    finally:
        await client.aclose()
    return Check("gateway", "OK", f"{cfg.gateway.url}: version {health.version}")


def check_disk(cfg: config_mod.KioskConfig) -> Check:
    folder = cfg.data_dir()
    probe = folder if folder.exists() else next((p for p in folder.parents if p.exists()), Path("/"))
    usage = shutil.disk_usage(probe)
    free_mb = usage.free // (1024 * 1024)
    detail = f"{folder}: {free_mb} MB free of {usage.total // (1024 * 1024)} MB"
    if usage.free < MIN_FREE_BYTES or usage.free < MIN_FREE_FRACTION * usage.total:
        return Check("disk", "FAIL", detail)
    return Check("disk", "OK", detail)


def check_journal(cfg: config_mod.KioskConfig) -> Check:
    from kiosk.backend import journal_path

    path = journal_path(cfg)
    if not path.exists():
        return Check("journal", "WARN", f"{path}: not created yet (the kiosk has not run)")
    try:
        # Read-only: never a write, a WAL checkpoint or a lock that could stall the running kiosk.
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = [r[0] for r in db.execute("PRAGMA integrity_check")]
        finally:
            db.close()
    except sqlite3.Error as exc:
        return Check("journal", "FAIL", f"{path}: {exc}")
    if rows != ["ok"]:
        return Check("journal", "FAIL", f"{path}: {rows[0]}")
    size_kb = path.stat().st_size // 1024
    return Check("journal", "OK", f"{path}: integrity ok, {size_kb} KB")


async def diagnose(path: Path | None) -> list[Check]:
    first, cfg = check_config(path)
    if cfg is None:
        return [first]
    checks = [first]
    checks += await asyncio.gather(check_printer(cfg), check_terminal(cfg), check_gateway(cfg))
    checks += [check_disk(cfg), check_journal(cfg)]
    return checks


def run(args: argparse.Namespace) -> int:
    import logging

    logging.disable(logging.WARNING)  # the summary is the output; library warnings add noise
    checks = asyncio.run(diagnose(args.config))
    for c in checks:
        print(f"{c.level:<5} {c.name:<9} {c.detail}")
    failed = [c.name for c in checks if c.level == "FAIL"]
    print(f"kiosk diagnose: {'problems: ' + ', '.join(failed) if failed else 'no problems found'}")
    sys.stdout.flush()
    return 1 if failed else 0
