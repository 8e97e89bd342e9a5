"""The /admin/ page's presentation: the Jinja2 templates (gateway/templates/admin), their texts
from the catalogs (admin.po, English msgids here), the stylesheet, and number formatting.

Sizes are in rem and the tables scroll inside their own box, so the page reads at 200 % zoom
(docs/architecture.md, "The municipality's statistics page").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape

from common.desk_counters import COLUMN_LABELS, COLUMNS
from common.i18n import LANGUAGES, N_, gettext
from common.money import format_eur

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

TEXTS: dict[str, str] = {
    "title": N_("Library statistics"),
    "intro": N_("Clients, documents, payments, applications, consultations, letters and calls of the "
                "municipality's libraries, counted from the work itself."),
    "sign_in": N_("Sign in"),
    "name": N_("Name"),
    "password": N_("Password"),
    "wrong": N_("Wrong name or password."),
    "locked": N_("Too many wrong passwords: the account is locked for 15 minutes."),
    "csrf": N_("The form has expired or did not come from this page. Please try again."),
    "too_many": N_("Too many sign-in attempts. Please wait a few minutes and try again."),
    "busy": N_("The server is busy. Please try again in a moment."),
    "back": N_("Back"),
    "sign_out": N_("Sign out"),
    "signed_in_as": N_("Signed in as {name}"),
    "period": N_("Period"),
    "from": N_("From"),
    "to": N_("To"),
    "library": N_("Library"),
    "all_libraries": N_("All libraries"),
    "chart": N_("Chart"),
    "show": N_("Show"),
    "by_month": N_("By month: {measure}"),
    "by_library": N_("By library: {measure}"),
    "yearly": N_("Report for the period"),
    "monthly": N_("Monthly figures"),
    "month": N_("Month"),
    "total": N_("Total"),
    "csv": N_("Download CSV"),
    "card_cents": N_("Paid by card"),
    "cash_cents": N_("Paid in cash"),
    "too_long": N_("The period is too long. Choose at most ten years."),
    "language": N_("Language"),
    # The kiosks' heartbeats (docs/architecture.md, "Running unattended").
    "kiosks": N_("Kiosks"),
    "kiosk": N_("Kiosk"),
    "last_seen": N_("Last seen"),
    "problems": N_("Problems"),
    "version": N_("Version"),
    "kiosks_ok": N_("No problems"),
    "never-seen": N_("Has never reported"),
    "not-seen": N_("Not seen for 10 minutes"),
    "paper-out": N_("Out of paper"),
    "paper-near-end": N_("Paper running out"),
    "cover-open": N_("Printer cover open"),
    "printer-offline": N_("Printer does not answer"),
    "terminal-unreachable": N_("Card terminal unreachable"),
    "review-waiting": N_("Payments wait for a person"),
}
LANGUAGE_NAMES = {"lv": "Latviešu", "en": "English", "ru": "Русский"}


def column_label(column: str, lang: str) -> str:
    msgid = COLUMN_LABELS.get(column) or TEXTS.get(column, column)
    return gettext(msgid, lang)


def _eur(cents: int) -> str:
    return format_eur(cents)


def _number(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)
_env.filters["eur"] = _eur
_env.filters["number"] = _number


def render(template: str, *, lang: str, query: dict[str, str] | None = None, **context: Any) -> str:
    """The page in `lang`; `query`: this page's query, kept by the language links."""
    def t(key: str, **params: Any) -> str:
        return gettext(TEXTS[key], lang, **params)

    def lang_query(code: str) -> str:
        return urlencode({**(query or {}), "lang": code})

    return _env.get_template(f"admin/{template}").render(
        lang=lang, t=t, col=lambda c: column_label(c, lang), columns=COLUMNS, languages=LANGUAGES,
        language_names=LANGUAGE_NAMES, lang_query=lang_query, **context)


ADMIN_CSS = (TEMPLATES / "admin" / "admin.css").read_text(encoding="utf-8")
