"""nexo Terminal API messages (Adyen JSON form, ProtocolVersion 3.0): the kiosk's subset.

Hand-written on purpose (no maintained Python model exists; docs/architecture.md, "Card
terminal"): builders for the requests we send and parsers that reduce a response to a
`TerminalOutcome`. Amounts are Decimal major units on the wire and int cents everywhere else; the
JSON is read with `parse_float=Decimal` and written with exact decimal literals, so 0.1 never
becomes 0.1000000000000000055.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from common.money import AmountError, from_major, to_major
from kiosk.terminal.base import OutcomeStatus, Reason, TerminalOutcome

PROTOCOL_VERSION = "3.0"
CURRENCY = "EUR"

CATEGORY_BODY = {
    "Payment": "Payment",
    "Abort": "Abort",
    "TransactionStatus": "TransactionStatus",
    "Reversal": "Reversal",
    "Reconciliation": "Reconciliation",
    "Diagnosis": "Diagnosis",
}

# --- JSON with exact decimals ------------------------------------------------------------------

_DEC_MARK = "\u0000dec:"
_DEC_RE = re.compile(r'"\\u0000dec:(-?[0-9]+(?:\.[0-9]+)?)"')


def _mark(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return f"{_DEC_MARK}{obj}"
    if isinstance(obj, dict):
        return {k: _mark(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_mark(v) for v in obj]
    if isinstance(obj, float):
        raise TypeError("floats are not money: use Decimal")
    return obj


def dumps(obj: Any) -> bytes:
    """UTF-8 JSON where Decimal values become number literals with their exact digits."""
    text = json.dumps(_mark(obj), ensure_ascii=False, separators=(",", ":"))
    return _DEC_RE.sub(lambda m: m.group(1), text).encode("utf-8")


def loads(data: bytes | str) -> Any:
    return json.loads(data, parse_float=Decimal)


def amount(cents: int) -> Decimal:
    if not isinstance(cents, int) or isinstance(cents, bool) or cents <= 0:
        raise AmountError(f"amount must be positive int cents, got {cents!r}")
    return to_major(cents)


def cents(value: Any) -> int:
    """A wire amount (Decimal major units) -> int cents; refuses fractions of a cent."""
    return from_major(Decimal(value) if not isinstance(value, Decimal) else value)


# --- requests ----------------------------------------------------------------------------------

def header(category: str, service_id: str, *, sale_id: str, poi_id: str,
           message_type: str = "Request") -> dict[str, Any]:
    return {
        "ProtocolVersion": PROTOCOL_VERSION,
        "MessageClass": "Service",
        "MessageCategory": category,
        "MessageType": message_type,
        "ServiceID": service_id,
        "SaleID": sale_id,
        "POIID": poi_id,
    }


def _request(category: str, service_id: str, body: dict[str, Any], *, sale_id: str,
             poi_id: str) -> dict[str, Any]:
    return {"SaleToPOIRequest": {
        "MessageHeader": header(category, service_id, sale_id=sale_id, poi_id=poi_id),
        f"{category}Request": body,
    }}


def payment_request(service_id: str, amount_cents: int, *, sale_txn_id: str, timestamp: str,
                    sale_id: str, poi_id: str, language: str = "") -> dict[str, Any]:
    transaction: dict[str, Any] = {"AmountsReq": {"Currency": CURRENCY,
                                                  "RequestedAmount": amount(amount_cents)}}
    if language:
        # nexo TransactionConditions.CustomerLanguage (ISO 639-1): the terminal shows and prints
        # its own lines in the resident's language; we never rewrite them (docs/architecture.md,
        # "Card terminal").
        transaction["TransactionConditions"] = {"CustomerLanguage": language}
    return _request("Payment", service_id, {
        "SaleData": {"SaleTransactionID": {"TransactionID": sale_txn_id, "TimeStamp": timestamp}},
        "PaymentTransaction": transaction,
    }, sale_id=sale_id, poi_id=poi_id)


# Categories whose earlier messages TransactionStatus can be asked about (and what it repeats).
STATUS_CATEGORIES = ("Payment", "Reversal")


def _reference(sale_id: str, service_id: str, category: str = "Payment") -> dict[str, Any]:
    return {"MessageCategory": category, "SaleID": sale_id, "ServiceID": service_id}


def abort_request(service_id_to_abort: str, new_service_id: str, *, sale_id: str,
                  poi_id: str) -> dict[str, Any]:
    return _request("Abort", new_service_id, {
        "AbortReason": "MerchantAbort",
        "MessageReference": _reference(sale_id, service_id_to_abort),
    }, sale_id=sale_id, poi_id=poi_id)


def status_request(service_id_of_payment: str, new_service_id: str, *, sale_id: str,
                   poi_id: str, category: str = "Payment") -> dict[str, Any]:
    """TransactionStatus of the earlier message `service_id_of_payment` of `category`
    (a Payment, or a Reversal whose answer was lost)."""
    if category not in STATUS_CATEGORIES:
        raise ValueError(f"no TransactionStatus for {category!r} messages")
    return _request("TransactionStatus", new_service_id, {
        "ReceiptReprintFlag": True,
        "DocumentQualifier": ["CashierReceipt", "CustomerReceipt"],
        "MessageReference": _reference(sale_id, service_id_of_payment, category),
    }, sale_id=sale_id, poi_id=poi_id)


def reversal_request(new_service_id: str, *, transaction_id: str, transaction_time: str,
                     amount_cents: int | None, sale_id: str, poi_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ReversalReason": "MerchantCancel",
        "OriginalPOITransaction": {"POITransactionID": {"TransactionID": transaction_id,
                                                        "TimeStamp": transaction_time}},
    }
    if amount_cents is not None:
        body["ReversedAmount"] = amount(amount_cents)
    return _request("Reversal", new_service_id, body, sale_id=sale_id, poi_id=poi_id)


def diagnosis_request(new_service_id: str, *, sale_id: str, poi_id: str) -> dict[str, Any]:
    return _request("Diagnosis", new_service_id, {"HostDiagnosisFlag": True},
                    sale_id=sale_id, poi_id=poi_id)


def reconciliation_request(new_service_id: str, *, sale_id: str, poi_id: str) -> dict[str, Any]:
    return _request("Reconciliation", new_service_id,
                    {"ReconciliationType": "SaleReconciliation"}, sale_id=sale_id, poi_id=poi_id)


# --- responses ---------------------------------------------------------------------------------

class ProtocolError(Exception):
    """A response we cannot read as the answer to our request (not an outcome)."""


def reject_detail(message: dict[str, Any]) -> str | None:
    """The Reject event's detail if `message` is an EventNotification Reject, else None."""
    for root in ("SaleToPOIRequest", "SaleToPOIResponse"):
        event = (message.get(root) or {}).get("EventNotification")
        if isinstance(event, dict) and event.get("EventToNotify") == "Reject":
            details = dict(parse_qsl(str(event.get("EventDetails", ""))))
            return details.get("message") or "Reject"
    return None


