"""The nexo Terminal API driver (Adyen JSON dialect) over any `Transport`."""

from __future__ import annotations

import logging
from typing import Any

from common.clock import Clock, SystemClock
from common.money import from_major
from kiosk.terminal import messages
from kiosk.terminal.base import DiagnosisResult, OutcomeStatus, Reason, ReconciliationResult, TerminalOutcome
from kiosk.terminal.messages import ProtocolError
from kiosk.terminal.transport import AnswerLost, NotDelivered, Transport

log = logging.getLogger("kiosk.terminal")


class NexoDriver:
    """TerminalDriver for a nexo terminal. Never logs a raw message (card data inside)."""

    def __init__(self, transport: Transport, *, sale_id: str, poi_id: str,
                 payment_timeout_s: float = 130.0, side_timeout_s: float = 10.0,
                 clock: Clock | None = None) -> None:
        self.transport = transport
        self.sale_id = sale_id
        self.poi_id = poi_id
        self.payment_timeout_s = payment_timeout_s
        self.side_timeout_s = side_timeout_s
        self.clock = clock or SystemClock()

    def _ids(self) -> dict[str, str]:
        return {"sale_id": self.sale_id, "poi_id": self.poi_id}

    def _echoes(self, answer: dict[str, Any], service_id: str) -> bool:
        hdr = (answer.get("SaleToPOIResponse") or {}).get("MessageHeader") or {}
        return hdr.get("ServiceID") == service_id

    async def pay(self, service_id: str, amount_cents: int, *, sale_txn_id: str,
                  timeout_s: float | None = None, language: str = "") -> TerminalOutcome:
        request = messages.payment_request(
            service_id, amount_cents, sale_txn_id=sale_txn_id,
            timestamp=self.clock.now().isoformat(timespec="seconds"), language=language,
            **self._ids())
        base: dict[str, Any] = dict(service_id=service_id, sale_txn_id=sale_txn_id,
                                    requested_cents=amount_cents)
        try:
            answer = await self.transport.exchange(
                request, timeout_s=timeout_s or self.payment_timeout_s, lane="pay")
        except NotDelivered as exc:
            log.warning("payment %s not delivered: %s", service_id, exc)
            return TerminalOutcome(OutcomeStatus.NOT_FOUND, reason=Reason.TERMINAL_UNAVAILABLE,
                                   **base)
        except AnswerLost as exc:
            log.warning("payment %s answer lost: %s", service_id, exc)
            return TerminalOutcome(OutcomeStatus.UNKNOWN, reason=Reason.OUTCOME_UNKNOWN, **base)
        if answer is None:
            return TerminalOutcome(OutcomeStatus.UNKNOWN, reason=Reason.OUTCOME_UNKNOWN, **base)
        reject = messages.reject_detail(answer)
        if reject is not None:
            log.error("payment %s rejected by the terminal: %s", service_id, reject)
            return TerminalOutcome(OutcomeStatus.DECLINED, reason=Reason.TERMINAL_ERROR,
                                   error_condition="Reject", **base)
        try:
            if not self._echoes(answer, service_id):
                raise ProtocolError("answer for another ServiceID")
            outcome = messages.parse_payment(messages.response_body(answer, "Payment"),
                                             service_id=service_id, requested_cents=amount_cents)
        except (ProtocolError, ValueError) as exc:
            log.error("payment %s: unreadable answer (%s)", service_id, exc)
            return TerminalOutcome(OutcomeStatus.UNKNOWN, reason=Reason.OUTCOME_UNKNOWN, **base)
        log.info("payment %s", messages.log_summary(outcome, answer))
        return outcome

    async def abort(self, service_id_to_abort: str, new_service_id: str) -> None:
        request = messages.abort_request(service_id_to_abort, new_service_id, **self._ids())
        try:
            await self.transport.exchange(request, timeout_s=self.side_timeout_s)
        except (NotDelivered, AnswerLost) as exc:
            # The payment's own answer (or a status query) decides; an abort is only a wish.
            log.warning("abort %s of %s: %s", new_service_id, service_id_to_abort, exc)

    async def status(self, service_id_of_payment: str, new_service_id: str,
                     *, requested_cents: int = 0, category: str = "Payment",
                     transaction_id: str = "") -> TerminalOutcome:
        request = messages.status_request(service_id_of_payment, new_service_id,
                                          category=category, **self._ids())
        unknown = TerminalOutcome(OutcomeStatus.UNKNOWN, service_id=service_id_of_payment,
                                  requested_cents=requested_cents, reason=Reason.OUTCOME_UNKNOWN,
                                  transaction_id=transaction_id)
        try:
            answer = await self.transport.exchange(request, timeout_s=self.side_timeout_s)
        except (NotDelivered, AnswerLost) as exc:
            log.warning("status %s: %s", new_service_id, exc)
            return unknown
        if answer is None or messages.reject_detail(answer) is not None:
            return unknown
        try:
            outcome = messages.parse_status(answer, payment_service_id=service_id_of_payment,
                                            requested_cents=requested_cents, category=category,
                                            transaction_id=transaction_id)
        except (ProtocolError, ValueError) as exc:
            log.error("status %s: unreadable answer (%s)", new_service_id, exc)
            return unknown
        log.info("status %s of %s %s: %s", new_service_id, category.lower(),
                 service_id_of_payment, messages.log_summary(outcome, answer))
        return outcome

    async def refund(self, new_service_id: str, *, transaction_id: str, transaction_time: str,
                     amount_cents: int | None = None) -> TerminalOutcome:
        request = messages.reversal_request(new_service_id, transaction_id=transaction_id,
                                            transaction_time=transaction_time,
                                            amount_cents=amount_cents, **self._ids())
        base: dict[str, Any] = dict(service_id=new_service_id, transaction_id=transaction_id,
                                    requested_cents=amount_cents or 0)
        try:
            answer = await self.transport.exchange(request, timeout_s=self.payment_timeout_s,
                                                   lane="pay")
        except NotDelivered:
            return TerminalOutcome(OutcomeStatus.NOT_FOUND, reason=Reason.TERMINAL_UNAVAILABLE,
                                   **base)
        except AnswerLost:
            return TerminalOutcome(OutcomeStatus.UNKNOWN, reason=Reason.OUTCOME_UNKNOWN, **base)
        if answer is None:
            return TerminalOutcome(OutcomeStatus.UNKNOWN, reason=Reason.OUTCOME_UNKNOWN, **base)
        if messages.reject_detail(answer) is not None:
            return TerminalOutcome(OutcomeStatus.DECLINED, reason=Reason.TERMINAL_ERROR,
                                   error_condition="Reject", **base)
        try:
            outcome = messages.parse_reversal(answer, service_id=new_service_id,
                                              amount_cents=amount_cents,
                                              transaction_id=transaction_id)
        except (ProtocolError, ValueError):
            return TerminalOutcome(OutcomeStatus.UNKNOWN, reason=Reason.OUTCOME_UNKNOWN, **base)
        log.info("reversal %s", messages.log_summary(outcome, answer))
        return outcome

    async def diagnose(self, new_service_id: str) -> DiagnosisResult:
        request = messages.diagnosis_request(new_service_id, **self._ids())
        try:
            answer = await self.transport.exchange(request, timeout_s=self.side_timeout_s)
        except (NotDelivered, AnswerLost) as exc:
            return DiagnosisResult(reachable=False, detail=str(exc))
        if answer is None:
            return DiagnosisResult(reachable=True, detail="empty answer")
        reject = messages.reject_detail(answer)
        if reject is not None:
            return DiagnosisResult(reachable=True, error_condition="Reject", detail=reject)
        try:
            body = messages.response_body(answer, "Diagnosis")
        except ProtocolError as exc:
            return DiagnosisResult(reachable=True, detail=str(exc))
        result, error = messages.result_of(body)
        hosts = body.get("HostStatus") or []
        host_ok = all(bool(h.get("IsReachableFlag")) for h in hosts) if hosts else None
        global_status = str((body.get("POIStatus") or {}).get("GlobalStatus", ""))
        return DiagnosisResult(reachable=True, terminal_ok=result == "Success",
                               host_reachable=host_ok, error_condition=error,
                               detail=f"POIStatus={global_status or '?'}")

    async def reconcile(self, new_service_id: str) -> ReconciliationResult:
        request = messages.reconciliation_request(new_service_id, **self._ids())
        try:
            answer = await self.transport.exchange(request, timeout_s=self.payment_timeout_s)
        except (NotDelivered, AnswerLost) as exc:
            return ReconciliationResult(ok=False, error_condition=type(exc).__name__)
        if answer is None:
            return ReconciliationResult(ok=False, error_condition="empty answer")
        try:
            body = messages.response_body(answer, "Reconciliation")
        except ProtocolError:
            return ReconciliationResult(ok=False, error_condition="unreadable")
        result, error = messages.result_of(body)
        totals = tuple(
            {"brand": str(t.get("PaymentBrand", "")), "currency": str(t.get("PaymentCurrency", "")),
             "count": int(t.get("TransactionCount", 0)),
             "amount_cents": from_major(t.get("TransactionAmount", 0))}
            for t in body.get("TransactionTotals") or [])
        return ReconciliationResult(ok=result == "Success",
                                    reconciliation_id=str(body.get("POIReconciliationID", "")),
                                    totals=totals, error_condition=error)

    async def aclose(self) -> None:
        await self.transport.aclose()
