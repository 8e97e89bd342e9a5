"""Cash shifts and cash handovers on the wire: the float counted in, the cash counted out per euro
note and coin, and the cash handed to the collector (docs/architecture.md, "Counters, shifts and
statistics")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field, field_validator

from common.desk_counters import DENOMINATIONS
from common.schema.base import RequestModel, ResponseModel
from common.schema.fields import ClientTxnId, Identifier, MaskedText

MAX_CASH = 10_000_000  # 100 000 € in one drawer is a typing error, not a library's till


class ShiftOpenIn(RequestModel):
    client_shift_id: ClientTxnId
    float_cents: int = Field(ge=0, le=MAX_CASH)


class Counted(RequestModel):
    """How many of one euro note or coin were counted."""

    value_cents: int = Field(description="a euro note or coin, in cents")
    count: int = Field(ge=0, le=100_000)

    @field_validator("value_cents")
    @classmethod
    def _euro(cls, value: int) -> int:
        if value not in DENOMINATIONS:
            raise ValueError("not a euro note or coin")
        return value


class ShiftCloseIn(RequestModel):
    counted: list[Counted] = Field(max_length=len(DENOMINATIONS))
    difference_reason: MaskedText = Field(default="", max_length=500)


class HandoverIn(RequestModel):
    client_handover_id: ClientTxnId
    shift_id: Identifier | None = Field(default=None, max_length=40)
    amount_cents: int = Field(gt=0, le=MAX_CASH)
    bag_no: Identifier = Field(min_length=1, max_length=40)
    seal_no: Identifier = Field(default="", max_length=40)
    receipt_from: Identifier = Field(default="", max_length=64)
    receipt_to: Identifier = Field(default="", max_length=64)
    collector_name: Identifier = Field(min_length=1, max_length=120)
    handed_at: AwareDatetime


class MethodSum(ResponseModel):
    count: int
    cents: int


class CountedOut(ResponseModel):
    """One denomination of a closed shift's count, as it was recorded."""

    value_cents: int
    count: int


class ShiftOut(ResponseModel):
    shift_id: str
    client_shift_id: str
    status: Literal["open", "closed"]
    location: str
    opened_by: str
    opened_at: datetime
    float_cents: int
    over_midnight: bool = Field(description="still open on a later (Riga) day than it was opened")
    card_payments: MethodSum
    cash_payments: MethodSum
    refunds: MethodSum = Field(description="card payments reversed through the terminal during the shift")
    handovers_cents: int
    expected_cash_cents: int
    closed_by: str | None = None
    closed_at: datetime | None = None
    counted_cash_cents: int | None = None
    difference_cents: int | None = None
    difference_reason: str | None = None
    counted: list[CountedOut] = Field(default_factory=list)


class HandoverOut(ResponseModel):
    handover_id: str
    client_handover_id: str
    shift_id: str | None
    location: str
    amount_cents: int
    bag_no: str
    seal_no: str
    receipt_from: str
    receipt_to: str
    collector_name: str
    handed_by: str
    handed_at: datetime
