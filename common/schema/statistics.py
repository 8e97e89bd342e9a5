"""The municipality's statistics on the wire: per location and day, month or year, the counts per
column and the payment sums by card and in cash (docs/architecture.md, "Counters, shifts and
statistics")."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from common.schema.base import ResponseModel

StatisticsGroup = Literal["day", "month", "year"]


class PaymentSums(ResponseModel):
    card_count: int = 0
    card_cents: int = 0
    cash_count: int = 0
    cash_cents: int = 0


class StatisticsRow(ResponseModel):
    location: str
    period: str = Field(description="YYYY-MM-DD, YYYY-MM or YYYY; 'total' for the whole range")
    counts: dict[str, int]
    payments: PaymentSums


class Statistics(ResponseModel):
    # `from` and `to` are Python keywords: the fields carry them as aliases, and either name fills them.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    location: str | None
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    group: StatisticsGroup
    columns: list[str]
    locations: dict[str, str] = Field(description="code -> name of every location in the answer")
    rows: list[StatisticsRow]
    totals: list[StatisticsRow] = Field(description="one row per location for the whole range")