def response_body(message: dict[str, Any], category: str) -> dict[str, Any]:
    root = message.get("SaleToPOIResponse")
    if not isinstance(root, dict):
        raise ProtocolError("not a SaleToPOIResponse")
    body = root.get(f"{CATEGORY_BODY[category]}Response")
    if not isinstance(body, dict):
        raise ProtocolError(f"no {category}Response in the answer")
    return body


def result_of(body: dict[str, Any]) -> tuple[str, str]:
    resp = body.get("Response") or {}
    return str(resp.get("Result", "")), str(resp.get("ErrorCondition", "") or "")


def _decode_line(text: str) -> str:
    """An Adyen receipt line `name=..&value=..&key=..` -> the printable `name: value`."""
    if "key=" not in text and "name=" not in text:
        return text
    fields = dict(parse_qsl(text, keep_blank_values=True))
    name, value = fields.get("name", ""), fields.get("value", "")
    if name and value:
        return f"{name}: {value}"
    return name or value


def receipt_lines(body: dict[str, Any], qualifier: str = "CustomerReceipt") -> tuple[str, ...]:
    for doc in body.get("PaymentReceipt") or []:
        if doc.get("DocumentQualifier") != qualifier:
            continue
        content = doc.get("OutputContent") or {}
        return tuple(_decode_line(str(line.get("Text", "")))
                     for line in content.get("OutputText") or [])
    return ()


def _receipt_value(body: dict[str, Any], key: str) -> str:
    for doc in body.get("PaymentReceipt") or []:
        for line in (doc.get("OutputContent") or {}).get("OutputText") or []:
            fields = dict(parse_qsl(str(line.get("Text", "")), keep_blank_values=True))
            if fields.get("key") == key and fields.get("value"):
                return fields["value"]
    return ""


def _last4(masked: str) -> str:
    digits = re.sub(r"\D", "", masked or "")
    return digits[-4:] if len(digits) >= 4 else ""


