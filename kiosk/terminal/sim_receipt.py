"""The simulated terminal's own receipt lines, as a real terminal prints them.

A real terminal prints the local date and time of the place it stands in, and its own texts in
the language asked for in the Payment request (nexo `TransactionConditions.CustomerLanguage`),
falling back to English. The kiosk prints these lines unchanged (docs/architecture.md, "Card
terminal" and "Receipts"), so the simulator must behave the same: one local time on the whole
slip, the card part in the resident's language. These are the terminal's texts, not the kiosk's
catalogs (a real terminal has its own translations).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote, urlencode

# The terminal's own label texts: English (the fallback), Latvian, Russian.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "cardholderHeader": "CARDHOLDER COPY", "merchantTitle": "MERCHANT COPY",
        "txdate": "Date", "txtime": "Time", "pan": "Card", "cardType": "Card type",
        "posEntryMode": "Entry mode", "contactless": "Contactless", "aid": "AID", "tid": "TID",
        "authCode": "Auth. code", "txRef": "Tender", "mref": "Reference", "totalAmount": "TOTAL",
        "approved": "APPROVED", "partial": "PARTIALLY APPROVED",
        "retain": "Please retain for your records", "refundTitle": "REFUND",
    },
    "lv": {
        "cardholderHeader": "KARTES ĪPAŠNIEKA KOPIJA", "merchantTitle": "TIRGOTĀJA KOPIJA",
        "txdate": "Datums", "txtime": "Laiks", "pan": "Karte", "cardType": "Kartes veids",
        "posEntryMode": "Ievade", "contactless": "Bezkontakta", "aid": "AID", "tid": "TID",
        "authCode": "Autoriz. kods", "txRef": "Darījums", "mref": "Atsauce", "totalAmount": "KOPĀ",
        "approved": "APSTIPRINĀTS", "partial": "DAĻĒJI APSTIPRINĀTS",
        "retain": "Lūdzu, saglabājiet šo čeku", "refundTitle": "ATMAKSA",
    },
    "ru": {
        "cardholderHeader": "КОПИЯ ДЕРЖАТЕЛЯ КАРТЫ", "merchantTitle": "КОПИЯ ПРОДАВЦА",
        "txdate": "Дата", "txtime": "Время", "pan": "Карта", "cardType": "Тип карты",
        "posEntryMode": "Ввод", "contactless": "Бесконтактно", "aid": "AID", "tid": "TID",
        "authCode": "Код авториз.", "txRef": "Транзакция", "mref": "Ссылка", "totalAmount": "ИТОГО",
        "approved": "ОДОБРЕНО", "partial": "ЧАСТИЧНО ОДОБРЕНО",
        "retain": "Пожалуйста, сохраните чек", "refundTitle": "ВОЗВРАТ",
    },
}


def customer_language(body: dict[str, Any]) -> str:
    """The language a Payment request asks for, if the terminal has it; else English."""
    conditions = (body.get("PaymentTransaction") or {}).get("TransactionConditions") or {}
    lang = str(conditions.get("CustomerLanguage") or "").lower()
    return lang if lang in LABELS else "en"


def line(name: str, value: str = "", key: str = "", bold: bool = False) -> dict[str, Any]:
    """One Adyen-style receipt line (`name=..&value=..&key=..`, URL-encoded)."""
    fields = {k: v for k, v in (("name", name), ("value", value), ("key", key)) if v}
    out: dict[str, Any] = {"Text": urlencode(fields, quote_via=quote), "EndOfLineFlag": True}
    if bold:
        out["CharacterStyle"] = "Bold"
    return out


def card_receipt(*, lang: str, when: datetime, tz: tzinfo, poi_id: str, auth: str, tender: str,
                 reference: str, total: str, partial: bool) -> list[dict[str, Any]]:
    """The cardholder copy: local date and time at the terminal, labels in `lang`."""
    t = LABELS.get(lang, LABELS["en"])
    local = when.astimezone(tz)
    return [
        line("", key="header1", bold=True),
        line(t["cardholderHeader"], key="cardholderHeader", bold=True),
        line(t["txdate"], local.strftime("%d.%m.%Y"), "txdate"),
        line(t["txtime"], local.strftime("%H:%M:%S"), "txtime"),
        line(t["pan"], "************3511", "pan"),
        line(t["cardType"], "mc", "cardType"),
        line(t["posEntryMode"], t["contactless"], "posEntryMode"),
        line(t["aid"], "A0000000041010", "aid"),
        line(t["tid"], poi_id, "tid"),
        line(t["authCode"], auth, "authCode"),
        line(t["txRef"], tender, "txRef"),
        line(t["mref"], reference, "mref"),
        line(t["totalAmount"], f"€ {total}", "totalAmount", bold=True),
        line(t["partial"] if partial else t["approved"], key="approved", bold=True),
        line(t["retain"], key="retain"),
    ]


def merchant_copy(receipt: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    t = LABELS.get(lang, LABELS["en"])
    return [*receipt[:1], line(t["merchantTitle"], key="merchantTitle", bold=True), *receipt[2:]]


def refund_receipt(*, lang: str, total: str) -> list[dict[str, Any]]:
    t = LABELS.get(lang, LABELS["en"])
    return [line(t["refundTitle"], key="refundTitle", bold=True),
            line(t["pan"], "************3511", "pan"),
            line(t["totalAmount"], f"€ -{total}", "totalAmount", bold=True)]
