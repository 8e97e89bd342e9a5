"""Translations: gettext `.po` catalogs under assets/locale/<lang>/LC_MESSAGES/*.po.

Each part of the product owns its own catalog file (core.po, screens.po, printer.po, ...); all the
files of one language are merged into one catalog. msgids are the English source texts; every
catalog, English included, carries a non-empty msgstr (a test checks it). Catalogs are read with
Babel at first use, so a checkout runs without a compile step.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common.paths import locale_dir

LANGUAGES: tuple[str, ...] = ("lv", "en", "ru")
DEFAULT_LANGUAGE = "lv"

_lock = threading.Lock()
_catalogs: dict[str, dict[str, str]] = {}


def catalog_files(lang: str, root: Path | None = None) -> list[Path]:
    base = (root or locale_dir()) / lang / "LC_MESSAGES"
    return sorted(base.glob("*.po"))


def load_catalog(lang: str, root: Path | None = None) -> dict[str, str]:
    """msgid -> msgstr for one language, merged from all its .po files (fuzzy entries skipped)."""
    from babel.messages.pofile import read_po

    merged: dict[str, str] = {}
    for path in catalog_files(lang, root):
        with path.open("rb") as fh:
            cat = read_po(fh, locale=None)
        for msg in cat:
            if not msg.id or msg.fuzzy:
                continue
            key = msg.id if isinstance(msg.id, str) else msg.id[0]
            value = msg.string if isinstance(msg.string, str) else (msg.string[0] if msg.string else "")
            if value:
                merged[key] = value
    return merged


def catalog(lang: str) -> dict[str, str]:
    with _lock:
        if lang not in _catalogs:
            _catalogs[lang] = load_catalog(lang)
        return _catalogs[lang]


def gettext(msgid: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """Translate msgid into lang; `{name}` placeholders are filled from params.

    A missing translation falls back to the English source (the test suite keeps that from
    happening in a release).
    """
    text = catalog(lang).get(msgid, msgid) if lang in LANGUAGES else msgid
    return text.format(**params) if params else text


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it now (translated where shown)."""
    return msgid


class Translator:
    """The visit's current language, with observers told when it changes.

    Observers are held weakly (bound methods via WeakMethod), so a screen that goes away takes its
    observer with it: a screen's translation observer can never keep it alive (docs/architecture.md,
    "Screens").
    """

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.lang = lang
        self._observers: list[weakref.ref[Any]] = []

    def _(self, msgid: str, /, **params: Any) -> str:
        return gettext(msgid, self.lang, **params)

    def switch(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}")
        self.lang = lang
        alive = []
        for ref in self._observers:
            fn = ref()
            if fn is not None:
                alive.append(ref)
                fn(lang)
        self._observers = alive

    def observe(self, fn: Callable[[str], None]) -> None:
        ref: weakref.ref[Any]
        ref = weakref.WeakMethod(fn) if hasattr(fn, "__self__") else weakref.ref(fn)
        self._observers.append(ref)

    @property
    def observer_count(self) -> int:
        return sum(1 for r in self._observers if r() is not None)