ERROR_TO_OUTCOME: dict[str, tuple[OutcomeStatus, Reason]] = {
    "Aborted": (OutcomeStatus.CANCELLED, Reason.CANCELLED),
    "Cancel": (OutcomeStatus.CANCELLED, Reason.CANCELLED),
    "Refusal": (OutcomeStatus.DECLINED, Reason.CARD_DECLINED),
    "WrongPIN": (OutcomeStatus.DECLINED, Reason.CARD_DECLINED),
    "InvalidCard": (OutcomeStatus.DECLINED, Reason.CARD_DECLINED),
    "PaymentRestriction": (OutcomeStatus.DECLINED, Reason.CARD_DECLINED),
    "UnreachableHost": (OutcomeStatus.DECLINED, Reason.BANK_UNREACHABLE),
    "Busy": (OutcomeStatus.BUSY, Reason.TERMINAL_BUSY),
    "NotAllowed": (OutcomeStatus.BUSY, Reason.TERMINAL_BUSY),
    "MessageFormat": (OutcomeStatus.DECLINED, Reason.TERMINAL_ERROR),
    "LoggedOut": (OutcomeStatus.DECLINED, Reason.TERMINAL_UNAVAILABLE),
    "DeviceOut": (OutcomeStatus.DECLINED, Reason.TERMINAL_UNAVAILABLE),
    "UnavailableDevice": (OutcomeStatus.DECLINED, Reason.TERMINAL_UNAVAILABLE),
    "UnavailableService": (OutcomeStatus.DECLINED, Reason.TERMINAL_UNAVAILABLE),
}


def parse_payment(body: dict[str, Any], *, service_id: str, requested_cents: int = 0
                  ) -> TerminalOutcome:
    """A PaymentResponse body -> outcome. Only allow-listed card fields survive."""
    result, error = result_of(body)
    poi_txn = ((body.get("POIData") or {}).get("POITransactionID") or {})
    sale_txn = ((body.get("SaleData") or {}).get("SaleTransactionID") or {})
    pr = body.get("PaymentResult") or {}
    card = ((pr.get("PaymentInstrumentData") or {}).get("CardData") or {})
    amounts = pr.get("AmountsResp") or {}
    authorised = amounts.get("AuthorizedAmount")
    common: dict[str, Any] = dict(
        requested_cents=requested_cents,
        service_id=service_id,
        sale_txn_id=str(sale_txn.get("TransactionID", "")),
        transaction_id=str(poi_txn.get("TransactionID", "")),
        transaction_time=str(poi_txn.get("TimeStamp", "")),
        # Adyen puts the approval code in the receipt when PaymentAcquirerData lacks it.
        approval_code=str((pr.get("PaymentAcquirerData") or {}).get("ApprovalCode", "")
                          or _receipt_value(body, "authCode")),
        last4=_last4(str(card.get("MaskedPan", ""))),
        brand=str(card.get("PaymentBrand", "")),
        aid=_receipt_value(body, "aid"),
        receipt_lines=receipt_lines(body),
        error_condition=error,
    )
    if result == "Success":
        if authorised is None:
            raise ProtocolError("approved without an authorised amount")
        got = cents(authorised)
        if requested_cents and got < requested_cents:
            # Less than asked for is a partial approval, whatever Result says.
            return TerminalOutcome(OutcomeStatus.PARTIAL, amount_cents=got,
                                   reason=Reason.PARTIAL_REVERSED, **common)
        return TerminalOutcome(OutcomeStatus.APPROVED, amount_cents=got, **common)
    if result == "Partial":
        got = cents(authorised) if authorised is not None else 0
        return TerminalOutcome(OutcomeStatus.PARTIAL, amount_cents=got,
                               reason=Reason.PARTIAL_REVERSED, **common)
    if result == "Failure":
        status, reason = ERROR_TO_OUTCOME.get(error, (OutcomeStatus.DECLINED, Reason.CARD_DECLINED))
        return TerminalOutcome(status, reason=reason, **common)
    raise ProtocolError(f"unknown Result {result!r}")


