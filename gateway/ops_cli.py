"""The municipality IT's commands under `kiosk gateway` (docs/architecture.md, "Operations"):
`migrate`, `import-invoices`, `export-payments`, `reconcile`, `kiosk list|revoke|rotate-token|
register-key`. `gateway.cli.configure` adds them; each function takes the parsed namespace and
returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def configure_operations(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from gateway.cli_args import identifier

    mig = sub.add_parser("migrate", help="bring the database schema to the current version (run once, "
                                         "before starting workers)")
    mig.add_argument("--db", metavar="URL", help="database URL")
    mig.set_defaults(func=migrate)

    imp = sub.add_parser("import-invoices", help="import the billing system's invoices (CSV, "
                                                 "docs/invoice-import.md); all or nothing")
    imp.add_argument("--db", metavar="URL", help="database URL")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
    imp.add_argument("--check-values-out", type=Path, metavar="FILE",
                     help="write the check values computed for new invoices (notice;check, mode 0600) "
                          "for printing")
    imp.add_argument("--key-file", type=Path, help="the gateway's key (default as for applications)")
    imp.set_defaults(func=import_invoices)

    exp = sub.add_parser("export-payments", help="posted payments for the accounts (docs/payments-export.md)")
    exp.add_argument("--db", metavar="URL", help="database URL")
    exp.add_argument("--from", dest="first", required=True, type=_day, metavar="D", help="first Riga day")
    exp.add_argument("--to", dest="last", required=True, type=_day, metavar="D", help="last Riga day")
    exp.add_argument("--format", choices=["csv", "camt054"], default="csv")
    exp.add_argument("--out", required=True, type=Path, metavar="FILE")
    exp.add_argument("--semicolon", action="store_true", help="CSV with ';' and decimal commas")
    exp.set_defaults(func=export_payments)

    rec = sub.add_parser("reconcile", help="card payments per kiosk vs the terminals' day-end totals")
    rec.add_argument("--db", metavar="URL", help="database URL")
    rec.add_argument("--date", required=True, type=_day, metavar="D", help="the Riga day")
    rec.set_defaults(func=reconcile)

    kio = sub.add_parser("kiosk", help="kiosks: list, revoke, rotate-token, register-key")
    kio.set_defaults(func=_usage(kio))
    ksub = kio.add_subparsers(dest="kiosk_command", metavar="COMMAND")
    lst = ksub.add_parser("list", help="every kiosk, its location, state and receipt keys")
    lst.add_argument("--db", metavar="URL", help="database URL")
    lst.set_defaults(func=kiosk_list)
    rev = ksub.add_parser("revoke", help="turn a kiosk's token off for good")
    rev.add_argument("--db", metavar="URL", help="database URL")
    rev.add_argument("kiosk_id", metavar="ID", type=identifier)
    rev.set_defaults(func=kiosk_revoke)
    rot = ksub.add_parser("rotate-token", help="give a kiosk a new token (shown once)")
    rot.add_argument("--db", metavar="URL", help="database URL")
    rot.add_argument("kiosk_id", metavar="ID", type=identifier)
    rot.set_defaults(func=kiosk_rotate)
    reg = ksub.add_parser("register-key", help="trust a kiosk's receipt public key (<kid>.pub.pem)")
    reg.add_argument("--db", metavar="URL", help="database URL")
    reg.add_argument("--kid", type=identifier, help="key id (default: the file name before .pub.pem)")
    reg.add_argument("kiosk_id", metavar="ID", type=identifier)
    reg.add_argument("file", type=Path, metavar="FILE")
    reg.set_defaults(func=kiosk_register_key)


def _engine(url: str | None, *, migrated: bool = True) -> Engine:
    from gateway.db import make_engine, migrate
    from gateway.serving import default_db_url

    engine = make_engine(url or default_db_url())
    if migrated:
        migrate(engine)
    return engine


def _write_private(path: Path, data: bytes) -> None:
    """A new file of mode 0600 replaces `path` at once (never an old file's mode, never half)."""
    from common.files import atomic_write

    atomic_write(path, data, mode=0o600)


def migrate(args: argparse.Namespace) -> int:
    from gateway.db import current_heads

    engine = _engine(args.db)
    print(f"database at {', '.join(current_heads(engine)) or 'base'}")
    engine.dispose()
    return 0


def import_invoices(args: argparse.Namespace) -> int:
    from gateway.db import session_factory
    from gateway.services.imports import ImportKeys
    from gateway.services.imports import import_invoices as run
    from gateway.settings import ApplicationsSettings

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"error: {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    keys = ImportKeys.derive(ApplicationsSettings.load(key_file=args.key_file).pepper)
    engine = _engine(args.db)
    with session_factory(engine)() as s, s.begin():
        report = run(s, data, keys, datetime.now(UTC), dry_run=args.dry_run)
        if report.errors or args.dry_run:
            s.rollback()
    engine.dispose()
    for err in report.errors:
        print(f"line {err.line_no}: {err.reason}", file=sys.stderr)
    if report.errors:
        print(f"{len(report.errors)} bad lines: nothing imported", file=sys.stderr)
        return report.exit_code
    for ref in report.refused:
        print(f"line {ref.line_no}: notice {ref.notice_number} {ref.reason}", file=sys.stderr)
    verb = "would be" if args.dry_run else ""
    print(f"invoices: {report.added} {verb} added, {report.updated} {verb} updated, {report.unchanged} "
          f"unchanged, {len(report.refused)} changes refused".replace("  ", " "))
    if args.check_values_out and report.computed_checks and not args.dry_run:
        text = "notice_number;check_value\r\n" + "".join(f"{n};{c}\r\n" for n, c in report.computed_checks)
        _write_private(args.check_values_out, text.encode("utf-8"))
        print(f"{len(report.computed_checks)} computed check values written to {args.check_values_out}")
    return report.exit_code


def export_payments(args: argparse.Namespace) -> int:
    import io

    from gateway.db import session_factory
    from gateway.services import camt054
    from gateway.services.exports import ExportInvalid, check_csv, posted_payments, write_csv

    if args.last < args.first:
        print("error: --to is before --from", file=sys.stderr)
        return 2
    engine = _engine(args.db)
    try:
        with session_factory(engine)() as s:
            payments = posted_payments(s, args.first, args.last)
            # Made whole, read back, and only then written: the accounts get a file that parses or
            # none at all (docs/architecture.md, "Operations").
            if args.format == "camt054":
                data = camt054.build(payments, args.first, args.last, datetime.now(UTC))
                camt054.check(data, payments)
                lines = sum(len(p.row.allocations) + (1 if p.row.credit_cents else 0) for p in payments)
            else:
                buf = io.StringIO(newline="")
                lines = write_csv(buf, payments, semicolon=args.semicolon)
                check_csv(buf.getvalue(), lines, semicolon=args.semicolon)
                data = buf.getvalue().encode("utf-8")
    except ExportInvalid as exc:
        print(f"error: {exc}; {args.out} not written", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    _write_private(args.out, data)
    total = sum(p.row.amount_cents for p in payments)
    print(f"{len(payments)} payments ({lines} lines, {total // 100},{total % 100:02d} EUR) "
          f"written to {args.out}")
    return 0


def reconcile(args: argparse.Namespace) -> int:
    from gateway.db import session_factory
    from gateway.services.exports import euros
    from gateway.services.reconcile import reconcile_day

    engine = _engine(args.db)
    with session_factory(engine)() as s:
        days = reconcile_day(s, args.date)
    engine.dispose()
    bad = [d for d in days if d.status != "ok"]
    print(f"{'kiosk':<24} {'gateway':>16} {'terminal':>16}  status")
    for d in days:
        gw = f"{d.recorded_count} / {euros(d.recorded_cents)}"
        term = f"{d.reported_count} / {euros(d.reported_cents)}" if d.reports else "-"
        print(f"{d.kiosk_id:<24} {gw:>16} {term:>16}  {d.status}")
    for d in bad:
        diff = d.reported_cents - d.recorded_cents
        print(f"\n{d.kiosk_id}: {d.status}, terminal minus gateway {euros(diff)} EUR, "
              f"{d.reported_count - d.recorded_count} payments; the gateway's card payments that day:")
        for p in d.payments:
            print(f"  {p.approved_at.isoformat(timespec='seconds')} {euros(p.amount_cents):>10}  "
                  f"receipt {p.receipt_no or '-'}  terminal txn {p.terminal_txn_id or '-'}")
    print(f"\n{args.date.isoformat()}: {len(days) - len(bad)} kiosks agree, {len(bad)} differ")
    return 1 if bad else 0


def kiosk_list(args: argparse.Namespace) -> int:
    from gateway.db import session_factory
    from gateway.services.kiosks import list_kiosks

    engine = _engine(args.db)
    with session_factory(engine)() as s:
        rows = list_kiosks(s)
    engine.dispose()
    for k in rows:
        state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else ("active" if k.active else "inactive")
        print(f"{k.id:<28} {k.location:<12} {state:<24} keys: {', '.join(k.kids) or '-'}")
    return 0


def _admin(args: argparse.Namespace, action: str) -> int:
    from common.schema import identifier_problem
    from gateway.admin import AdminError
    from gateway.db import session_factory
    from gateway.services import kiosks

    engine = _engine(args.db)
    try:
        with session_factory(engine).begin() as s:
            if action == "revoke":
                done = kiosks.revoke(s, args.kiosk_id, datetime.now(UTC))
                print(f"kiosk {args.kiosk_id} {'revoked' if done else 'was already revoked'}")
            elif action == "rotate":
                token = kiosks.rotate_token(s, args.kiosk_id)
                print(f"kiosk {args.kiosk_id}: new token (shown once; the old one no longer works): {token}")
            else:
                kid = args.kid or kiosks.kid_from_filename(args.file.name)
                if (problem := identifier_problem(kid)) is not None:
                    raise AdminError(f"key id {kid!r} {problem}")  # a file name may hold anything
                added = kiosks.register_key(s, args.kiosk_id, args.file.read_bytes(), kid, datetime.now(UTC))
                print(f"key {kid} {'registered' if added else 'was already registered'} for kiosk {args.kiosk_id}")
    except (AdminError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def kiosk_revoke(args: argparse.Namespace) -> int:
    return _admin(args, "revoke")


def kiosk_rotate(args: argparse.Namespace) -> int:
    return _admin(args, "rotate")


def kiosk_register_key(args: argparse.Namespace) -> int:
    return _admin(args, "register")


def _usage(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """A command given without its subcommand: print its help, exit 2."""
    def show(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2
    return show
