"""Add or update messages in one catalog domain for lv, en and ru.

Usage: python scripts/po_add.py DOMAIN FILE.json   (FILE: {"msgid": {"lv": "...", "ru": "..."}})
English msgstr = msgid unless given. Keeps existing entries; sorts nothing (stable diffs).
"""

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1] / "assets" / "locale"


def main() -> None:
    domain, src = sys.argv[1], Path(sys.argv[2])
    entries = json.loads(src.read_text(encoding="utf-8"))
    for lang in ("lv", "en", "ru"):
        path = ROOT / lang / "LC_MESSAGES" / f"{domain}.po"
        if path.exists():
            with path.open("rb") as fh:
                cat = read_po(fh, locale=lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            cat = Catalog(locale=lang, project="kac-kiosk", charset="utf-8")
        for msgid, tr in entries.items():
            text = tr.get(lang) or (msgid if lang == "en" else None)
            if text is None:
                raise SystemExit(f"{msgid!r}: no {lang}")
            cat.add(msgid, text)
        with path.open("wb") as fh:
            write_po(fh, cat, width=0, omit_header=False)


if __name__ == "__main__":
    main()
