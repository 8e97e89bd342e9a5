"""What every API model shares: the path prefix, the headers, and the two base classes.

Request models forbid unknown fields, so a typo is a 422 naming the field and the Idempotency-Key
fingerprint covers every field the server reads. Response models ignore unknown fields, so an older
kiosk keeps working with a newer gateway (docs/architecture.md, "API rules").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

API_PREFIX = "/api/v1"
PROBLEM_MEDIA_TYPE = "application/problem+json"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
OPERATOR_SESSION_HEADER = "X-Operator-Session"
# The posting proof a payment intent made on an operator session answers: it lets the kiosk post
# that payment's cash after the session ended (docs/architecture.md, "Operators").
POSTING_PROOF_HEADER = "X-Posting-Proof"


class RequestModel(BaseModel):
    """A request body: unknown fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    """An answer: unknown fields are ignored, so a newer gateway may add some."""

    model_config = ConfigDict(extra="ignore")
