"""Invoices on the wire: a search by notice number and check value (typed or scanned) and the
invoice as the resident's paper shows it (docs/architecture.md, "API rules")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from common.schema.base import RequestModel, ResponseModel

ServiceType = Literal["property-tax", "water", "waste", "rent"]
InvoiceStatus = Literal["unpaid", "partly-paid", "paid"]


class InvoiceSearchRequest(RequestModel):
    """Either notice_number + check_value (as typed), or the text of a scanned code."""

    # The OpenAPI document states the rule `_one_way` and the server keep (docs/architecture.md,
    # "API rules"): the typed pair, or the scan alone.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"oneOf": [
        {"required": ["notice_number", "check_value"],
         "properties": {"notice_number": {"type": "string"}, "check_value": {"type": "string"},
                        "scanned": {"type": "null"}}},
        {"required": ["scanned"],
         "properties": {"scanned": {"type": "string"}, "notice_number": {"type": "null"},
                        "check_value": {"type": "null"}}},
    ]})

    notice_number: str | None = Field(default=None, max_length=40)
    check_value: str | None = Field(default=None, max_length=20)
    scanned: str | None = Field(default=None, max_length=600)

    @model_validator(mode="after")
    def _one_way(self) -> InvoiceSearchRequest:
        # A missing notice or check value is answered by the server as notice-/check-malformed.
        if self.scanned is not None and (self.notice_number is not None or self.check_value is not None):
            raise PydanticCustomError("search-ambiguous", "give notice_number and check_value, or scanned")
        return self


class CreditorView(ResponseModel):
    id: str
    name: str
    reg_no: str
    iban: str


class InstalmentView(ResponseModel):
    seq: int
    due_date: date
    amount_cents: int
    paid_cents: int


class LastPaymentView(ResponseModel):
    """A paid invoice's latest payment at a kiosk or desk: when, where, and its receipt, so the
    resident who finds it paid learns where (docs/architecture.md, "Screens")."""

    paid_at: datetime
    place: str = Field(description="the library's name, as residents know it")
    receipt_no: str | None = None


class InvoiceView(ResponseModel):
    """An invoice as the resident's paper shows it: no personal code, no street address."""

    invoice_id: str
    notice_number: str
    service: ServiceType
    creditor: CreditorView
    period_start: date
    period_end: date
    due_date: date = Field(description="due date of the instalment due now")
    total_cents: int
    paid_cents: int
    balance_cents: int = Field(description="everything still unpaid")
    due_now_cents: int = Field(description="overdue + current instalment, what to pay today")
    status: InvoiceStatus
    payer_masked: str = Field(description="e.g. 'J*** B*****S'")
    object_kind: Literal["cadastral", "object"]
    object_ref: str = Field(description="cadastral number (11 digits) or object reference")
    instalments: list[InstalmentView]
    last_payment: LastPaymentView | None = Field(default=None, description="only when paid")


class InvoiceSearchResponse(ResponseModel):
    invoices: list[InvoiceView]