def parse_status(message: dict[str, Any], *, payment_service_id: str, requested_cents: int = 0,
                 category: str = "Payment", transaction_id: str = "") -> TerminalOutcome:
    """A TransactionStatusResponse -> outcome of the *original message* (of `category`).

    Result Success only says that message reached an end state: the nested PaymentResponse (or
    ReversalResponse) decides. For a Reversal, `requested_cents` is the amount it asked to give
    back (0: all of it) and `transaction_id` the payment it reversed.
    """
    body = response_body(message, "TransactionStatus")
    result, error = result_of(body)
    if result == "Success":
        repeated = body.get("RepeatedMessageResponse") or {}
        nested = (repeated.get("RepeatedResponseMessageBody") or {}).get(
            f"{CATEGORY_BODY[category]}Response")
        if not isinstance(nested, dict):
            raise ProtocolError(f"status Success without a repeated {category}Response")
        if category == "Reversal":
            return reversal_outcome(nested, service_id=payment_service_id,
                                    amount_cents=requested_cents or None,
                                    transaction_id=transaction_id, repeated=True)
        return parse_payment(nested, service_id=payment_service_id, requested_cents=requested_cents)
    if error == "InProgress":
        return TerminalOutcome(OutcomeStatus.IN_PROGRESS, service_id=payment_service_id,
                               requested_cents=requested_cents, error_condition=error)
    if error == "NotFound":
        return TerminalOutcome(OutcomeStatus.NOT_FOUND, service_id=payment_service_id,
                               requested_cents=requested_cents, reason=Reason.NOT_CHARGED,
                               error_condition=error)
    if error == "Busy":
        return TerminalOutcome(OutcomeStatus.BUSY, service_id=payment_service_id,
                               requested_cents=requested_cents, reason=Reason.TERMINAL_BUSY,
                               error_condition=error)
    return TerminalOutcome(OutcomeStatus.UNKNOWN, service_id=payment_service_id,
                           requested_cents=requested_cents, reason=Reason.OUTCOME_UNKNOWN,
                           error_condition=error or result)


def parse_reversal(message: dict[str, Any], *, service_id: str, amount_cents: int | None,
                   transaction_id: str) -> TerminalOutcome:
    return reversal_outcome(response_body(message, "Reversal"), service_id=service_id,
                            amount_cents=amount_cents, transaction_id=transaction_id)


def reversal_outcome(body: dict[str, Any], *, service_id: str, amount_cents: int | None,
                     transaction_id: str, repeated: bool = False) -> TerminalOutcome:
    """A ReversalResponse body -> outcome (APPROVED: the money went back).

    `repeated`: the body came back in a TransactionStatus, so that Reversal is over; a failure
    there is final (it moved no money), whatever its ErrorCondition, never "ask again".
    """
    result, error = result_of(body)
    poi_txn = ((body.get("POIData") or {}).get("POITransactionID") or {})
    reversed_amount = body.get("ReversedAmount")
    got = cents(reversed_amount) if reversed_amount is not None else (amount_cents or 0)
    common: dict[str, Any] = dict(
        service_id=service_id,
        transaction_id=str(poi_txn.get("TransactionID", "") or transaction_id),
        transaction_time=str(poi_txn.get("TimeStamp", "")),
        receipt_lines=receipt_lines(body), error_condition=error)
    if result == "Success":
        return TerminalOutcome(OutcomeStatus.APPROVED, amount_cents=got, **common)
    if repeated:
        return TerminalOutcome(OutcomeStatus.DECLINED, reason=Reason.TERMINAL_ERROR, **common)
    status, reason = ERROR_TO_OUTCOME.get(error, (OutcomeStatus.DECLINED, Reason.TERMINAL_ERROR))
    return TerminalOutcome(status, reason=reason, **common)


# --- logging -----------------------------------------------------------------------------------

_SENSITIVE_KEYS = {"ExpiryDate", "SensitiveCardData", "AdditionalResponse", "MaskedPan",
                   "PaymentReceipt", "CardData", "PaymentToken", "TrackData"}


def sanitised(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: ("<removed>" if k in _SENSITIVE_KEYS else sanitised(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [sanitised(v) for v in obj]
    return obj


def log_summary(outcome: TerminalOutcome, message: dict[str, Any] | None = None) -> dict[str, Any]:
    """The allow-listed facts of an answer for a log line; the body only as a hash."""
    line: dict[str, Any] = {
        "service_id": outcome.service_id, "status": outcome.status.value,
        "error_condition": outcome.error_condition, "amount_cents": outcome.amount_cents,
        "last4": outcome.last4, "brand": outcome.brand, "approval_code": outcome.approval_code,
        "transaction_id": outcome.transaction_id,
    }
    if message is not None:
        line["body_sha256"] = hashlib.sha256(dumps(sanitised(message))).hexdigest()
    return line
