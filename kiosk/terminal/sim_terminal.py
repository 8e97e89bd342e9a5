"""A simulated nexo terminal (the POI side): validation, scenarios by cents, kept transactions.

Used two ways: behind the HTTP server of `kiosk terminal simulate` (a separate process that outlives
a killed kiosk) and in-process by `SimulatorDriver` for the demo and flow tests. Each payment runs as
the terminal's own task, so a client that stops waiting (timeout, crash) does not stop the payment:
TransactionStatus and Abort keep working on it, as on a real terminal.
Reversals are kept by their SaleID + ServiceID, so TransactionStatus (MessageReference category
"Reversal") repeats a Reversal's answer too. Its receipt lines, like a real terminal's, carry the
local time where it stands and its own texts in the language the request asks for
(`kiosk.terminal.sim_receipt`); protocol TimeStamps stay UTC.

Cent scenarios (when enabled): ,91 Refusal  ,92 Cancel on the terminal  ,93 Busy  ,94 partial
approval of half  ,95 hang until aborted  ,96 approve then drop the connection  ,97 slow approval
,98 slow approval that ignores Abort (the card was already read: too late to cancel). Others approve.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlencode

from common.clock import RIGA
from common.money import to_major
from kiosk.terminal.sim_receipt import card_receipt, customer_language, merchant_copy, refund_receipt

SERVICE_ID_RE = re.compile(r"^[0-9A-Za-z]{1,10}$")
CATEGORIES = {"Payment", "Abort", "TransactionStatus", "Reversal", "Reconciliation", "Diagnosis"}


class DropConnection(Exception):
    """The simulated terminal answers nothing and the connection goes away (answer lost)."""


class Rejected(Exception):
    """A request the terminal refuses to read (answered with an EventNotification Reject)."""


def reject(message: str) -> dict[str, Any]:
    return {"SaleToPOIRequest": {"EventNotification": {
        "EventToNotify": "Reject", "EventDetails": "message=" + quote(message),
        "TimeStamp": _now()}}}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class SimTxn:
    sale_id: str
    service_id: str
    sale_txn: dict[str, Any]
    cents: int
    scenario: int | None
    header: dict[str, Any]
    aborted: asyncio.Event = field(default_factory=asyncio.Event)
    answer: asyncio.Future[dict[str, Any]] | None = None
    body: dict[str, Any] | None = None  # the PaymentResponse once done
    poi_txn_id: str = ""
    poi_time: str = ""
    authorised_cents: int = 0
    reversed: bool = False
    lang: str = "en"  # TransactionConditions.CustomerLanguage, for the terminal's own lines

    @property
    def done(self) -> bool:
        return self.body is not None


class SimTerminal:
    def __init__(self, *, poi_id: str = "SIM-POI-1", scenarios: bool = True,
                 approve_delay_s: float = 0.0, slow_s: float = 5.0, tz: tzinfo = RIGA) -> None:
        self.poi_id = poi_id
        self.tz = tz  # where the terminal stands: its receipt lines print local time
        self.scenarios = scenarios
        self.approve_delay_s = approve_delay_s
        self.slow_s = slow_s
        self.seen: set[tuple[str, str]] = set()
        self.payments: dict[tuple[str, str], SimTxn] = {}
        self.by_poi_txn: dict[str, SimTxn] = {}
        # Every Reversal answered, by (SaleID, ServiceID): TransactionStatus repeats its answer.
        self.reversals: dict[tuple[str, str], dict[str, Any]] = {}
        self.reversal_requests = 0  # Reversal requests received, for tests: never a needless one
        self.in_flight: SimTxn | None = None
        self.charges = 0  # approved payments, for tests: never a second charge
        self._seq = itertools.count(1)
        self._recon = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()

    # -- entry point --------------------------------------------------------------------------
    async def handle(self, message: Any) -> dict[str, Any] | None:
        """One request -> its answer (None: empty body). Raises DropConnection for ,96."""
        try:
            header, category, body = self._validate(message)
        except Rejected as exc:
            return reject(str(exc))
        handler = getattr(self, f"_{category.lower()}")
        answer: dict[str, Any] | None = await handler(header, body)
        return answer

    def _validate(self, message: Any) -> tuple[dict[str, Any], str, dict[str, Any]]:
        if not isinstance(message, dict) or set(message) != {"SaleToPOIRequest"}:
            raise Rejected("Not a SaleToPOIRequest")
        root = message["SaleToPOIRequest"]
        hdr = root.get("MessageHeader") if isinstance(root, dict) else None
        if not isinstance(hdr, dict):
            raise Rejected("MessageHeader missing")
        expected = {"ProtocolVersion": "3.0", "MessageClass": "Service", "MessageType": "Request"}
        for key, value in expected.items():
            if hdr.get(key) != value:
                raise Rejected(f"Invalid {key}")
        category = hdr.get("MessageCategory")
        if category not in CATEGORIES:
            raise Rejected("Invalid MessageCategory")
        if not SERVICE_ID_RE.match(str(hdr.get("ServiceID", ""))):
            raise Rejected("Invalid ServiceID")
        if not hdr.get("SaleID"):
            raise Rejected("SaleID missing")
        if hdr.get("POIID") != self.poi_id:
            raise Rejected("Unknown POIID")
        body = root.get(f"{category}Request")
        if not isinstance(body, dict):
            raise Rejected(f"{category}Request missing")
        sale_service = (str(hdr["SaleID"]), str(hdr["ServiceID"]))
        if sale_service in self.seen:
            raise Rejected("Duplicate ServiceID")
        self.seen.add(sale_service)
        return hdr, category, body

    @staticmethod
    def _cents(value: Any) -> int:
        try:
            dec = Decimal(str(value))
        except InvalidOperation:
            raise Rejected("Invalid amount") from None
        if dec <= 0 or dec != dec.quantize(Decimal("0.01")) or dec > Decimal("999999.99"):
            raise Rejected("Invalid amount")
        return int(dec * 100)

    def _response(self, hdr: dict[str, Any], category: str, body: dict[str, Any]
                  ) -> dict[str, Any]:
        return {"SaleToPOIResponse": {"MessageHeader": {**hdr, "MessageType": "Response"},
                                      f"{category}Response": body}}

    # -- Payment ------------------------------------------------------------------------------
    async def _payment(self, hdr: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        try:
            amounts = body["PaymentTransaction"]["AmountsReq"]
            sale_txn = body["SaleData"]["SaleTransactionID"]
            if amounts.get("Currency") != "EUR":
                raise Rejected("Invalid Currency")
            if not sale_txn.get("TransactionID") or not sale_txn.get("TimeStamp"):
                raise Rejected("SaleTransactionID incomplete")
            cents = self._cents(amounts.get("RequestedAmount"))
        except Rejected as exc:
            return reject(str(exc))
        except (KeyError, TypeError):
            return reject("PaymentRequest incomplete")
        scenario = cents % 100 if self.scenarios and cents % 100 >= 91 else None
        if self.in_flight is not None or scenario == 93:
            return self._response(hdr, "Payment", {
                "Response": {"Result": "Failure", "ErrorCondition": "Busy",
                             "AdditionalResponse": "message=Terminal%20busy"},
                "SaleData": {"SaleTransactionID": sale_txn}})
        txn = SimTxn(sale_id=hdr["SaleID"], service_id=hdr["ServiceID"], sale_txn=sale_txn,
                     cents=cents, scenario=scenario, header=hdr, lang=customer_language(body))
        txn.answer = asyncio.get_running_loop().create_future()
        self.payments[(txn.sale_id, txn.service_id)] = txn
        self.in_flight = txn
        task = asyncio.create_task(self._run(txn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        answer = await asyncio.shield(txn.answer)
        if scenario == 96:
            raise DropConnection()
        return answer

    async def _run(self, txn: SimTxn) -> None:
        """The terminal's side of one payment: it goes on whether or not anyone still listens."""
        try:
            if txn.scenario == 95:
                await txn.aborted.wait()
            elif txn.scenario == 98:
                await asyncio.sleep(self.slow_s)
            else:
                wait = self.slow_s if txn.scenario == 97 else self.approve_delay_s
                try:
                    await asyncio.wait_for(txn.aborted.wait(), timeout=wait)
                except TimeoutError:
                    pass
            body = self._decide(txn)
        finally:
            if self.in_flight is txn:
                self.in_flight = None
        txn.body = body
        assert txn.answer is not None
        txn.answer.set_result(self._response(txn.header, "Payment", body))

    def _decide(self, txn: SimTxn) -> dict[str, Any]:
        base = {"SaleData": {"SaleTransactionID": txn.sale_txn}}
        if txn.aborted.is_set() and txn.scenario != 98:
            return {"Response": {"Result": "Failure", "ErrorCondition": "Aborted",
                                 "AdditionalResponse": "message=Transaction%20aborted"}, **base}
        if txn.scenario == 91:
            return {"Response": {"Result": "Failure", "ErrorCondition": "Refusal",
                                 "AdditionalResponse": "refusalReason=05%20%3A%20Do%20not%20honor"},
                    **base}
        if txn.scenario == 92:
            return {"Response": {"Result": "Failure", "ErrorCondition": "Cancel",
                                 "AdditionalResponse": "message=Cancelled%20on%20terminal"}, **base}
        authorised = txn.cents // 2 if txn.scenario == 94 else txn.cents
        result = "Partial" if txn.scenario == 94 else "Success"
        return self._approval(txn, authorised, result)

    def _approval(self, txn: SimTxn, authorised: int, result: str) -> dict[str, Any]:
        seq = next(self._seq)
        txn.poi_txn_id = f"SIM{seq:07d}.{secrets.token_hex(8).upper()}"
        txn.poi_time = _now()
        txn.authorised_cents = authorised
        self.by_poi_txn[txn.poi_txn_id] = txn
        self.charges += 1
        auth = f"{secrets.randbelow(1_000_000):06d}"
        major = to_major(authorised)
        receipt = card_receipt(lang=txn.lang, when=datetime.fromisoformat(txn.poi_time), tz=self.tz,
                               poi_id=self.poi_id, auth=auth, tender=txn.poi_txn_id.split(".")[0],
                               reference=txn.sale_txn.get("TransactionID", ""), total=str(major),
                               partial=result != "Success")
        return {
            "Response": {"Result": result, "AdditionalResponse": urlencode({
                "pspReference": txn.poi_txn_id.split(".")[1], "authCode": auth,
                "cardSummary": "3511", "expiryDate": "3/2030", "cardBin": "541333"})},
            "SaleData": {"SaleTransactionID": txn.sale_txn},
            "POIData": {"POITransactionID": {"TransactionID": txn.poi_txn_id,
                                             "TimeStamp": txn.poi_time},
                        "POIReconciliationID": "1000"},
            "PaymentResult": {
                "PaymentType": "Normal",
                "PaymentInstrumentData": {"PaymentInstrumentType": "Card", "CardData": {
                    "MaskedPan": "541333 **** 3511", "PaymentBrand": "mc",
                    "EntryMode": ["Tapped"], "SensitiveCardData": {"ExpiryDate": "0330"}}},
                "AmountsResp": {"AuthorizedAmount": major, "Currency": "EUR"},
                "PaymentAcquirerData": {"ApprovalCode": auth, "MerchantID": "SimMerchant",
                                        "AcquirerPOIID": self.poi_id,
                                        "AcquirerTransactionID": {"TransactionID": txn.poi_txn_id,
                                                                  "TimeStamp": txn.poi_time}},
            },
            "PaymentReceipt": [
                {"DocumentQualifier": "CashierReceipt", "RequiredSignatureFlag": False,
                 "OutputContent": {"OutputFormat": "Text",
                                   "OutputText": merchant_copy(receipt, txn.lang)}},
                {"DocumentQualifier": "CustomerReceipt", "RequiredSignatureFlag": False,
                 "OutputContent": {"OutputFormat": "Text", "OutputText": receipt}},
            ],
        }

    # -- Abort, TransactionStatus -------------------------------------------------------------
    @staticmethod
    def _ref_key(body: dict[str, Any]) -> tuple[str, str]:
        ref = body.get("MessageReference") or {}
        return str(ref.get("SaleID", "")), str(ref.get("ServiceID", ""))

    def _referenced(self, body: dict[str, Any]) -> SimTxn | None:
        return self.payments.get(self._ref_key(body))

    async def _abort(self, hdr: dict[str, Any], body: dict[str, Any]) -> None:
        txn = self._referenced(body)
        if txn is not None and not txn.done:
            txn.aborted.set()
        return None  # Adyen: HTTP 200, empty body

    async def _transactionstatus(self, hdr: dict[str, Any], body: dict[str, Any]
                                 ) -> dict[str, Any]:
        ref = body.get("MessageReference") or {}
        not_found = self._response(hdr, "TransactionStatus", {"Response": {
            "Result": "Failure", "ErrorCondition": "NotFound",
            "AdditionalResponse": "message=Message%20not%20found"}, "MessageReference": ref})
        category = ref.get("MessageCategory", "Payment")
        if category == "Reversal":
            # A Reversal is answered at once here, so it is either repeated or unknown.
            kept = self.reversals.get(self._ref_key(body))
            if kept is None:
                return not_found
            return self._response(hdr, "TransactionStatus", {
                "Response": {"Result": "Success"}, "MessageReference": ref,
                "RepeatedMessageResponse": {
                    "MessageHeader": {**kept["header"], "MessageType": "Response"},
                    "RepeatedResponseMessageBody": {"ReversalResponse": kept["body"]}}})
        txn = self._referenced(body) if category == "Payment" else None
        if txn is None:
            return not_found
        if not txn.done:
            return self._response(hdr, "TransactionStatus", {"Response": {
                "Result": "Failure", "ErrorCondition": "InProgress",
                "AdditionalResponse": "message=Uncompleted%20transaction"},
                "MessageReference": ref})
        return self._response(hdr, "TransactionStatus", {
            "Response": {"Result": "Success"}, "MessageReference": ref,
            "RepeatedMessageResponse": {
                "MessageHeader": {**txn.header, "MessageType": "Response"},
                "RepeatedResponseMessageBody": {"PaymentResponse": txn.body}}})

    # -- Reversal, Diagnosis, Reconciliation --------------------------------------------------
    async def _reversal(self, hdr: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        self.reversal_requests += 1
        answer = self._reverse(hdr, body)
        self.reversals[(str(hdr["SaleID"]), str(hdr["ServiceID"]))] = {
            "header": hdr, "body": answer["SaleToPOIResponse"]["ReversalResponse"]}
        return answer

    def _reverse(self, hdr: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        orig = ((body.get("OriginalPOITransaction") or {}).get("POITransactionID") or {})
        txn = self.by_poi_txn.get(str(orig.get("TransactionID", "")))

        def failure(error: str) -> dict[str, Any]:
            return self._response(hdr, "Reversal", {"Response": {
                "Result": "Failure", "ErrorCondition": error}})

        if txn is None:
            return failure("NotFound")
        if txn.reversed:
            return failure("NotAllowed")
        if "ReversedAmount" in body:
            try:
                amount = self._cents(body["ReversedAmount"])
            except Rejected:
                return failure("MessageFormat")
            if amount > txn.authorised_cents:
                return failure("MessageFormat")
        else:
            amount = txn.authorised_cents
        txn.reversed = True
        seq = next(self._seq)
        major = to_major(amount)
        return self._response(hdr, "Reversal", {
            "Response": {"Result": "Success"},
            "POIData": {"POITransactionID": {"TransactionID": f"SIM{seq:07d}.REV",
                                             "TimeStamp": _now()}},
            "OriginalPOITransaction": {"POITransactionID": orig},
            "ReversedAmount": major,
            "PaymentReceipt": [{"DocumentQualifier": "CustomerReceipt", "OutputContent": {
                "OutputFormat": "Text", "OutputText": refund_receipt(lang=txn.lang,
                                                                     total=str(major))}}],
        })

    async def _diagnosis(self, hdr: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        return self._response(hdr, "Diagnosis", {
            "Response": {"Result": "Success"},
            "POIStatus": {"GlobalStatus": "OK", "CommunicationOKFlag": True},
            "HostStatus": [{"AcquirerID": "SimAcquirer", "IsReachableFlag": True}]})

    async def _reconciliation(self, hdr: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        count = sum(1 for t in self.by_poi_txn.values() if not t.reversed)
        total = sum(t.authorised_cents for t in self.by_poi_txn.values() if not t.reversed)
        return self._response(hdr, "Reconciliation", {
            "Response": {"Result": "Success"},
            "ReconciliationType": body.get("ReconciliationType", "SaleReconciliation"),
            "POIReconciliationID": str(next(self._recon)),
            "TransactionTotals": [{"PaymentBrand": "mc", "PaymentCurrency": "EUR",
                                   "TransactionCount": count,
                                   "TransactionAmount": to_major(total) if total else
                                   Decimal("0.00")}]})
