"""The kiosk's HTTP client for the municipality's gateway (docs/architecture.md, "API rules").

Every state-changing call takes the caller's `idempotency_key`: the caller journals it before the
call, and every retry (network errors, 502-504, 409 in-flight; see `kiosk.http_policy`) reuses it,
so a posting is never doubled. Errors are `GatewayError`s of three kinds — `GatewayRetryable`,
`GatewayInvalid`, `GatewayRefused` — each with a stable `code`; `error_message(code, lang)` turns a
code into the plain sentence a resident sees.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from common.i18n import N_, gettext
from common.invoice_codes import CodeError, normalise_check, normalise_notice, parse_scanned
from common.personal_code import PersonalCodeError
from common.personal_code import parse as parse_personal_code
from common.schema import (
    OPERATOR_SESSION_HEADER,
    POSTING_PROOF_HEADER,
    AllocationIn,
    ApplicationConfirmed,
    ApplicationReceipt,
    ErrorCode,
    FieldError,
    HandoverOut,
    Health,
    IdDocument,
    IdentityConfirmationRequest,
    IntentItemIn,
    IntentReleaseRequest,
    InvoiceSearchRequest,
    InvoiceSearchResponse,
    OperatorEvent,
    OperatorEventRequest,
    OperatorList,
    OperatorSessionRequest,
    OperatorSessionView,
    Payment,
    PaymentIntent,
    PaymentIntentRequest,
    PaymentLookupRequest,
    PaymentLookupResponse,
    PaymentRequest,
    PersonSearchRequest,
    PersonSearchResponse,
    ReportedEvent,
    Reversal,
    ReversalRequest,
    ServiceEventOut,
    ShiftOut,
    Statistics,
    TerminalReconciliationAck,
    TerminalReconciliationReport,
    TerminalRef,
)
from kiosk.http_policy import GatewayError as GatewayError
from kiosk.http_policy import GatewayHttp, gateway_error
from kiosk.http_policy import GatewayInvalid as GatewayInvalid
from kiosk.http_policy import GatewayRefused as GatewayRefused
from kiosk.http_policy import GatewayRetryable as GatewayRetryable

M = TypeVar("M", bound=BaseModel)


def _local_code_error(exc: CodeError, pointer: str) -> GatewayError:
    return gateway_error(exc.code, 422, False, [FieldError(pointer=pointer, code=exc.code)])


def _as_operator(session: str | None, posting_proof: str | None = None) -> dict[str, str]:
    """The headers a request on an operator's behalf carries beside the kiosk's token: the session,
    and for a cash posting the proof its intent answered."""
    headers = {OPERATOR_SESSION_HEADER: session} if session else {}
    if posting_proof:
        headers[POSTING_PROOF_HEADER] = posting_proof
    return headers


class GatewayClient(GatewayHttp):
    """Async client for invoices and payments; one instance per app (shares a connection pool).

    Timeouts, retries and Retry-After are `kiosk.http_policy.GatewayHttp`'s; defaults: 10 s, three
    retries, 0.5 s back-off doubling.
    """

    async def _request(
        self,
        method: str,
        path: str,
        out: type[M],
        body: BaseModel | None = None,
        idempotency_key: str | None = None,
        operator_session: str | None = None,
        posting_proof: str | None = None,
    ) -> M:
        payload = body.model_dump(mode="json", exclude_none=True) if body is not None else None
        return await self.send(method, path, out.model_validate, json=payload, idempotency_key=idempotency_key,
                               headers=_as_operator(operator_session, posting_proof))

    # --- calls ---------------------------------------------------------------------------

    async def health(self) -> Health:
        return await self._request("GET", "/health", Health)

    async def search_invoices(self, notice_number: str, check_value: str) -> InvoiceSearchResponse:
        """Checked locally first, so a typo costs no round trip and no failed-check count."""
        try:
            notice = normalise_notice(notice_number)
        except CodeError as exc:
            raise _local_code_error(exc, "/notice_number") from None
        try:
            check = normalise_check(check_value)
        except CodeError as exc:
            raise _local_code_error(exc, "/check_value") from None
        body = InvoiceSearchRequest(notice_number=notice, check_value=check)
        return await self._request("POST", "/invoice-searches", InvoiceSearchResponse, body)

    async def search_scanned(self, text: str) -> InvoiceSearchResponse:
        try:
            parse_scanned(text)
        except CodeError as exc:
            raise _local_code_error(exc, "/scanned") from None
        body = InvoiceSearchRequest(scanned=text)
        return await self._request("POST", "/invoice-searches", InvoiceSearchResponse, body)

    async def create_intent(
        self,
        client_txn_id: str,
        items: list[IntentItemIn] | list[tuple[str, int]],
        *,
        idempotency_key: str,
        ttl_s: int | None = None,
        operator_session: str | None = None,
    ) -> PaymentIntent:
        """Reserve invoices: items as IntentItemIn or (invoice_id, amount_cents) pairs; with
        `operator_session`, on the operator's behalf (the desk reserves what a person search showed)."""
        parsed = [
            it if isinstance(it, IntentItemIn) else IntentItemIn(invoice_id=it[0], amount_cents=it[1]) for it in items
        ]
        fields: dict[str, Any] = {"client_txn_id": client_txn_id, "items": parsed}
        if ttl_s is not None:
            fields["ttl_s"] = ttl_s
        body = PaymentIntentRequest(**fields)
        return await self._request("POST", "/payment-intents", PaymentIntent, body, idempotency_key,
                                   operator_session)

    async def release_intent(self, client_txn_id: str, *, idempotency_key: str) -> PaymentIntent:
        body = IntentReleaseRequest(client_txn_id=client_txn_id)
        return await self._request("POST", "/payment-intent-releases", PaymentIntent, body, idempotency_key)

    async def post_payment(
        self,
        client_txn_id: str,
        *,
        method: str,
        amount_cents: int,
        approved_at: datetime,
        idempotency_key: str,
        allocations: list[AllocationIn] | list[tuple[str, int]] | None = None,
        terminal: TerminalRef | dict[str, Any] | None = None,
        receipt_no: str | None = None,
        operator_session: str | None = None,
        posting_proof: str | None = None,
    ) -> Payment:
        """Post an approved payment. `method="cash"` needs `operator_session`, a session valid now,
        or `posting_proof`, the proof its intent answered on a session (docs/architecture.md,
        "Operators")."""
        allocs = None
        if allocations is not None:
            allocs = [
                a if isinstance(a, AllocationIn) else AllocationIn(invoice_id=a[0], amount_cents=a[1])
                for a in allocations
            ]
        term = TerminalRef.model_validate(terminal) if isinstance(terminal, dict) else terminal
        body = PaymentRequest(
            client_txn_id=client_txn_id,
            method=method,  # type: ignore[arg-type]
            amount_cents=amount_cents,
            approved_at=approved_at,
            allocations=allocs,
            terminal=term,
            receipt_no=receipt_no,
        )
        return await self._request("POST", "/payments", Payment, body, idempotency_key, operator_session,
                                   posting_proof)

    async def lookup_payment(self, client_txn_id: str) -> PaymentLookupResponse:
        body = PaymentLookupRequest(client_txn_id=client_txn_id)
        return await self._request("POST", "/payment-lookups", PaymentLookupResponse, body)

    # --- the librarian's desk (docs/architecture.md, "Operators") --------------------------

    async def list_operators(self) -> OperatorList:
        """The enabled operators of this kiosk's location, for the desk's sign-in list."""
        return await self._request("GET", "/operators", OperatorList)

    async def open_operator_session(self, operator: str, pin: str) -> OperatorSessionView:
        """Sign `operator` in with `pin`: the session token to send with their requests.

        GatewayRefused `operator-sign-in-failed` (401: a wrong PIN, or a name that cannot sign in
        here; the gateway does not say which), `operator-locked` (423: wrong PINs at this kiosk,
        `retry_after_s` says how long to wait); older gateways also answered
        `operator-wrong-location` (403). No Idempotency-Key:
        a sign-in is never replayed (its answer is a secret the gateway does not keep).
        """
        body = OperatorSessionRequest(operator=operator, pin=pin)
        return await self._request("POST", "/operator-sessions", OperatorSessionView, body)

    async def end_operator_session(self, session: str) -> None:
        """Sign the operator out (ending an ended or expired session again is fine)."""
        await self.send("DELETE", "/operator-sessions/current", lambda _body: None,
                        headers=_as_operator(session))

    async def person_search(
        self, session: str, personal_code: str, id_document: IdDocument, reason: str
    ) -> PersonSearchResponse:
        """The person's open invoices with full names, after the operator checked `id_document`.

        The code is validated here first (GatewayInvalid naming `/personal_code` and the
        validator's code, e.g. `personal_code.checksum`), so a typo costs no audited search.
        """
        try:
            parse_personal_code(personal_code)
        except PersonalCodeError as exc:
            raise gateway_error(exc.code, 422, False, [FieldError(pointer="/personal_code", code=exc.code)]) from None
        body = PersonSearchRequest(personal_code=personal_code, id_document=id_document, reason=reason)
        return await self._request("POST", "/person-searches", PersonSearchResponse, body,
                                   operator_session=session)

    async def confirm_identity(
        self, session: str, registration_no: str, *, idempotency_key: str, id_document: IdDocument | None = None
    ) -> ApplicationConfirmed:
        """The operator checked the applicant's ID: the application becomes `received`."""
        body = IdentityConfirmationRequest(registration_no=registration_no, id_document=id_document)
        return await self._request("POST", "/application-confirmations", ApplicationConfirmed, body,
                                   idempotency_key, session)

    async def submit_application_as_operator(
        self, session: str, body: dict[str, Any], *, idempotency_key: str
    ) -> ApplicationReceipt:
        """Submit an application on the operator's behalf (a visit taken over at the desk): with
        `identity.assurance = "librarian_checked_id"` it is `received` at once."""
        return await self.send("POST", "/applications", ApplicationReceipt.model_validate, json=body,
                               idempotency_key=idempotency_key, headers=_as_operator(session))

    async def record_reversal(
        self,
        session: str,
        client_txn_id: str,
        *,
        reason: str,
        reversed_at: datetime,
        idempotency_key: str,
        terminal: TerminalRef | dict[str, Any] | None = None,
    ) -> Reversal:
        """Tell the gateway the terminal reversed this kiosk's same-day card payment `client_txn_id`."""
        term = TerminalRef.model_validate(terminal) if isinstance(terminal, dict) else terminal
        body = ReversalRequest(client_txn_id=client_txn_id, reason=reason, reversed_at=reversed_at, terminal=term)
        return await self._request("POST", "/payment-reversals", Reversal, body, idempotency_key, session)

    async def report_operator_event(
        self, session: str, client_event_id: str, kind: ReportedEvent, occurred_at: datetime, *,
        idempotency_key: str, detail: str = "",
    ) -> OperatorEvent:
        """Add a desk event to the gateway's audit, e.g. `take-over` of a resident's visit."""
        body = OperatorEventRequest(client_event_id=client_event_id, kind=kind, occurred_at=occurred_at,
                                    detail=detail)
        return await self._request("POST", "/operator-events", OperatorEvent, body, idempotency_key, session)

    async def report_reconciliation(
        self, report: TerminalReconciliationReport, *, idempotency_key: str
    ) -> TerminalReconciliationAck:
        """The card terminal's day-end Reconciliation totals, for `kiosk gateway reconcile`
        (docs/architecture.md, "Operations"); sending the same report again is harmless."""
        return await self._request("POST", "/terminal-reconciliations", TerminalReconciliationAck, report,
                                   idempotency_key)


    # --- the desk's counters, shifts and cash (docs/architecture.md, "Counters, shifts and
    # statistics"). The request bodies are the JSON the flows journaled in the outbox before
    # sending (a retry sends them unchanged); the answers are the API's models. -----------------

    async def _desk(self, method: str, path: str, out: type[M], *, body: dict[str, Any] | None = None,
                    idempotency_key: str | None = None, operator_session: str | None = None) -> M:
        return await self.send(method, path, out.model_validate, json=body, idempotency_key=idempotency_key,
                               headers=_as_operator(operator_session))

    async def record_service_event(self, body: dict[str, Any], *, idempotency_key: str,
                                   operator_session: str | None = None) -> ServiceEventOut:
        """Count one counter tap (`client_event_id`, `kind`, `category`, `occurred_at`, `note`)."""
        return await self._desk("POST", "/service-events", ServiceEventOut, body=body,
                                idempotency_key=idempotency_key, operator_session=operator_session)

    async def undo_service_event(self, client_event_id: str, *,
                                 operator_session: str | None = None) -> ServiceEventOut:
        """Undo a tap (the same operator, within 10 minutes)."""
        return await self._desk("DELETE", f"/service-events/{client_event_id}", ServiceEventOut,
                                operator_session=operator_session)

    async def open_shift(self, body: dict[str, Any], *, idempotency_key: str,
                         operator_session: str | None = None) -> ShiftOut:
        return await self._desk("POST", "/shifts", ShiftOut, body=body, idempotency_key=idempotency_key,
                                operator_session=operator_session)

    async def current_shift(self, *, operator_session: str | None = None) -> ShiftOut | None:
        """The kiosk's open shift with the cash expected now; None when none is open."""
        try:
            return await self._desk("GET", "/shifts/current", ShiftOut, operator_session=operator_session)
        except GatewayRefused as exc:
            if exc.status == 404:
                return None
            raise

    async def close_shift(self, shift_id: str, body: dict[str, Any], *, idempotency_key: str,
                          operator_session: str | None = None) -> ShiftOut:
        return await self._desk("POST", f"/shifts/{shift_id}/close", ShiftOut, body=body,
                                idempotency_key=idempotency_key, operator_session=operator_session)

    async def record_cash_handover(self, body: dict[str, Any], *, idempotency_key: str,
                                   operator_session: str | None = None) -> HandoverOut:
        return await self._desk("POST", "/cash-handovers", HandoverOut, body=body,
                                idempotency_key=idempotency_key, operator_session=operator_session)

    async def statistics(self, *, date_from: str, date_to: str, group: str = "month",
                         operator_session: str | None = None) -> Statistics:
        """This location's statistics (an operator reads their own location only)."""
        return await self._desk("GET", f"/statistics?from={date_from}&to={date_to}&group={group}", Statistics,
                                operator_session=operator_session)


