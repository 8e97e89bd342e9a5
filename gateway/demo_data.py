"""Deterministic demo data: Cēsis municipality's libraries, creditors, payers and 2026 invoices.

Everything here is invented (names, IBANs, registration and cadastral numbers) but shaped like the
real thing. Tests and the GUI use `DEMO_INVOICES` to type or scan a real demo invoice.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.personal_code import check_digit
from gateway.models import Creditor, Instalment, Invoice, Location, Payer

LOCATIONS: list[tuple[str, str]] = [
    ("cesis", "Cēsu Centrālā bibliotēka"),
    ("ridzene", "Rīdzenes bibliotēka"),
    ("veselava", "Veselavas bibliotēka"),
    ("dzerbene", "Dzērbenes bibliotēka"),
    ("taurene", "Taurenes bibliotēka"),
    ("inesi", "Inešu bibliotēka"),
    ("kaive", "Kaives bibliotēka"),
    ("marsneni", "Mārsnēnu bibliotēka"),
    ("zoseni", "Zosēnu bibliotēka"),
]

DEMO_KIOSK_ID = "demo-zoseni-1"
DEMO_LOCATION = "zoseni"


def iban(country: str, bank: str, account: str) -> str:
    """A checksum-valid IBAN (ISO 13616 mod 97) for the demo creditors."""
    rearranged = bank + account + country + "00"
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    check = 98 - int(digits) % 97
    return f"{country}{check:02d}{bank}{account}"


# id, name, reg_no, iban, bic
CREDITORS: list[tuple[str, str, str, str, str]] = [
    ("cesu-novads", "Cēsu novada pašvaldība", "90000031048", iban("LV", "HABA", "0551020304050"), "HABALV22"),
    ("vinda", "SIA Vinda", "44103015231", iban("LV", "UNLA", "0050014429871"), "UNLALV2X"),
    ("zaao", "SIA ZAAO", "44103015509", iban("LV", "HABA", "0551004417262"), "HABALV22"),
    ("cesu-nami", "SIA Cēsu nami", "44103120785", iban("LV", "PARX", "0012345678901"), "PARXLV22"),
]

SERVICE_CREDITOR = {"property-tax": "cesu-novads", "water": "vinda", "waste": "zaao", "rent": "cesu-nami"}

PAYER_NAMES: list[str] = [
    "Jānis Bērziņš", "Anna Kalniņa", "Pēteris Ozols", "Līga Liepiņa", "Andris Krūmiņš",
    "Ilze Zariņa", "Māris Kļaviņš", "Inese Ozoliņa", "Guntis Vītols", "Dace Jansone",
    "Aivars Šmits", "Ieva Ķēniņa", "Uldis Pētersons", "Gunta Vilciņa", "Ojārs Grīnbergs",
    "Zane Āboliņa", "Edgars Lūsis", "Ruta Strazdiņa", "Valdis Eglītis", "Baiba Žagare",
    "Raimonds Priede", "Sarmīte Čakste", "Juris Ļaviņš", "Vija Rubene", "Normunds Siliņš",
    "Mārīte Gaiļa", "Kārlis Dūmiņš", "Solvita Ņikiforova", "Ģirts Putniņš", "Ērika Ozoliņa",
]
DECEASED = {"Ērika Ozoliņa"}


def _personal_codes() -> dict[str, str]:
    """Fictitious but valid old-style personal codes (`DDMMYY-1NNNC`, born 1940-1999) for the demo
    payers, for the desk's lookup by person (docs/architecture.md, "Operators"). Stored only as
    their keyed hash, as imported payers' are."""
    rng = random.Random(20261127)
    codes: dict[str, str] = {}
    for name in PAYER_NAMES:
        born = date.fromordinal(rng.randint(date(1940, 1, 1).toordinal(), date(1999, 12, 31).toordinal()))
        first_ten = f"{born:%d%m%y}1{rng.randint(0, 999):03d}"
        codes[name] = first_ten + str(check_digit(first_ten))
    return codes


PAYER_CODES: dict[str, str] = _personal_codes()  # name -> 11 digits

