"""`kiosk keys generate`: make this kiosk's Ed25519 receipt signing key and print the public key
the municipality registers with `kiosk gateway kiosk register-key ID FILE`
(docs/architecture.md, "Receipts" and "Operations").

The private key is written mode 0600 and never overwritten; its file is named `<kid>.key.pem`,
because the kiosk takes the key id from the file name (`common.signing.Signer.from_pem_file`).
The key id is `<kiosk-id>-<YYYYMMDD>` unless given, so a kiosk's later keys get new ids and the
receipts signed with an old key keep verifying.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from common.signing import generate_kiosk_key, public_pem


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="keys_command", metavar="SUBCOMMAND")
    gen = sub.add_parser("generate", help="make the receipt signing key; print the public key to register")
    gen.add_argument("--config", type=Path, help="kiosk config (for the kiosk id and data folder)")
    gen.add_argument("--kiosk-id", help="kiosk id (default: from the config)")
    gen.add_argument("--kid", help="key id (default: <kiosk-id>-<YYYYMMDD>)")
    gen.add_argument("--out", type=Path, help="folder or <kid>.key.pem path (default: the data folder)")
    gen.set_defaults(func=generate)
    parser.set_defaults(func=_usage(parser))


def key_path(out: Path | None, data_dir: Path, kid: str) -> Path:
    """Where the private key goes: `out` when it names a .key.pem file, else `<folder>/<kid>.key.pem`."""
    if out is not None and out.name.endswith(".key.pem"):
        return out
    return (out or data_dir) / f"{kid}.key.pem"


def generate(args: argparse.Namespace) -> int:
    from kiosk import config

    try:
        cfg = config.load(args.config)
    except config.ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    kiosk_id = args.kiosk_id or cfg.kiosk.id
    kid = args.kid or f"{kiosk_id}-{datetime.now(UTC):%Y%m%d}"
    path = key_path(args.out, cfg.data_dir(), kid)
    if path.name != f"{kid}.key.pem":
        print(f"error: the key file must be named {kid}.key.pem (the kiosk reads the key id from it)",
              file=sys.stderr)
        return 2
    try:
        signer = generate_kiosk_key(path, kid)
    except FileExistsError:
        print(f"error: {path} exists; a key is never overwritten (choose another --kid)", file=sys.stderr)
        return 1
    pub = path.with_name(f"{kid}.pub.pem")
    print(public_pem(signer.private_key.public_key()).decode("ascii"), end="")
    print(f"private key: {path} (mode 0600); set [kiosk] signing_key_file = \"{path}\"", file=sys.stderr)
    print(f"public key: {pub}; on the gateway: kiosk gateway kiosk register-key {kiosk_id} {pub.name}",
          file=sys.stderr)
    return 0


def _usage(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """A command given without its subcommand: print its help, exit 2."""
    def show(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2
    return show
