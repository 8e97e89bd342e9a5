"""Posting proofs: the gateway's word that a payment's intent was made on a valid operator session,
so that its cash may be posted after the session ended (docs/architecture.md, "Operators").

Cash is taken at the desk and its posting may wait in the kiosk's outbox until the desk locked
("Money and receipt states"). The gateway decides on its own clock: it issues the proof when it
reserves the invoices on a session open now, binds it to the kiosk, the payment (`client_txn_id`),
the amount and the operator, and accepts it until `OperatorPolicy.posting_proof_ttl` has passed.
Nothing the kiosk says about when the cash was taken can widen that. The token is random and
stored as SHA-256 only; the intent's stored answer under its Idempotency-Key repeats it, so a
kiosk that lost the answer gets the same proof again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from common.schema import PaymentRequest
from gateway.models import Kiosk, Operator, PaymentIntentRow, PostingProof
from gateway.services.operator_sessions import OperatorContext


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(db: Session, intent_id: str, operator: OperatorContext, amount_cents: int, now: datetime,
          ttl: timedelta) -> str:
    """A new proof for this intent on the operator's session (valid now); returns its token."""
    # Expired proofs decide nothing any more; dropping them here keeps the table small.
    db.execute(delete(PostingProof).where(PostingProof.expires_at <= now))
    token = secrets.token_urlsafe(32)
    db.add(PostingProof(intent_id=intent_id, token_sha256=_hash(token), operator_id=operator.operator_id,
                        session_id=operator.session_id, amount_cents=amount_cents, expires_at=now + ttl))
    return token


def operator_for(db: Session, kiosk: Kiosk, token: str, req: PaymentRequest, now: datetime) -> OperatorContext | None:
    """The operator whose session the proof was issued on, when it covers this posting now: this
    kiosk's intent for the same `client_txn_id`, the same amount, not expired, and the operator
    still enabled and of the kiosk's location. None otherwise."""
    proof = db.execute(select(PostingProof).where(PostingProof.token_sha256 == _hash(token))).scalar_one_or_none()
    if proof is None or now >= proof.expires_at or proof.amount_cents != req.amount_cents:
        return None
    intent = db.get(PaymentIntentRow, proof.intent_id)
    if intent is None or intent.kiosk_id != kiosk.id or intent.client_txn_id != req.client_txn_id:
        return None
    op = db.get(Operator, proof.operator_id)
    if op is None or op.disabled or op.location_code != kiosk.location_code:
        return None
    return OperatorContext(session_id=proof.session_id, operator_id=op.id, name=op.name, role=op.role,
                           location_code=op.location_code, kiosk_id=kiosk.id, expires_at=proof.expires_at)
