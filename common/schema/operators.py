"""The librarian's desk on the wire (docs/architecture.md, "Operators"): operator sign-in and
sessions, lookup by person after an ID check, card reversals and the desk's audit events.

Requests on an operator's behalf carry `X-Operator-Session: <session>` beside the kiosk's bearer
token. A personal code travels only in a request body, never in a URL, a log or an answer (answers
carry it masked).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from common.schema.base import RequestModel, ResponseModel
from common.schema.fields import ClientTxnId, Identifier, MaskedText, UtcDatetime
from common.schema.invoices import InvoiceView
from common.schema.payments import TerminalRef

OperatorRole = Literal["librarian", "coordinator"]
IdDocument = Literal["id-card", "passport", "residence-permit", "driving-licence", "other"]
ID_DOCUMENTS: tuple[IdDocument, ...] = ("id-card", "passport", "residence-permit", "driving-licence", "other")
# What a kiosk may add to the gateway's audit of the desk; the gateway writes the other kinds itself.
ReportedEvent = Literal["take-over"]


# --- operators and sessions ---------------------------------------------------------------


class OperatorListing(ResponseModel):
    """One operator of the kiosk's location, for the desk's sign-in list."""

    name: str
    role: OperatorRole
    locked: bool = Field(description="too many wrong PINs: signing in is refused for a while")


class OperatorList(ResponseModel):
    operators: list[OperatorListing]


class OperatorSessionRequest(RequestModel):
    operator: Identifier = Field(min_length=1, max_length=120)
    # Any text is accepted here: a PIN of the wrong shape is simply wrong, and counts as such.
    pin: str = Field(min_length=1, max_length=64)


class OperatorView(ResponseModel):
    name: str
    role: OperatorRole
    location: str


class OperatorSessionView(ResponseModel):
    session: str = Field(description="send as X-Operator-Session; shown once, stored hashed")
    expires_at: UtcDatetime
    operator: OperatorView


# --- lookup by person ---------------------------------------------------------------------


class PersonSearchRequest(RequestModel):
    personal_code: str = Field(min_length=1, max_length=20)
    id_document: IdDocument = Field(description="the document the librarian checked")
    reason: MaskedText = Field(min_length=3, max_length=200, description="why the person is looked up (audited)")


class PersonView(ResponseModel):
    name: str = Field(description="the full name: only an operator after an ID check sees it")
    personal_code_masked: str
    deceased: bool


class PersonSearchResponse(ResponseModel):
    found: bool
    person: PersonView | None = None
    invoices: list[InvoiceView] = Field(description="the person's open invoices (balance above zero)")


# --- reversals, audit -----------------------------------------------------------


class ReversalRequest(RequestModel):
    """A same-day card payment the terminal reversed (Reversal) at the operator's request."""

    client_txn_id: ClientTxnId = Field(description="the original payment's")
    reason: MaskedText = Field(min_length=3, max_length=200)
    reversed_at: UtcDatetime
    terminal: TerminalRef | None = None


class Reversal(ResponseModel):
    reversal_id: str
    payment_id: str
    client_txn_id: str
    amount_cents: int
    reason: str
    operator: str
    reversed_at: UtcDatetime
    recorded_at: UtcDatetime


class OperatorEventRequest(RequestModel):
    """Something the desk did that belongs in the gateway's audit, e.g. taking over a resident's visit."""

    client_event_id: ClientTxnId
    kind: ReportedEvent
    occurred_at: UtcDatetime
    detail: MaskedText = Field(default="", max_length=200, description="no personal data")


class OperatorEvent(ResponseModel):
    event_id: int
    kind: str
    operator: str
    occurred_at: UtcDatetime
