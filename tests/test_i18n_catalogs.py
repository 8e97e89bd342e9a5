"""Every message is translated in every catalog, and every message the code uses is in them."""

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from common.i18n import LANGUAGES, catalog_files, gettext, load_catalog

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = ["kiosk", "screens", "printer", "gateway"]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "tr": None}
KV_CALL = re.compile(r"""\b(?:_|tr|gettext)\(\s*(["'])(.+?)(?<!\\)\1""")


def _messages_in_code() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in CODE_DIRS:
        base = ROOT / folder
        if not base.exists():
            continue
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
            str(base), method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=(), strip_comment_tags=True,
        ):
            msg = message if isinstance(message, str) else message[0]
            if msg:
                found.setdefault(msg, f"{folder}/{filename}:{lineno}")
        for kv in base.rglob("*.kv"):
            for n, line in enumerate(kv.read_text(encoding="utf-8").splitlines(), 1):
                for m in KV_CALL.finditer(line):
                    found.setdefault(m.group(2), f"{kv.relative_to(ROOT)}:{n}")
    return found


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_files_parse_and_are_complete(lang: str) -> None:
    files = catalog_files(lang)
    assert files, f"no catalogs for {lang}"
    for path in files:
        with path.open("rb") as fh:
            cat = read_po(fh)
        for msg in cat:
            if not msg.id:
                continue
            assert msg.string, f"{path.name}: untranslated {msg.id!r}"
            assert not msg.fuzzy, f"{path.name}: fuzzy {msg.id!r}"
            assert _placeholders(msg.id) == _placeholders(msg.string), (
                f"{path.name}: placeholders differ in {msg.id!r}")


def test_all_languages_have_the_same_messages() -> None:
    ids = {lang: set(load_catalog(lang)) for lang in LANGUAGES}
    for lang in LANGUAGES:
        assert ids[lang] == ids["lv"], (
            f"{lang} vs lv: missing {sorted(ids['lv'] - ids[lang])[:10]}, "
            f"extra {sorted(ids[lang] - ids['lv'])[:10]}")


def test_no_conflicting_duplicates_across_files() -> None:
    for lang in LANGUAGES:
        seen: dict[str, tuple[str, str]] = {}
        for path in catalog_files(lang):
            with path.open("rb") as fh:
                for msg in read_po(fh):
                    if not msg.id:
                        continue
                    if msg.id in seen and seen[msg.id][1] != msg.string:
                        pytest.fail(f"{lang}: {msg.id!r} differs in {seen[msg.id][0]} and {path.name}")
                    seen[msg.id] = (path.name, msg.string)


def test_every_message_in_code_is_in_the_catalogs() -> None:
    lv = load_catalog("lv")
    missing = {msg: where for msg, where in _messages_in_code().items() if msg not in lv}
    assert not missing, "not in the catalogs: " + "; ".join(
        f"{where}: {msg!r}" for msg, where in sorted(missing.items())[:20])


def test_latvian_is_the_default_and_really_latvian() -> None:
    lv = load_catalog("lv")
    text = " ".join(lv.values())
    for letter in "āēīūčšž":
        assert letter in text
    assert gettext("Pay invoices") == gettext("Pay invoices", "lv") != "Pay invoices"
