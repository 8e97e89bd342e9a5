"""Every literal the screens translate (`_("...")` in .py and .kv, `N_("...")`) is in a catalog in
all three languages, and the screens' catalogs (screens*.po) have no entry nobody uses."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

from common.i18n import LANGUAGES, load_catalog
from common.paths import locale_dir

ROOT = Path(__file__).resolve().parents[2]
KV_CALL = re.compile(r"""\b_\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")


def _used() -> set[str]:
    used: set[str] = set()
    for path in (ROOT / "screens").glob("*.kv"):
        for m in KV_CALL.finditer(path.read_text(encoding="utf-8")):
            used.add(ast.literal_eval(m.group(1)))
    code = [p for d in ("screens", "kiosk", "printer", "gateway") for p in (ROOT / d).rglob("*.py")]
    for path in code:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                if name in ("_", "N_", "gettext"):
                    used.add(node.args[0].value)
    return used


def _catalog(lang: str) -> dict[str, str]:
    """The screens' own catalogs (screens.po, screens_payment.po, screens_application.po, ...)."""
    merged: dict[str, str] = {}
    for path in sorted((locale_dir() / lang / "LC_MESSAGES").glob("screens*.po")):
        with path.open("rb") as fh:
            merged.update({m.id: m.string for m in read_po(fh) if m.id})
    return merged


def test_screens_catalog_is_complete_and_has_no_strays():
    used = _used()
    assert "Pay invoices" in used and "I need more time" in used
    for lang in LANGUAGES:
        cat = _catalog(lang)
        # Screens may also show messages the core owns (e.g. the gateway's error texts).
        assert sorted(used - set(cat) - set(load_catalog(lang))) == [], lang
        assert sorted(set(cat) - used) == [], lang
        assert all(cat[m] for m in cat), lang
        if lang == "en":
            assert all(cat[m] == m for m in cat)
        else:
            # Placeholders survive translation.
            for m, t in cat.items():
                assert re.findall(r"{\w+}", m) == re.findall(r"{\w+}", t), (lang, m)
