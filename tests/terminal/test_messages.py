"""Parsing real-shaped Terminal API JSON into outcomes; exact amounts; the outcome's JSON form."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from kiosk.terminal import messages
from kiosk.terminal.base import OutcomeStatus, Reason, TerminalOutcome, reason_text
from kiosk.terminal.envelope import Envelope

from .conftest import FIXTURES


def _adyen_payment() -> dict:
    wire = messages.loads((FIXTURES / "adyen_node_payment_sync_encrypted_success.json").read_bytes())
    env = Envelope("p@ssw0rd123456", "CryptoKeyIdentifier12345", 1)
    return messages.loads(env.open(wire))


def test_adyen_captured_payment_response_parses() -> None:
    msg = _adyen_payment()
    body = messages.response_body(msg, "Payment")
    out = messages.parse_payment(body, service_id="9739", requested_cents=1099)
    assert out.status is OutcomeStatus.APPROVED
    assert out.amount_cents == 1099
    assert out.transaction_id == "oLkO001532420683001.8815324206896964"
    assert out.transaction_time == "2018-07-24T08:24:43.000Z"
    assert (out.last4, out.brand, out.aid) == ("3511", "mc", "A0000000041010")
    assert out.approval_code == "123456"
    lines = out.receipt_lines
    assert "Card: ************3511" in lines and "AID: A0000000041010" in lines
    assert "APPROVED" in lines
    # Customer copy, not the merchant's.
    assert "MERCHANT COPY" not in lines


def test_second_adyen_capture_parses_with_other_language_receipt() -> None:
    wire = messages.loads((FIXTURES / "adyen_node_encrypted_event_notification.json").read_bytes())
    msg = messages.loads(Envelope("P@ssw0rd123456", "Key123456789crypt", 1).open(wire))
    out = messages.parse_payment(messages.response_body(msg, "Payment"), service_id="406aa21f8b")
    assert out.status is OutcomeStatus.APPROVED
    assert out.amount_cents == 100
    assert out.last4 == "9999" and out.aid == "A000000004101001"


def test_status_success_is_judged_by_the_nested_payment() -> None:
    approved = messages.loads((FIXTURES / "status_success_approved.json").read_bytes())
    out = messages.parse_status(approved, payment_service_id="K1A00001F3", requested_cents=1250)
    assert out.status is OutcomeStatus.APPROVED and out.amount_cents == 1250
    assert out.sale_txn_id == "INV2024-000123-1"
    aborted = messages.loads((FIXTURES / "status_success_aborted.json").read_bytes())
    out = messages.parse_status(aborted, payment_service_id="K1A00001F3")
    assert out.status is OutcomeStatus.CANCELLED and not out.paid


@pytest.mark.parametrize("name,status", [("status_in_progress.json", OutcomeStatus.IN_PROGRESS),
                                         ("status_not_found.json", OutcomeStatus.NOT_FOUND)])
def test_status_failures(name: str, status: OutcomeStatus) -> None:
    out = messages.parse_status(messages.loads((FIXTURES / name).read_bytes()),
                                payment_service_id="K1A00001F3")
    assert out.status is status and not out.paid


def test_outcome_keeps_no_card_data_beyond_the_allow_list() -> None:
    approved = messages.loads((FIXTURES / "status_success_approved.json").read_bytes())
    out = messages.parse_status(approved, payment_service_id="K1A00001F3", requested_cents=1250)
    text = json.dumps(out.to_dict())
    for secret in ("0330", "3/2030", "541333", "expiry", "pspReference"):
        assert secret not in text
    summary = json.dumps(messages.log_summary(out, approved))
    assert "0330" not in summary and "541333" not in summary


def test_outcome_round_trips_through_json() -> None:
    approved = messages.loads((FIXTURES / "status_success_approved.json").read_bytes())
    out = messages.parse_status(approved, payment_service_id="K1A00001F3", requested_cents=1250)
    back = TerminalOutcome.from_dict(json.loads(json.dumps(out.to_dict())))
    assert back == out
    declined = TerminalOutcome(OutcomeStatus.DECLINED, reason=Reason.CARD_DECLINED)
    assert TerminalOutcome.from_dict(json.loads(json.dumps(declined.to_dict()))) == declined


def test_partial_is_never_paid() -> None:
    body = {"Response": {"Result": "Partial"},
            "PaymentResult": {"AmountsResp": {"AuthorizedAmount": Decimal("5.00")}}}
    out = messages.parse_payment(body, service_id="A1", requested_cents=1000)
    assert out.status is OutcomeStatus.PARTIAL and not out.paid and out.amount_cents == 500
    # "Success" for less than asked is treated as partial too.
    body["Response"]["Result"] = "Success"
    assert messages.parse_payment(body, service_id="A1", requested_cents=1000).status \
        is OutcomeStatus.PARTIAL


def test_unknown_error_condition_is_a_generic_decline() -> None:
    body = {"Response": {"Result": "Failure", "ErrorCondition": "Communication timeout",
                         "AdditionalResponse": "refusalReason=05 Do not honour"}}
    out = messages.parse_payment(body, service_id="A1")
    assert out.status is OutcomeStatus.DECLINED and out.reason is Reason.CARD_DECLINED
    assert "honour" not in json.dumps(out.to_dict())


def test_reject_notification_is_recognised() -> None:
    msg = {"SaleToPOIRequest": {"EventNotification": {"EventToNotify": "Reject",
                                                       "EventDetails": "message=Crypto%20error"}}}
    assert messages.reject_detail(msg) == "Crypto error"
    assert messages.reject_detail({"SaleToPOIResponse": {}}) is None


AMOUNTS = [*range(1, 91), 999_999]


@pytest.mark.parametrize("cents", AMOUNTS)
def test_amounts_are_exact_on_the_wire(cents: int) -> None:
    req = messages.payment_request("S1", cents, sale_txn_id="t", timestamp="x", sale_id="K",
                                   poi_id="P")
    raw = messages.dumps(req)
    literal = f'"RequestedAmount":{cents // 100}.{cents % 100:02d}'
    assert literal.encode() in raw
    back = messages.loads(raw)["SaleToPOIRequest"]["PaymentRequest"]["PaymentTransaction"]
    assert messages.cents(back["AmountsReq"]["RequestedAmount"]) == cents


def test_bad_amounts_are_refused() -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises((ValueError, TypeError)):
            messages.amount(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        messages.cents(Decimal("0.001"))


def test_reason_texts_exist_in_every_language() -> None:
    for reason in Reason:
        for lang in ("lv", "en", "ru"):
            assert reason_text(reason, lang)
    assert reason_text(Reason.CARD_DECLINED, "lv") != reason_text(Reason.CARD_DECLINED, "en")
