"""The gateway's tables (SQLAlchemy 2 ORM). Alembic migrations in gateway/migrations mirror this.

Times are stored as UTC; on SQLite (no time zones) as naive UTC, read back as aware UTC.
Money is integer cents. Payers carry `payer_ref`, a keyed hash of their personal code, never the
code itself (docs/architecture.md, "Operators").
"""

from __future__ import annotations

from gateway.models.base import NAMING, Base, UtcDateTime
from gateway.models.core import (
    Allocation,
    ApplicationRow,
    Creditor,
    FailedCheck,
    IdempotencyRecord,
    Instalment,
    IntentItem,
    Invoice,
    InvoiceFind,
    Kiosk,
    Location,
    Payer,
    PaymentIntentRow,
    PaymentRow,
    RegistrationCounter,
)
from gateway.models.desk import (
    CashHandover,
    Coordinator,
    CoordinatorSession,
    Operator,
    OperatorEventRow,
    OperatorSessionRow,
    PaymentOperator,
    PaymentReversal,
    PersonSearch,
    PostingProof,
    ServiceEvent,
    SessionInvoiceFind,
    Shift,
    SignInFailure,
)
from gateway.models.ops import (
    KioskKey,
    KioskStatusRow,
    TerminalReconciliation,
)

__all__ = [
    "NAMING",
    "Allocation",
    "ApplicationRow",
    "Base",
    "CashHandover",
    "Coordinator",
    "CoordinatorSession",
    "Creditor",
    "FailedCheck",
    "IdempotencyRecord",
    "Instalment",
    "IntentItem",
    "Invoice",
    "InvoiceFind",
    "Kiosk",
    "KioskKey",
    "KioskStatusRow",
    "Location",
    "Operator",
    "OperatorEventRow",
    "OperatorSessionRow",
    "Payer",
    "PaymentIntentRow",
    "PaymentOperator",
    "PaymentReversal",
    "PaymentRow",
    "PersonSearch",
    "PostingProof",
    "RegistrationCounter",
    "ServiceEvent",
    "SessionInvoiceFind",
    "Shift",
    "SignInFailure",
    "TerminalReconciliation",
    "UtcDateTime",
]
