"""`kiosk printer status|test`: talk to the printer named in the kiosk's config."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the printer stack loads only when a command runs
    from kiosk.config import KioskConfig
    from printer.service import ReceiptPrinter


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="printer_command", metavar="ACTION")
    s = sub.add_parser("status", help="ask the configured printer for its status (DLE EOT)")
    s.add_argument("--config", help="kiosk TOML (default: the system config, else the demo)")
    s.set_defaults(func=cmd_status)
    t = sub.add_parser("test", help="print the test page (Latvian, Cyrillic, code pages, QR)")
    t.add_argument("--config", help="kiosk TOML (default: the system config, else the demo)")
    t.add_argument("--lang", choices=("lv", "en", "ru"), default="lv")
    t.set_defaults(func=cmd_test)


def _service(args: argparse.Namespace) -> tuple[KioskConfig, ReceiptPrinter] | None:
    from kiosk.config import ConfigError, load
    from printer.models import UnknownModelError
    from printer.service import ReceiptPrinter

    try:
        cfg = load(args.config)
        return cfg, ReceiptPrinter.from_config(cfg)
    except (ConfigError, UnknownModelError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def cmd_status(args: argparse.Namespace) -> int:
    got = _service(args)
    if got is None:
        return 2
    cfg, svc = got
    st = asyncio.run(svc.status())
    print(f"printer: {cfg.printer.device} / model {svc.model.name}")
    print(f"status: {st.state.value}" + (f" ({st.detail})" if st.detail else ""))
    if st.raw:
        print(f"raw: {st.raw.hex(' ')}")
    return 0 if st.ready else 1


def cmd_test(args: argparse.Namespace) -> int:
    from printer.documents import Header, SelfTestPage
    from printer.transports import PreviewDevice, PrintError

    got = _service(args)
    if got is None:
        return 2
    cfg, svc = got
    now = datetime.now(UTC)
    doc = SelfTestPage(Header(municipality="KAC", location=cfg.kiosk.location, kiosk_id=cfg.kiosk.id),
                       printed_at=now, demo=cfg.demo)
    job_id = f"test-{now:%Y%m%dT%H%M%S}"
    try:
        job = asyncio.run(svc.print_document(doc, job_id=job_id, lang=args.lang, kind="test"))
    except PrintError as exc:
        print(f"NOT PRINTED: {exc.reason}" + (f" ({exc.detail})" if exc.detail else ""), file=sys.stderr)
        print(f"the job stays in {svc.spool.pending_dir}", file=sys.stderr)
        return 1
    device = svc.printer.device
    where = f" into {device.folder}" if isinstance(device, PreviewDevice) else ""
    print(f"printed test page {job_id}{where}: {len(job.escpos)} bytes on model {svc.model.name}")
    return 0