# --- plain-language messages --------------------------------------------------------------

_MESSAGES: dict[str, str] = {
    ErrorCode.INVOICE_NOT_FOUND: N_(
        "We could not find an invoice with this notice number and check value. "
        "Please check both numbers on your invoice."
    ),
    ErrorCode.INVOICE_ALREADY_PAID: N_("This invoice has already been paid. Nothing more is due."),
    ErrorCode.INVOICE_RESERVED: N_(
        "This invoice is being paid at the moment elsewhere. Please try again in a few minutes."
    ),
    ErrorCode.RATE_LIMITED: N_(
        "Too many unsuccessful attempts with these numbers. Please ask the librarian for help."
    ),
    ErrorCode.GATEWAY_UNREACHABLE: N_(
        "The municipality's system cannot be reached right now. Please try again later or ask the librarian."
    ),
    ErrorCode.BACKEND_UNAVAILABLE: N_(
        "The municipality's system is temporarily unavailable. Please try again in a few minutes."
    ),
    ErrorCode.AMOUNT_MISMATCH: N_("The amount is more than is due on this invoice."),
    ErrorCode.NOTICE_MALFORMED: N_("The notice number has 10 digits. Please check it on your invoice."),
    ErrorCode.CHECK_MALFORMED: N_("The check value has 4 digits. Please check it on your invoice."),
    ErrorCode.SCAN_UNREADABLE: N_(
        "This code could not be read as an invoice. Please scan the code on your invoice or type the numbers."
    ),
    ErrorCode.INTENT_NOT_FOUND: N_("This payment has expired. Please start again."),
    ErrorCode.UNAUTHENTICATED: N_(
        "This kiosk is not connected to the municipality's system. Please ask the librarian."
    ),
    ErrorCode.UNEXPECTED: N_("Something went wrong. Please try again or ask the librarian."),
}


def error_message(code: str, lang: str) -> str:
    """The resident-facing sentence for an error code, in lang ('lv', 'en', 'ru')."""
    return gettext(_MESSAGES.get(code, _MESSAGES[ErrorCode.UNEXPECTED]), lang)


MESSAGE_CODES: tuple[str, ...] = tuple(str(c) for c in _MESSAGES)
