"""`kiosk gallery --out DIR [--lang lv,en,ru] [--large-text] [--high-contrast] [--config FILE]`

Renders every screen state headless to PNG (screens.gallery), with the demo's services.
No Kivy import at module level: Kivy's environment is set first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNGs")
    parser.add_argument("--lang", default="", help="comma-separated languages (default: the config's)")
    parser.add_argument("--large-text", action="store_true", help="also render with larger text")
    parser.add_argument("--high-contrast", action="store_true", help="also render in high contrast")
    parser.add_argument("--config", type=Path, default=None, help="kiosk TOML (default: the demo)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from common.i18n import LANGUAGES
    from kiosk import config as config_mod

    try:
        cfg = config_mod.load(args.config) if args.config else config_mod.KioskConfig()
    except config_mod.ConfigError as exc:
        print(f"kiosk gallery: invalid configuration\n{exc}", file=sys.stderr)
        return 2
    langs = [x.strip() for x in args.lang.split(",") if x.strip()] or list(cfg.kiosk.languages)
    bad = [x for x in langs if x not in LANGUAGES]
    if bad:
        print(f"kiosk gallery: unknown language(s) {', '.join(bad)}; choose from "
              f"{', '.join(LANGUAGES)}", file=sys.stderr)
        return 2
    # The gallery always renders with the demo's gateway (screens.gallery.gallery_config).
    from launcher.gateway_extra import gateway_missing_message

    refusal = gateway_missing_message("kiosk gallery (it renders with the demo's gateway)")
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2
    from launcher.run import build_services
    from screens.gallery import render

    written = render(cfg, args.out, langs, build_services=build_services,
                     large_text=args.large_text,
                     high_contrast=args.high_contrast)
    print(f"kiosk gallery: {len(written)} screenshots in {args.out}")
    return 0
