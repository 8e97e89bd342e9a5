"""`kiosk gateway ...`: serve the municipality API, seed demo data, register kiosks, print demo invoices."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def default_db_url() -> str:
    from common.paths import user_data_dir

    return f"sqlite:///{user_data_dir() / 'gateway.sqlite3'}"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", dest="serve_db", metavar="URL",
                        help="database URL (default: SQLite in the user data dir)")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"bind address (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--receipt-keys", type=Path, metavar="DIR",
                        help="folder of the kiosks' public receipt keys (*.pub.pem) for /r/ pages")
    parser.add_argument("--demo-receipts", action="store_true",
                        help="also verify receipts signed with the public demo key (marked DEMO)")
    parser.add_argument("--operator-lockout-minutes", type=float, default=15, metavar="M",
                        help="the longest wait, after 5 wrong PINs for a name at a kiosk, before "
                             "that kiosk checks its PIN again (default 15)")
    parser.add_argument("--operator-session-minutes", type=float, default=120, metavar="M",
                        help="how long an operator session lasts at most (default 120)")
    parser.add_argument("--posting-proof-hours", type=float, default=24, metavar="H",
                        help="how long cash reserved on an operator session may post after it ended "
                             "(default 24)")
    parser.add_argument("--workers", type=int, default=1, choices=range(1, 65), metavar="N",
                        help="worker processes (default 1; about one per core)")
    parser.add_argument("--skip-migrate", action="store_true",
                        help="the schema is current (`kiosk gateway migrate` ran): only check it")
    parser.set_defaults(func=serve)
    sub = parser.add_subparsers(dest="gateway_command", metavar="SUBCOMMAND")

    from gateway.cli_args import identifier
    from gateway.ops_cli import configure_operations

    # migrate, import-invoices, export-payments, reconcile, kiosk (docs/architecture.md, "Operations")
    configure_operations(sub)

    seed = sub.add_parser("seed-demo", help="insert the demo locations, creditors, payers and invoices")
    seed.add_argument("--db", metavar="URL", help="database URL")
    seed.add_argument("--key-file", type=Path, help="the gateway's key (default as for applications)")
    seed.set_defaults(func=seed_demo)

    add = sub.add_parser("add-kiosk", help="register a kiosk; prints its token once")
    add.add_argument("--db", metavar="URL", help="database URL")
    add.add_argument("--location", required=True, type=identifier, help="location code, e.g. zoseni")
    add.add_argument("--kiosk-id", type=identifier, help="kiosk id (default: <location>-<random>)")
    add.set_defaults(func=add_kiosk)

    inv = sub.add_parser("demo-invoices", help="render the demo invoices as paper (EPC QR + Code 128)")
    inv.add_argument("--out", required=True, type=Path, help="output folder")
    inv.add_argument("--format", choices=["png", "pdf"], default="png")
    inv.add_argument("--lang", choices=["lv", "en", "ru"], default="lv")
    inv.set_defaults(func=demo_invoices)

    doc = sub.add_parser("openapi", help="write the API's OpenAPI document (checked in as docs/openapi.json)")
    doc.add_argument("--out", type=Path, default=Path("docs") / "openapi.json", help="file to write")
    doc.set_defaults(func=write_openapi)

    apps = sub.add_parser("applications", help="applications received: export for the departments")
    configure_applications(apps)

    from gateway.operator_cli import configure_operator

    ops = sub.add_parser("operator", help="the desk's operators: add, list, disable, reset-pin")
    configure_operator(ops)

    from gateway.coordinator_cli import configure_coordinator

    coord = sub.add_parser("coordinator", help="coordinators of the statistics page /admin/: add")
    configure_coordinator(coord)


def configure_applications(parser: argparse.ArgumentParser) -> None:
    """`kiosk gateway applications export` under the given `applications` parser."""
    from gateway.settings import KEY_ENV

    sub = parser.add_subparsers(dest="applications_command", metavar="COMMAND")
    exp = sub.add_parser("export", help="CSV of applications with decrypted answers (personal data)")
    exp.add_argument("--db", required=True, help="database URL, e.g. sqlite:///gateway.sqlite")
    exp.add_argument("--out", required=True, help="output file (created mode 0600)")
    exp.add_argument("--status", choices=["received", "awaiting_identity"])
    exp.add_argument("--department")
    exp.add_argument("--semicolon", action="store_true", help="';' separator for Latvian Excel")
    exp.add_argument("--key-file", help=f"answers key (default ${KEY_ENV} or the data folder)")
    exp.set_defaults(func=export_applications)


def _engine(url: str | None) -> Engine:
    from gateway.db import make_engine, migrate

    engine = make_engine(url or default_db_url())
    migrate(engine)
    return engine


def serve(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from gateway.services.operators import OperatorPolicy
    from gateway.serving import ServeSettings
    from gateway.workers import serve as serve_workers

    policy = OperatorPolicy(lockout=timedelta(minutes=args.operator_lockout_minutes),
                            session_ttl=timedelta(minutes=args.operator_session_minutes),
                            posting_proof_ttl=timedelta(hours=args.posting_proof_hours))
    # --skip-migrate: `kiosk gateway migrate` ran already (docs/architecture.md, "Operations").
    settings = ServeSettings(db_url=args.serve_db or default_db_url(), receipt_keys=args.receipt_keys,
                             demo_receipts=args.demo_receipts, migrate=not args.skip_migrate,
                             workers=args.workers)
    return serve_workers(settings, args.host, args.port, app_kwargs={"operator_policy": policy})


def write_openapi(args: argparse.Namespace) -> int:
    from gateway.openapi_document import write

    write(args.out)
    print(f"wrote {args.out}")
    return 0


def seed_demo(args: argparse.Namespace) -> int:
    from gateway.admin import seed_demo as seed

    added = seed(_engine(args.db), key_file=args.key_file)
    print(f"demo data: {added} invoices added")
    return 0


def add_kiosk(args: argparse.Namespace) -> int:
    from gateway.admin import AdminError
    from gateway.admin import add_kiosk as add
    from gateway.db import session_factory

    engine = _engine(args.db)
    try:
        with session_factory(engine).begin() as s:
            kiosk_id, token = add(s, args.location, args.kiosk_id)
    except AdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"kiosk {kiosk_id} at {args.location}; token (shown once): {token}")
    return 0


def demo_invoices(args: argparse.Namespace) -> int:
    from gateway.demo_data import DEMO_INVOICES
    from gateway.paper import write_invoices

    paths = write_invoices(DEMO_INVOICES, args.out, fmt=args.format, lang=args.lang)
    print(f"{len(paths)} invoices written to {args.out}")
    return 0


def export_applications(args: argparse.Namespace) -> int:
    import io

    from common.files import atomic_write
    from gateway.db import make_engine, session_factory
    from gateway.services.applications import export_csv
    from gateway.settings import ApplicationsSettings

    cfg = ApplicationsSettings.load(key_file=Path(args.key_file) if args.key_file else None)
    engine = make_engine(args.db)
    buf = io.StringIO(newline="")
    with session_factory(engine)() as s:
        n = export_csv(s, cfg, buf, status=args.status, department=args.department,
                       delimiter=";" if args.semicolon else ",")
    engine.dispose()
    # Decrypted personal data: a new 0600 file replaces the old at once, whatever mode it had.
    atomic_write(args.out, buf.getvalue().encode("utf-8"), mode=0o600)
    print(f"{n} applications written to {args.out}")
    return 0
