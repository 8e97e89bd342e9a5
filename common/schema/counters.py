"""The desk's counter taps on the wire: a consultation, a call, a letter, a document or a client
served, counted once per client id (docs/architecture.md, "Counters, shifts and statistics")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from common.desk_counters import EVENT_KINDS
from common.schema.base import RequestModel, ResponseModel
from common.schema.fields import ClientTxnId, MaskedText

ServiceEventKind = Literal["client-served", "consultation", "call", "letter", "document-received", "document-sent"]
ConsultationCategory = Literal["state-services", "municipal-services", "e-address-and-computer", "other"]
assert set(EVENT_KINDS) == set(ServiceEventKind.__args__)  # type: ignore[attr-defined]  # one vocabulary


class ServiceEventIn(RequestModel):
    client_event_id: ClientTxnId
    kind: ServiceEventKind
    category: ConsultationCategory | None = None
    occurred_at: AwareDatetime
    note: MaskedText = Field(default="", max_length=500)


class ServiceEventOut(ResponseModel):
    client_event_id: str
    kind: str
    category: str | None
    occurred_at: datetime
    note: str
    location: str
    operator: str
    recorded_at: datetime
    undone_at: datetime | None
