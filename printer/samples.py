"""Small demo documents for `kiosk receipt render --sample`, the gallery and tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from common.signing import DEFAULT_VERIFY_BASE, SignedLine, Signer, demo_signer, sign
from printer.documents import (
    ApplicationAck,
    ApplicationToSign,
    CardPayment,
    CashHandover,
    CashPayment,
    Document,
    Header,
    InvoiceLine,
    JournalRow,
    NotChargedSlip,
    OutcomeUnknownSlip,
    PaymentReceipt,
    ReceiptJournal,
    SelfTestPage,
    ShiftReport,
    SignedAnswer,
)

SAMPLES = ("payment", "cash", "pending", "unknown", "not-charged", "application", "application-to-sign", "duplicate",
           "z-report", "handover", "journal", "test")
WHEN = datetime(2026, 11, 27, 9, 41, 5, tzinfo=UTC)
HEADER = Header(municipality="Cēsu novada pašvaldība", location="Zosēnu bibliotēka", kiosk_id="demo-zoseni-1")
INVOICES = (
    InvoiceLine("Nekustamā īpašuma nodoklis", "2026000457", "2026. g. 2. ceturksnis", 4218, "CESIS-NIN",
                "Cēsu novada pašvaldība", "cadastral", "42960012345"),
    InvoiceLine("Ūdensapgāde un kanalizācija", "UK-118204", "oktobris 2026", 1975, "CESU-UDENS",
                "SIA Vinda", "object", "Līgums Ū-11820"),
    InvoiceLine("Sadzīves atkritumu apsaimniekošana", "ATK-55031", "oktobris 2026", 862, "ECOBALTIA",
                "SIA ZAAO", "object", "Līgums A-550310"),
)
TERMINAL_LINES = (
    "SIMULATOR TERMINAL  TID 80012345",
    "MID 000123456789",
    "VISA CONTACTLESS",
    "**** **** **** 4242",
    "AID A0000000031010",
    "PURCHASE          EUR 70.55",
    "AUTH CODE 123456   STAN 000042",
    "NO CVM REQUIRED",
    "APPROVED",
)


def signed_payment(*, cash: bool = False, pending: bool = False, reprint: bool = False,
                   signer: Signer | None = None, receipt_no: str = "demo-zoseni-1.1-42",
                   verify_base: str = DEFAULT_VERIFY_BASE) -> PaymentReceipt:
    signer = signer or demo_signer()
    total = sum(i.amount_cents for i in INVOICES)
    signed = sign(
        signer, kiosk_id=HEADER.kiosk_id, receipt_no=receipt_no, time=WHEN, total_cents=total,
        method="N" if cash else "C",
        lines=[SignedLine(i.amount_cents, i.creditor_id, i.notice_no) for i in INVOICES],
        prev_ksig=b"previous-receipt-signature", verify_base=verify_base,
    )
    payment: CardPayment | CashPayment = (
        CashPayment(tendered_cents=8000, change_cents=8000 - total) if cash else CardPayment(TERMINAL_LINES)
    )
    return PaymentReceipt(
        header=HEADER, receipt_no=receipt_no, paid_at=WHEN, invoices=INVOICES, payment=payment,
        payer_masked="J*** B*****S", verify_url=signed.url, verify_code=signed.short_code,
        pending=pending, reprinted_at=WHEN + timedelta(hours=2) if reprint else None, demo=signer.demo,
    )


def sample(name: str) -> Document:
    if name == "payment":
        return signed_payment()
    if name == "cash":
        return signed_payment(cash=True)
    if name == "pending":
        return signed_payment(pending=True)
    if name == "duplicate":
        return signed_payment(reprint=True)
    if name == "unknown":
        return OutcomeUnknownSlip(HEADER, reference_code="U7K2M9QX", started_at=WHEN, amount_cents=7055,
                                  invoices=INVOICES, demo=True)
    if name == "not-charged":
        return NotChargedSlip(HEADER, reference_code="U7K2M9QX", started_at=WHEN,
                              resolved_at=WHEN + timedelta(minutes=25), amount_cents=7055, demo=True)
    if name == "application":
        return ApplicationAck(
            HEADER, registration_no="PIE-2026-000318", submitted_at=WHEN,
            form_title="Pabalsts kurināmā iegādei",
            summary=(("Personu skaits mājsaimniecībā", "3"), ("Apkures veids", "Malka"),
                     ("Iesniedzējs", "J*** B*****S")),
            next_steps="Lēmumu pieņems 1 mēneša laikā. Jums piezvanīs vai atsūtīs vēstuli.",
            status_url="https://kac.cesis.lv/a/PIE-2026-000318", demo=True,
        )
    if name == "application-to-sign":
        return ApplicationToSign(
            HEADER, application_no="7F3A9C21D0", submitted_at=WHEN,
            form_title="Pabalsts kurināmā iegādei", form_title_own="Heating (firewood) allowance",
            answers=(SignedAnswer("Vārds, uzvārds", "Jānis Bērziņš", "First name and surname"),
                     SignedAnswer("Personas kods", "120375-1****", "Personal code"),
                     SignedAnswer("Mājsaimniecības kopējie ienākumi mēnesī (eiro)", "640,50 €",
                                  "Total monthly household income (euro)"),
                     SignedAnswer("Kā tiek apkurināts mājoklis?", "Ar malku", "How is the home heated?",
                                  "Firewood")),
            service_notice="The social service will decide within one month.",
            held_code="KACAPP:7F3A9C21D0", demo=True,
        )
    if name == "z-report":
        return ShiftReport(
            HEADER, shift_no="demo-zoseni-1-S0031", opened_at=WHEN - timedelta(hours=8), closed_at=WHEN,
            operator="Līga Ozoliņa", card_count=14, card_total_cents=61240, cash_count=5,
            cash_total_cents=12780, refund_count=1, refund_total_cents=1975, expected_cash_cents=12780,
            counted_cash_cents=12770, first_receipt="demo-zoseni-1.1-29", last_receipt="demo-zoseni-1.1-47",
            demo=True,
        )
    if name == "handover":
        return CashHandover(
            HEADER, handover_no="INK-2026-0012", handed_at=WHEN, cashier="Līga Ozoliņa",
            collector="Jānis Bērziņš, SIA Inkasācija", period_from=WHEN - timedelta(days=7), period_to=WHEN,
            expected_cents=12780, counted_cents=12770,
            denominations=((5000, 1), (2000, 3), (1000, 1), (200, 5), (50, 1), (20, 1)),
            first_receipt="demo-zoseni-1.1-12", last_receipt="demo-zoseni-1.1-47",
            bag_no="B-0457", seal_no="S-889120", note="Iztrūkst 0,10 €", demo=True,
        )
    if name == "journal":
        rows = tuple(
            JournalRow(f"demo-zoseni-1.1-{40 + i}", WHEN + timedelta(minutes=17 * i), "C" if i % 3 else "N",
                       1200 + 735 * i, ("printed", "printed", "duplicate", "pending", "printed", "reversed")[i])
            for i in range(6)
        )
        return ReceiptJournal(HEADER, day=date(2026, 11, 27), rows=rows, printed_at=WHEN + timedelta(hours=8),
                              demo=True)
    if name == "test":
        return SelfTestPage(HEADER, printed_at=WHEN, demo=True)
    raise KeyError(f"unknown sample {name!r}; choose from {', '.join(SAMPLES)}")
