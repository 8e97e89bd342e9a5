"""`kiosk receipt render|verify`: render sample documents; verify a scanned receipt QR offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.money import format_eur


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="receipt_command", metavar="ACTION")
    from printer.samples import SAMPLES

    r = sub.add_parser("render", help="render a sample document to ESC/POS bytes or a PNG preview")
    r.add_argument("--sample", required=True, choices=SAMPLES)
    r.add_argument("--width", type=int, choices=(58, 80), default=80)
    r.add_argument("--format", choices=("escpos", "png"), default="png")
    r.add_argument("--out", required=True, type=Path)
    r.add_argument("--printer-model", default="", help="a model from config/printers.toml (overrides --width)")
    r.add_argument("--lang", choices=("lv", "en", "ru"), default="lv")
    r.add_argument("--models-file", default="", help="another printers.toml")
    r.set_defaults(func=cmd_render)

    v = sub.add_parser("verify", help="check a receipt QR payload (or its URL) offline")
    v.add_argument("text", metavar="TEXT")
    v.add_argument("--keys", type=Path, help="public key file (<kid>.pub.pem) or folder of them")
    v.add_argument("--demo", action="store_true", help="also trust the public demo keys (demo receipts)")
    v.add_argument("--server-keys", type=Path,
                   help="the gateway's public receipt keys: only these may countersign, and none of them "
                        "as a kiosk (without it, any key of --keys is trusted as the countersigner)")
    v.set_defaults(func=cmd_verify)


def cmd_render(args: argparse.Namespace) -> int:
    from printer.models import UnknownModelError, get_model, model_for_width
    from printer.render import render
    from printer.samples import sample

    try:
        model = (get_model(args.printer_model, args.models_file or None) if args.printer_model
                 else model_for_width(args.width))
    except UnknownModelError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    job = render(sample(args.sample), model, args.lang)
    data = job.escpos if args.format == "escpos" else job.png()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"{args.out}: {args.sample} on {model.name} ({model.dots} dots, {model.columns} columns), "
          f"{len(data)} bytes")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from common.signing import VerificationError, demo_keys_dir, load_public_keys, verify

    keys = {}
    server = None
    try:
        if args.keys:
            keys.update(load_public_keys(args.keys))
        if args.demo:
            keys.update(load_public_keys(demo_keys_dir()))
        if args.server_keys:
            server = load_public_keys(args.server_keys)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read keys: {exc}", file=sys.stderr)
        return 2
    try:
        rec = verify(args.text, keys, allow_demo=args.demo, server_keys=server)
    except VerificationError as exc:
        print(f"NOT VALID: {exc.reason}" + (f" ({exc.detail})" if exc.detail else ""), file=sys.stderr)
        return 1
    print("VALID" + (" (DEMO key: this receipt proves nothing)" if rec.demo else ""))
    for label, value in (
        ("receipt", rec.receipt_no), ("kiosk", rec.kiosk_id), ("time (UTC)", rec.time.isoformat()),
        ("total", format_eur(rec.total_cents).replace("\u00a0", " ")),
        ("method", "card" if rec.method == "C" else "cash"), ("key", rec.kid),
        ("code", " / ".join(rec.codes)), ("lines hash", rec.lines_hash8), ("previous", rec.prev8),
        ("countersigned by", rec.server_kid or "-"),
    ):
        print(f"  {label:17} {value}")
    return 0