# Real-estate tax instalments (NĪN): 31 March, 15 May, 15 August, 15 November (2026: Monday 16th).
NIN_DUE = [date(2026, 3, 31), date(2026, 5, 15), date(2026, 8, 17), date(2026, 11, 16)]


@dataclass(frozen=True)
class DemoInvoice:
    notice_number: str
    check_value: str
    service: str
    payer_name: str
    total_cents: int
    paid_cents: int
    period_start: date
    period_end: date
    due_dates: tuple[date, ...]
    object_kind: str
    object_ref: str
    note: str = ""
    instalments: tuple[int, ...] = field(default=())

    @property
    def creditor_id(self) -> str:
        return SERVICE_CREDITOR[self.service]

    @property
    def invoice_id(self) -> str:
        return f"inv-{self.notice_number}"

    @property
    def balance_cents(self) -> int:
        return self.total_cents - self.paid_cents


def _split(total: int, parts: int) -> tuple[int, ...]:
    base = total // parts
    return tuple([base] * (parts - 1) + [total - base * (parts - 1)])


def _cadastral(rng: random.Random) -> str:
    # Cēsis-area cadastral numbers start with the territory code 42xx.
    return f"42{rng.randint(40, 96):02d}{rng.randint(0, 9999999):07d}"


def _build() -> list[DemoInvoice]:
    rng = random.Random(20260457)
    out: list[DemoInvoice] = []
    used_checks: set[str] = set()

    def check() -> str:
        while True:
            value = f"{rng.randint(0, 9999):04d}"
            if value not in used_checks:
                used_checks.add(value)
                return value

    def add(
        notice: str, service: str, payer: str, total: int, paid: int, note: str = "", chk: str | None = None,
        schedule: tuple[date, ...] = (),
    ) -> None:
        if schedule:  # an explicit instalment plan (the one with instalments still to come)
            start, end, dues = schedule[0].replace(day=1), schedule[-1], schedule
            inst = _split(total, len(schedule))
            kind, ref = "object", f"Dzīvoklis Nr. {rng.randint(1, 24)}, obj. {rng.randint(1000, 9999)}"
        elif service == "property-tax":
            start, end, dues = date(2026, 1, 1), date(2026, 12, 31), tuple(NIN_DUE)
            inst = _split(total, 4)
            kind, ref = "cadastral", _cadastral(rng)
        else:
            month = rng.choice([9, 10, 11])
            start = date(2026, month, 1)
            end = date(2026, month + 1, 1).replace(day=1)
            end = date.fromordinal(end.toordinal() - 1)
            dues = (date(2026, month + 1, 20),)
            inst = (total,)
            if service == "rent":
                kind, ref = "object", f"Dzīvoklis Nr. {rng.randint(1, 24)}, obj. {rng.randint(1000, 9999)}"
            elif service == "water":
                kind, ref = "object", f"Līgums Ū-{rng.randint(10000, 99999)}"
            else:
                kind, ref = "object", f"Līgums A-{rng.randint(100000, 999999)}"
        value = chk or check()
        used_checks.add(value)
        out.append(
            DemoInvoice(notice, value, service, payer, total, paid, start, end, dues, kind, ref, note, inst)
        )

    # The named cases the tests and the GUI walk through.
    add("2026000457", "property-tax", "Jānis Bērziņš", 14840, 0, "property tax, 4 instalments, unpaid", chk="4821")
    add("2026000458", "property-tax", "Anna Kalniņa", 23612, 5903, "property tax, first instalment paid")
    add("2026000459", "water", "Pēteris Ozols", 3874, 0, "water and sewage, unpaid")
    add("2026000460", "waste", "Līga Liepiņa", 1629, 0, "waste collection, unpaid")
    add("2026000461", "rent", "Andris Krūmiņš", 18750, 0, "municipal flat rent, unpaid")
    add("2026000462", "water", "Ilze Zariņa", 2411, 2411, "fully paid")
    add("2026000463", "property-tax", "Ērika Ozoliņa", 9216, 0, "deceased payer; an heir pays")
    add("2026000464", "rent", "Māris Kļaviņš", 21000, 7000, "rent, partly paid")

    notice = 2026000500
    services = ["property-tax", "water", "waste", "rent"]
    for name in PAYER_NAMES[6:]:
        for _ in range(rng.randint(1, 2)):
            service = rng.choice(services)
            total = {
                "property-tax": rng.randint(2500, 60000),
                "water": rng.randint(900, 9000),
                "waste": rng.randint(700, 3500),
                "rent": rng.randint(9000, 32000),
            }[service]
            paid = 0
            roll = rng.random()
            if roll < 0.15:
                paid = total
            elif roll < 0.35 and service == "property-tax":
                paid = _split(total, 4)[0]
            add(str(notice), service, name, total, paid)
            notice += 7
    # Added last, so the generated invoices above stay as they were: a rent plan in four quarterly
    # instalments, the first paid, the second overdue, two still to come in 2027, so the choice
    # between what is due now and everything is seen.
    add("2026000465", "rent", "Vija Rubene", 36000, 9000, "rent in instalments, one overdue, two to come",
        chk="7315", schedule=(date(2026, 8, 20), date(2026, 11, 20), date(2027, 2, 22), date(2027, 5, 20)))
    return out


