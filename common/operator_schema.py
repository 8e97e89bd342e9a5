"""The API models of the librarian's desk, which the kiosk and the gateway share (docs/architecture.md,
"Operators"): operator sign-in and sessions, lookup by person after an ID check, identity
confirmation, card reversals and the desk's audit events.

Requests on an operator's behalf carry `X-Operator-Session: <session>` beside the kiosk's bearer
token. A personal code travels only in a request body, never in a URL, a log or an answer (answers
carry it masked).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from common.schema import ClientTxnId, Identifier, InvoiceView, MaskedText, TerminalRef, UtcDatetime

OPERATOR_SESSION_HEADER = "X-Operator-Session"
# The posting proof a payment intent made on an operator session answers: it lets the kiosk post
# that payment's cash after the session ended (docs/architecture.md, "Operators").
POSTING_PROOF_HEADER = "X-Posting-Proof"

OperatorRole = Literal["librarian", "coordinator"]
IdDocument = Literal["id-card", "passport", "residence-permit", "driving-licence", "other"]
ID_DOCUMENTS: tuple[IdDocument, ...] = ("id-card", "passport", "residence-permit", "driving-licence", "other")
# What a kiosk may add to the gateway's audit of the desk; the gateway writes the other kinds itself.
ReportedEvent = Literal["take-over"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- operators and sessions ---------------------------------------------------------------


class OperatorListing(_Out):
    """One operator of the kiosk's location, for the desk's sign-in list."""

    name: str
    role: OperatorRole
    locked: bool = Field(description="too many wrong PINs: signing in is refused for a while")


class OperatorList(_Out):
    operators: list[OperatorListing]


class OperatorSessionRequest(_In):
    operator: Identifier = Field(min_length=1, max_length=120)
    # Any text is accepted here: a PIN of the wrong shape is simply wrong, and counts as such.
    pin: str = Field(min_length=1, max_length=64)


class OperatorView(_Out):
    name: str
    role: OperatorRole
    location: str


class OperatorSessionView(_Out):
    session: str = Field(description="send as X-Operator-Session; shown once, stored hashed")
    expires_at: UtcDatetime
    operator: OperatorView


# --- lookup by person ---------------------------------------------------------------------


class PersonSearchRequest(_In):
    personal_code: str = Field(min_length=1, max_length=20)
    id_document: IdDocument = Field(description="the document the librarian checked")
    reason: MaskedText = Field(min_length=3, max_length=200, description="why the person is looked up (audited)")


class PersonView(_Out):
    name: str = Field(description="the full name: only an operator after an ID check sees it")
    personal_code_masked: str
    deceased: bool


class PersonSearchResponse(_Out):
    found: bool
    person: PersonView | None = None
    invoices: list[InvoiceView] = Field(description="the person's open invoices (balance above zero)")


# --- identity, reversals, audit -----------------------------------------------------------


class IdentityConfirmationRequest(_In):
    """The librarian checked the applicant's ID: the confirming operator is the session's."""

    registration_no: Identifier = Field(min_length=1, max_length=20)
    id_document: IdDocument | None = None
    # Older kiosks sent their own operator id; it is ignored (the session names the operator).
    operator_id: Identifier | None = Field(default=None, max_length=64)


class ApplicationConfirmed(_Out):
    application_id: str
    registration_no: str
    status: Literal["received", "awaiting_identity"]
    service_code: str


class ReversalRequest(_In):
    """A same-day card payment the terminal reversed (Reversal) at the operator's request."""

    client_txn_id: ClientTxnId = Field(description="the original payment's")
    reason: MaskedText = Field(min_length=3, max_length=200)
    reversed_at: UtcDatetime
    terminal: TerminalRef | None = None


class Reversal(_Out):
    reversal_id: str
    payment_id: str
    client_txn_id: str
    amount_cents: int
    reason: str
    operator: str
    reversed_at: UtcDatetime
    recorded_at: UtcDatetime


class OperatorEventRequest(_In):
    """Something the desk did that belongs in the gateway's audit, e.g. taking over a resident's visit."""

    client_event_id: ClientTxnId
    kind: ReportedEvent
    occurred_at: UtcDatetime
    detail: MaskedText = Field(default="", max_length=200, description="no personal data")


class OperatorEvent(_Out):
    event_id: int
    kind: str
    operator: str
    occurred_at: UtcDatetime
