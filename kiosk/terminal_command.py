"""`kiosk terminal simulate|diagnose|test-payment|refund` (technicians and tests)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from common.money import AmountError, format_eur, parse_eur

if TYPE_CHECKING:  # the CLI imports the kiosk's modules lazily, so `--help` stays quick
    from kiosk.config import KioskConfig
    from kiosk.journal import Journal


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="terminal_command", metavar="SUBCOMMAND")

    sim = sub.add_parser("simulate", help="run a simulated nexo terminal (HTTP server)")
    sim.add_argument("--port", type=int, required=True, help="TCP port (0: any free port)")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--poi-id", default="SIM-POI-1")
    sim.add_argument("--slow-s", type=float, default=5.0, help="delay of the ,97/,98 scenarios")
    sim.add_argument("--approve-delay-s", type=float, default=0.0)
    sim.add_argument("--passphrase-file", default="", help="require the local security envelope")
    sim.add_argument("--key-identifier", default="")
    sim.add_argument("--key-version", type=int, default=1)
    sim.add_argument("--api-key-file", default="", help="require X-API-Key on /sync")
    sim.add_argument("--tls-cert", default="", help="serve HTTPS with this certificate (PEM)")
    sim.add_argument("--tls-key", default="")
    sim.set_defaults(func=cmd_simulate)

    for name, func, help_text in (
            ("diagnose", cmd_diagnose, "check that the configured terminal answers"),
            ("test-payment", cmd_test_payment, "make one payment through the configured terminal"),
            ("refund", cmd_refund, "refund (reverse) a terminal transaction")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--config", type=Path, default=None)
        if name == "test-payment":
            p.add_argument("--amount", required=True, help="euros, e.g. 0.01 or 0,01")
        if name == "refund":
            p.add_argument("--transaction-id", required=True,
                           help="the terminal's transaction id (journal client_txn_id also works)")
            p.add_argument("--timestamp", default="", help="the transaction's POI TimeStamp")
            p.add_argument("--amount", required=True)
        p.set_defaults(func=func)


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8").strip() if path else ""


def cmd_simulate(args: argparse.Namespace) -> int:
    import ssl

    from kiosk.terminal.envelope import Envelope
    from kiosk.terminal.sim_terminal import SimTerminal
    from kiosk.terminal.simulator import serve

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    envelope = None
    if args.passphrase_file:
        envelope = Envelope(_read(args.passphrase_file), args.key_identifier, args.key_version)
    ctx = None
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key or None)
    terminal = SimTerminal(poi_id=args.poi_id, scenarios=True,
                           approve_delay_s=args.approve_delay_s, slow_s=args.slow_s)

    def ready(url: str) -> None:
        print(f"listening on {url}", flush=True)

    try:
        asyncio.run(serve(args.host, args.port, terminal=terminal, envelope=envelope,
                          api_key=_read(args.api_key_file), ssl_context=ctx, ready=ready))
    except KeyboardInterrupt:
        pass
    return 0


def _setup(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from kiosk.config import ConfigError, load

    try:
        return load(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _journal(cfg: KioskConfig) -> Journal:
    from kiosk.journal import Journal

    path = Path(cfg.journal.path) if cfg.journal.path else cfg.data_dir() / "journal.sqlite3"
    return Journal.open(path, kiosk_id=cfg.kiosk.id, generation=cfg.kiosk.generation)


def _with_terminal(args: argparse.Namespace, work) -> int:  # type: ignore[no-untyped-def]
    """Run `work(cfg, journal, driver)` while holding the terminal lock."""
    from kiosk.payments.terminal_factory import driver_from_config
    from kiosk.payments.terminal_lock import TerminalLock, TerminalLocked, lock_path
    from kiosk.terminal.base import TerminalError

    cfg = _setup(args)
    if cfg is None:
        return 2
    try:
        lock = TerminalLock(lock_path(cfg)).acquire()
    except TerminalLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    try:
        try:
            driver = driver_from_config(cfg)
        except TerminalError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        journal = _journal(cfg)

        async def run() -> int:
            try:
                return int(await work(cfg, journal, driver))
            finally:
                await driver.aclose()

        try:
            return asyncio.run(run())
        finally:
            journal.close()
    finally:
        lock.release()


def _print_outcome(out) -> None:  # type: ignore[no-untyped-def]
    print(f"status: {out.status.value}")
    if out.amount_cents:
        print(f"amount: {format_eur(out.amount_cents)}")
    for label, value in (("terminal transaction", out.transaction_id),
                         ("time", out.transaction_time), ("approval code", out.approval_code),
                         ("card", f"**** {out.last4}" if out.last4 else ""),
                         ("brand", out.brand), ("AID", out.aid),
                         ("reason", out.reason.value if out.reason else ""),
                         ("error condition", out.error_condition)):
        if value:
            print(f"{label}: {value}")
    if out.receipt_lines:
        print("--- customer receipt ---")
        for line in out.receipt_lines:
            print(line)
        print("------------------------")


def cmd_diagnose(args: argparse.Namespace) -> int:
    async def work(cfg, journal, driver) -> int:  # type: ignore[no-untyped-def]
        from kiosk.journal import AsyncJournal

        sid = await AsyncJournal(journal).allocate_service_id(None, "diagnosis")
        d = await driver.diagnose(sid)
        print(f"driver: {cfg.terminal.driver}  endpoint: {cfg.terminal.endpoint or '(in-process)'}")
        print(f"reachable: {'yes' if d.reachable else 'no'}")
        print(f"terminal ok: {'yes' if d.terminal_ok else 'no'}")
        host = {True: "yes", False: "no", None: "unknown"}[d.host_reachable]
        print(f"acquirer host reachable: {host}")
        if d.error_condition or d.detail:
            print(f"detail: {d.error_condition} {d.detail}".rstrip())
        return 0 if d.reachable and d.terminal_ok else 1

    return _with_terminal(args, work)


def cmd_test_payment(args: argparse.Namespace) -> int:
    try:
        cents = parse_eur(args.amount)
    except AmountError:
        print(f"error: --amount: not an amount: {args.amount!r}", file=sys.stderr)
        return 2
    if cents <= 0:
        print("error: --amount must be more than 0", file=sys.stderr)
        return 2

    async def work(cfg, journal, driver) -> int:  # type: ignore[no-untyped-def]
        from kiosk.journal import AsyncJournal
        from kiosk.payments.terminal_service import TerminalService

        entry = await AsyncJournal(journal).begin_payment(amount_cents=cents, method="card",
                                                          data={"purpose": "test-payment"})
        service = TerminalService.from_config(cfg, journal, driver=driver)
        out = await service.pay(entry.client_txn_id)
        print(f"journal entry: {entry.client_txn_id} (reference {entry.reference_code})")
        _print_outcome(out)
        return 0 if out.paid else 1

    return _with_terminal(args, work)


def cmd_refund(args: argparse.Namespace) -> int:
    try:
        cents = parse_eur(args.amount)
    except AmountError:
        print(f"error: --amount: not an amount: {args.amount!r}", file=sys.stderr)
        return 2

    async def work(cfg, journal, driver) -> int:  # type: ignore[no-untyped-def]
        from kiosk.journal import AsyncJournal, JournalError
        from kiosk.payments.terminal_service import TerminalService

        records = AsyncJournal(journal)
        try:
            entry = await records.get(args.transaction_id)
        except JournalError:
            entry = None
        if entry is not None:
            out = await TerminalService.from_config(cfg, journal, driver=driver).refund(
                entry.client_txn_id, cents)
        else:
            match = [e for e in await records.payments() if e.terminal and
                     e.terminal.get("transaction_id") == args.transaction_id]
            if match:
                out = await TerminalService.from_config(cfg, journal, driver=driver).refund(
                    match[0].client_txn_id, cents)
            else:
                sid = await records.allocate_service_id(None, "reversal")
                out = await driver.refund(sid, transaction_id=args.transaction_id,
                                          transaction_time=args.timestamp, amount_cents=cents)
        _print_outcome(out)
        return 0 if out.status.value == "APPROVED" else 1

    return _with_terminal(args, work)
