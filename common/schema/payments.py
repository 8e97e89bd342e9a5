"""Payments on the wire: the reservation before the card moves (payment intents), the posting of an
approved payment, the lookup a recovery asks, and the card terminal's day-end totals
(docs/architecture.md, "Money and receipt states" and "Operations").

Money is int euro cents; times are RFC 3339 UTC.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from common.schema.base import RequestModel, ResponseModel
from common.schema.fields import Cents, ClientTxnId, Identifier, UtcDatetime
from common.schema.invoices import ServiceType

DEFAULT_INTENT_TTL_S = 600
IntentStatus = Literal["active", "released", "consumed", "expired"]


# --- payment intents (reservations) -------------------------------------------------------


class IntentItemIn(RequestModel):
    """One invoice to reserve: by the invoice_id a search returned, or notice + check value."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"required": ["invoice_id"], "properties": {"invoice_id": {"type": "string"}}},
        {"required": ["notice_number", "check_value"],
         "properties": {"notice_number": {"type": "string"}, "check_value": {"type": "string"}}},
    ]})

    invoice_id: Identifier | None = Field(default=None, max_length=40)
    notice_number: str | None = Field(default=None, max_length=40)
    check_value: str | None = Field(default=None, max_length=20)
    amount_cents: Cents

    @model_validator(mode="after")
    def _identified(self) -> IntentItemIn:
        if self.invoice_id is None and (self.notice_number is None or self.check_value is None):
            raise PydanticCustomError("invoice-unidentified", "give invoice_id, or notice_number and check_value")
        return self


class PaymentIntentRequest(RequestModel):
    client_txn_id: ClientTxnId
    items: list[IntentItemIn] = Field(min_length=1, max_length=20)
    ttl_s: StrictInt = Field(default=DEFAULT_INTENT_TTL_S, ge=1, le=3600)


class IntentItemOut(ResponseModel):
    invoice_id: str
    notice_number: str
    service: ServiceType
    creditor_id: str
    amount_cents: int


class PaymentIntent(ResponseModel):
    intent_id: str
    client_txn_id: str
    status: IntentStatus
    created_at: UtcDatetime
    expires_at: UtcDatetime
    total_cents: int
    items: list[IntentItemOut]
    posting_proof: str | None = Field(
        default=None, description="made on an operator session: sent as X-Posting-Proof, it lets this "
        "payment's cash post after the session ended, for a bounded time")


class IntentReleaseRequest(RequestModel):
    client_txn_id: ClientTxnId


# --- payments -----------------------------------------------------------------------------


class TerminalRef(RequestModel):
    """What the card terminal said (never a PAN: last 4 digits at most)."""

    terminal_id: Identifier | None = Field(default=None, max_length=64)
    transaction_id: Identifier | None = Field(default=None, max_length=128)
    approval_code: Identifier | None = Field(default=None, max_length=32)
    card_last4: str | None = Field(default=None, pattern=r"^\d{4}$")
    card_brand: Identifier | None = Field(default=None, max_length=32)
    acquirer_batch: Identifier | None = Field(default=None, max_length=64)
    service_id: Identifier | None = Field(default=None, max_length=32)


class AllocationIn(RequestModel):
    invoice_id: Identifier = Field(max_length=40)
    amount_cents: Cents


class PaymentRequest(RequestModel):
    """An approved payment. Once money moved the gateway never refuses it for a business reason."""

    client_txn_id: ClientTxnId
    method: Literal["card", "cash"]
    amount_cents: Cents
    approved_at: UtcDatetime
    allocations: list[AllocationIn] | None = Field(
        default=None, max_length=20, description="default: the items of the client_txn_id's intent"
    )
    terminal: TerminalRef | None = None
    receipt_no: Identifier | None = Field(default=None, max_length=64)


class AllocationOut(ResponseModel):
    invoice_id: str
    notice_number: str
    service: ServiceType
    creditor_id: str
    amount_cents: int


class Payment(ResponseModel):
    payment_id: str
    client_txn_id: str
    intent_id: str | None
    method: Literal["card", "cash"]
    amount_cents: int
    allocated_cents: int
    credit_cents: int = Field(description="overpayment kept as credit for staff to resolve")
    needs_review: bool
    flags: list[str] = Field(description="why staff must look, e.g. intent-expired, late-conflict")
    allocations: list[AllocationOut]
    approved_at: UtcDatetime
    posted_at: UtcDatetime
    receipt_no: str | None = None


class PaymentLookupRequest(RequestModel):
    client_txn_id: ClientTxnId


class PaymentLookupResponse(ResponseModel):
    client_txn_id: str
    found: bool
    payment: Payment | None = None
    intent: PaymentIntent | None = None


# --- terminal reconciliation at day end (docs/architecture.md, "Operations") ---------------


class TerminalTotal(RequestModel):
    """One line of the card terminal's Reconciliation totals (per brand and currency)."""

    brand: Identifier = Field(max_length=32)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    count: int = Field(strict=True, ge=0, le=1_000_000)
    amount_cents: int = Field(strict=True, ge=0, le=99_999_999_999)


class TerminalReconciliationReport(RequestModel):
    """What the terminal's Reconciliation said at day end, for the Riga day `business_date`."""

    terminal_id: Identifier = Field(min_length=1, max_length=64)
    reconciliation_id: Identifier = Field(min_length=1, max_length=64, description="the terminal's POIReconciliationID")
    business_date: date
    reconciled_at: UtcDatetime
    totals: list[TerminalTotal] = Field(max_length=50)


class TerminalReconciliationAck(ResponseModel):
    business_date: date
    card_count: int = Field(description="EUR transactions in the report")
    card_cents: int
    received_at: UtcDatetime
