"""A kiosk's health on the wire: the gateway's reachability answer and the heartbeat a kiosk
reports every minute (docs/architecture.md, "Running unattended")."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt

from common.personal_code import mask_codes
from common.schema.base import RequestModel, ResponseModel
from common.schema.fields import Identifier, MaskedText, UtcDatetime

PrinterStateName = Literal["ok", "paper_near_end", "paper_out", "cover_open", "offline", "unknown"]
KioskProblem = Literal["never-seen", "not-seen", "paper-out", "paper-near-end", "cover-open",
                       "printer-offline", "terminal-unreachable", "review-waiting"]


class Health(ResponseModel):
    status: Literal["ok"] = "ok"
    version: str
    time: UtcDatetime


class KioskStatusReport(RequestModel):
    """What a kiosk reports every minute. No personal data: counts, states and a short error
    summary (the logger's last ERROR line, never a payload)."""

    sent_at: UtcDatetime
    version: Annotated[Identifier, AfterValidator(mask_codes)] = Field(max_length=40)
    # Bounded by their columns (uptime BIGINT, the counts INTEGER): a larger number is a 422, not
    # a database error (docs/architecture.md, "API rules").
    uptime_s: StrictInt = Field(ge=0, le=2**53 - 1)
    printer_state: PrinterStateName
    terminal_reachable: StrictBool | None = Field(description="null: not checked (a payment was in flight)")
    outbox_len: StrictInt = Field(ge=0, le=2**31 - 1)
    review_len: StrictInt = Field(ge=0, le=2**31 - 1)
    last_error: MaskedText = Field(default="", max_length=200)


class KioskStatusAck(ResponseModel):
    received_at: UtcDatetime
    problems: list[KioskProblem]
