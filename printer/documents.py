"""What the kiosk prints, as plain data. Money is int cents; times are timezone-aware (UTC in,
Europe/Riga on paper). Texts that come from data (service names, form titles, terminal lines) are
already in the resident's language; fixed wording comes from the printer catalog at layout time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Header:
    municipality: str  # e.g. "Cēsu novada pašvaldība"
    location: str  # e.g. "Zosēnu bibliotēka"
    kiosk_id: str


@dataclass(frozen=True)
class InvoiceLine:
    service: str
    notice_no: str
    period: str
    amount_cents: int
    creditor_id: str = ""  # hashed into the signed payload, not printed
    # Named on paper, so the receipt proves on its own whom and what was paid
    # (docs/architecture.md, "Receipts"): "SIA Vinda", and "cadastral" + the cadastral number.
    creditor_name: str = ""
    object_kind: str = ""
    object_ref: str = ""


@dataclass(frozen=True)
class CardPayment:
    """The terminal's customer receipt, printed unchanged (card-scheme rules)."""

    terminal_lines: tuple[str, ...]
    method_code: str = "C"


@dataclass(frozen=True)
class CashPayment:
    tendered_cents: int
    change_cents: int
    method_code: str = "N"


@dataclass(frozen=True)
class PaymentReceipt:
    """MAKSĀJUMA APLIECINĀJUMS (docs/architecture.md, "Receipts"). `pending` = POST_PENDING (awaiting confirmation);
    `reprinted_at` set = a DUBLIKĀTS with the same number."""

    header: Header
    receipt_no: str
    paid_at: datetime
    invoices: tuple[InvoiceLine, ...]
    payment: CardPayment | CashPayment
    payer_masked: str = ""
    verify_url: str = ""  # the signed QR content (common.signing.SignedReceipt.url)
    verify_code: str = ""  # SignedReceipt.short_code
    pending: bool = False
    reprinted_at: datetime | None = None
    demo: bool = False

    @property
    def total_cents(self) -> int:
        return sum(i.amount_cents for i in self.invoices)

    @property
    def duplicate(self) -> bool:
        return self.reprinted_at is not None


@dataclass(frozen=True)
class OutcomeUnknownSlip:
    """Printed when the terminal's answer was lost: do not pay again; scan this later."""

    header: Header
    reference_code: str  # the journal's reference code ([0-9A-Z], short)
    started_at: datetime
    amount_cents: int
    invoices: tuple[InvoiceLine, ...] = ()
    demo: bool = False

    @property
    def scan_payload(self) -> str:
        """What the QR and the Code 128 hold; the kiosk's scanner recognises the prefix."""
        return f"KACREF:{self.reference_code}"


@dataclass(frozen=True)
class NotChargedSlip:
    """The answer to a scanned "outcome unknown" slip when the payment did not happen."""

    header: Header
    reference_code: str
    started_at: datetime
    resolved_at: datetime
    amount_cents: int
    demo: bool = False


@dataclass(frozen=True)
class ApplicationAck:
    header: Header
    registration_no: str
    submitted_at: datetime
    form_title: str
    summary: tuple[tuple[str, str], ...]  # (label, value), already masked where personal
    next_steps: str
    status_url: str = ""  # QR content; no personal data
    demo: bool = False
    # received | will_be_sent (gateway down) | awaiting_identity (sign, then the librarian sends)
    status: str = "received"


@dataclass(frozen=True)
class SignedAnswer:
    """One question and its answer on the copy a resident signs: Latvian first, and the resident's
    language beside it where it differs ("" when it is the same)."""

    label: str
    value: str
    label_own: str = ""
    value_own: str = ""


@dataclass(frozen=True)
class ApplicationToSign:
    """An application that waits for the librarian's ID check, printed as two slips in one job:
    the copy the resident signs and hands over (every answer, Latvian first: it is the application
    to the municipality) and the resident's own slip saying what happens next, in their language.
    A kiosk application number, never a registration number the municipality has not given yet."""

    header: Header
    application_no: str  # the kiosk's own id: matches the signed copy, the slip and the queue
    submitted_at: datetime
    form_title: str  # Latvian
    form_title_own: str  # the resident's language ("" when Latvian)
    answers: tuple[SignedAnswer, ...]  # masked where personal (personal code, account)
    service_notice: str  # the resident's language: who decides, and how they will answer
    held_code: str  # QR content for the librarian's scanner; no personal data
    registration_no: str = ""  # set only when the municipality already registered it (desk)
    demo: bool = False


@dataclass(frozen=True)
class ShiftReport:
    """Shift close (Z) report: an internal cash document, not a fiscal one."""

    header: Header
    shift_no: str
    opened_at: datetime
    closed_at: datetime
    operator: str
    card_count: int
    card_total_cents: int
    cash_count: int
    cash_total_cents: int
    refund_count: int
    refund_total_cents: int
    expected_cash_cents: int
    counted_cash_cents: int
    first_receipt: str = ""
    last_receipt: str = ""
    demo: bool = False
    # The desk's shift (docs/architecture.md, "Counters, shifts and statistics"): the float counted
    # in, cash handed over during the shift, the cash counted per denomination and why it differs.
    float_cents: int = 0
    handovers_cents: int = 0
    difference_reason: str = ""
    denominations: tuple[tuple[int, int], ...] = ()  # (value cents, count)

    @property
    def difference_cents(self) -> int:
        return self.counted_cash_cents - self.expected_cash_cents


@dataclass(frozen=True)
class CashHandover:
    """Cash handed to the collector: two copies, each with two signature lines."""

    header: Header
    handover_no: str
    handed_at: datetime
    cashier: str
    collector: str
    period_from: datetime
    period_to: datetime
    expected_cents: int
    counted_cents: int
    denominations: tuple[tuple[int, int], ...] = ()  # (value cents, count)
    first_receipt: str = ""
    last_receipt: str = ""
    bag_no: str = ""
    seal_no: str = ""
    note: str = ""
    demo: bool = False


@dataclass(frozen=True)
class JournalRow:
    receipt_no: str
    time: datetime
    method: str  # "C" | "N"
    amount_cents: int
    status: str  # printed | duplicate | pending | failed | reversed


@dataclass(frozen=True)
class ReceiptJournal:
    header: Header
    day: date
    rows: tuple[JournalRow, ...]
    printed_at: datetime
    demo: bool = False


@dataclass(frozen=True)
class SelfTestPage:
    header: Header
    printed_at: datetime
    demo: bool = False
    extra_lines: tuple[str, ...] = field(default=())


Document = (PaymentReceipt | OutcomeUnknownSlip | NotChargedSlip | ApplicationAck | ApplicationToSign
            | ShiftReport | CashHandover
            | ReceiptJournal | SelfTestPage)
