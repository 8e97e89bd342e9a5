"""What the desk counts and the municipality's statistics report, agreed by the kiosk and the
gateway: the service-event kinds and their categories, the statistics columns, the euro cash
denominations (docs/architecture.md, "Counters, shifts and statistics").

Payments and applications are columns too, but never service events: they are counted from their
own records, so nothing is entered twice.
"""

from __future__ import annotations

from typing import Final

from common.i18n import N_

CONSULTATION: Final = "consultation"
CONSULTATION_CATEGORIES: Final[tuple[str, ...]] = (
    "state-services", "municipal-services", "e-address-and-computer", "other",
)
# kind -> its categories (a kind without categories takes none).
EVENT_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "client-served": (),
    CONSULTATION: CONSULTATION_CATEGORIES,
    "call": (),
    "letter": (),
    "document-received": (),
    "document-sent": (),
}

PAYMENTS: Final = "payments"
APPLICATIONS: Final = "applications"
CONSULTATIONS: Final = "consultations"  # all consultation categories together


def event_column(kind: str, category: str | None) -> str:
    """The statistics column a service event counts in: `call`, `consultation:other`..."""
    return f"{kind}:{category}" if category else kind


# The columns of the statistics, in the yearly report's order: clients, documents received and
# sent, payments, applications, consultations (total, then per category), letters, calls.
COLUMNS: Final[tuple[str, ...]] = (
    "client-served", "document-received", "document-sent", PAYMENTS, APPLICATIONS, CONSULTATIONS,
    *(event_column(CONSULTATION, c) for c in CONSULTATION_CATEGORIES),
    "letter", "call",
)

# English msgids of the columns (the catalogs hold lv, en, ru); the desk's buttons use them too.
COLUMN_LABELS: Final[dict[str, str]] = {
    "client-served": N_("Clients served"),
    "document-received": N_("Documents received"),
    "document-sent": N_("Documents sent"),
    PAYMENTS: N_("Payments"),
    APPLICATIONS: N_("Applications"),
    CONSULTATIONS: N_("Consultations"),
    event_column(CONSULTATION, "state-services"): N_("Consultation: state services"),
    event_column(CONSULTATION, "municipal-services"): N_("Consultation: municipal services"),
    event_column(CONSULTATION, "e-address-and-computer"): N_("Consultation: e-address and computer"),
    event_column(CONSULTATION, "other"): N_("Consultation: other"),
    "letter": N_("Letters for the post"),
    "call": N_("Calls answered"),
}

# Euro notes and coins in cents, largest first (the desk's counting keypad and the close request).
DENOMINATIONS: Final[tuple[int, ...]] = (
    50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1,
)
NOTES: Final[tuple[int, ...]] = tuple(d for d in DENOMINATIONS if d >= 500)
COINS: Final[tuple[int, ...]] = tuple(d for d in DENOMINATIONS if d < 500)

UNDO_WINDOW_S: Final = 600  # a counter tap can be taken back for 10 minutes, by the same operator


def valid_event(kind: str, category: str | None) -> bool:
    """Whether `kind` exists and `category` is one of its categories (or none for a kind without)."""
    if kind not in EVENT_KINDS:
        return False
    categories = EVENT_KINDS[kind]
    return category in categories if categories else not category