DEMO_INVOICES: list[DemoInvoice] = _build()


def demo_invoice(notice_number: str) -> DemoInvoice:
    for inv in DEMO_INVOICES:
        if inv.notice_number == notice_number:
            return inv
    raise KeyError(notice_number)


def _legacy_ref(i: int) -> str:
    """The made-up ref demo payers had before they were kept under their code's keyed hash."""
    return f"P{1000100 + i * 37:07d}"


def seed(session: Session, payer_ref: Callable[[str], str] | None = None) -> int:
    """Insert whatever demo rows are missing (safe to run again). Returns invoices added.

    `payer_ref` is the gateway's keyed hash of a code (`ImportKeys.payer_ref`; default: from the
    gateway's default key, as the import's): demo payers are kept under it like imported ones, so
    the person search finds both the same way. A payer of an older demo database (its legacy ref)
    is re-keyed in place, keeping its invoices.
    """
    if payer_ref is None:
        from gateway.services.imports import ImportKeys
        from gateway.settings import ApplicationsSettings

        payer_ref = ImportKeys.derive(ApplicationsSettings.load().pepper).payer_ref
    for code, name in LOCATIONS:
        if session.get(Location, code) is None:
            session.add(Location(code=code, name=name))
    for cid, name, reg, acc, bic in CREDITORS:
        if session.get(Creditor, cid) is None:
            session.add(Creditor(id=cid, name=name, reg_no=reg, iban=acc, bic=bic))
    session.flush()
    refs = {name: payer_ref(PAYER_CODES[name]) for name in PAYER_NAMES}
    wanted = [*refs.values(), *(_legacy_ref(i) for i in range(len(PAYER_NAMES)))]
    by_ref = {p.payer_ref: p for p in session.execute(select(Payer).where(Payer.payer_ref.in_(wanted))).scalars()}
    payers: dict[str, Payer] = {}
    for i, name in enumerate(PAYER_NAMES):
        p = by_ref.get(refs[name]) or by_ref.get(_legacy_ref(i))
        if p is None:
            p = Payer(payer_ref=refs[name], name=name, deceased=name in DECEASED)
            session.add(p)
        p.payer_ref = refs[name]
        payers[name] = p
    session.flush()
    issued = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    added = 0
    for d in DEMO_INVOICES:
        if session.get(Invoice, d.invoice_id) is not None:
            continue
        session.add(
            Invoice(
                id=d.invoice_id,
                notice_number=d.notice_number,
                check_value=d.check_value,
                service=d.service,
                creditor_id=d.creditor_id,
                payer_id=payers[d.payer_name].id,
                period_start=d.period_start,
                period_end=d.period_end,
                total_cents=d.total_cents,
                paid_cents=d.paid_cents,
                object_kind=d.object_kind,
                object_ref=d.object_ref,
                issued_at=issued,
                instalments=[
                    Instalment(seq=i + 1, due_date=due, amount_cents=amt)
                    for i, (due, amt) in enumerate(zip(d.due_dates, d.instalments, strict=True))
                ],
            )
        )
        added += 1
    session.flush()
    return added
