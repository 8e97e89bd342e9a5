"""The pieces every paper shares: the header, the bilingual title, the demo banner, the cut, and
local time. Kept apart from `printer.compose` so the layouts of one kind of paper can live in their
own module (printer.application_layout) without an import cycle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.clock import RIGA
from common.i18n import gettext
from printer.documents import Header
from printer.layout import Layout


def tr(msgid: str, lang: str, **params: Any) -> str:
    """Fixed wording from the printer catalog."""
    return gettext(msgid, lang, **params)


def local(dt: datetime) -> str:
    return dt.astimezone(RIGA).strftime("%d.%m.%Y %H:%M")


def demo_banner(lay: Layout, lang: str, demo: bool) -> None:
    if demo:
        lay.text("*** DEMO ***", align="center", bold=True)
        lay.text(tr("Demonstration: not a real document", lang), align="center")


def header(lay: Layout, h: Header, lang: str, demo: bool) -> None:
    demo_banner(lay, lang, demo)
    lay.text(h.municipality, align="center", bold=True)
    lay.text(h.location, align="center")
    lay.rule("=")


def title(lay: Layout, msgid: str, lang: str) -> None:
    # The Latvian title is the document's name; a translation is added under it for other languages.
    lay.text(tr(msgid, "lv"), align="center", bold=True, size="tall")
    if lang != "lv":
        lay.text(tr(msgid, lang), align="center")


def finish(lay: Layout, lang: str, demo: bool, *, partial: bool = True) -> None:
    demo_banner(lay, lang, demo)
    lay.feed(2)
    lay.cut(partial)
