"""The payments export as ISO 20022 camt.054.001.08 (Bank-to-Customer Debit/Credit Notification).

An accounting system that books bank notifications books the kiosks' payments the same way
(docs/payments-export.md): one notification (`Ntfctn`) per creditor account, one booked credit
entry (`Ntry`) per payment and account, and one transaction (`TxDtls`) per invoice the payment
paid, whose unstructured remittance is the notice number as a bank transfer carries it. Money not
allocated to any invoice (credit for staff) goes to a separate notification for the account
`KAC-CREDIT`, so it is listed, never absorbed.
"""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from gateway.services.exports import ExportedPayment, ExportInvalid, day_range, euros, local_day

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
CREDIT_ACCOUNT = "KAC-CREDIT"
# Bank transaction codes (ISO external code list): card takings at a point of sale, cash at a counter.
BANK_CODES = {"card": ("PMNT", "MCRD", "POSP"), "cash": ("PMNT", "CNTR", "CDPT")}


@dataclass(frozen=True)
class Account:
    key: str  # IBAN, or CREDIT_ACCOUNT
    owner: str


@dataclass(frozen=True)
class Line:
    cents: int
    notice_number: str  # "" for credit


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _ts(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _max35(text: str) -> str | None:
    return text if text and len(text) <= 35 else None


def _grouped(payments: list[ExportedPayment]) -> dict[Account, list[tuple[ExportedPayment, list[Line]]]]:
    """Account -> the payments that credit it, each with its lines for that account."""
    out: dict[Account, list[tuple[ExportedPayment, list[Line]]]] = defaultdict(list)
    for ex in payments:
        per: dict[Account, list[Line]] = defaultdict(list)
        for a in ex.row.allocations:
            cred = a.invoice.creditor
            per[Account(cred.iban, cred.name)].append(Line(a.amount_cents, a.invoice.notice_number))
        if ex.row.credit_cents:
            per[Account(CREDIT_ACCOUNT, "Unallocated kiosk payments (staff review)")].append(
                Line(ex.row.credit_cents, ""))
        for acct, lines in per.items():
            out[acct].append((ex, lines))
    return dict(sorted(out.items(), key=lambda kv: (kv[0].key == CREDIT_ACCOUNT, kv[0].key)))


def _additional(ex: ExportedPayment) -> str:
    p = ex.row
    parts = [f"kiosk {p.kiosk_id}", f"location {ex.location_code} {ex.location_name}", f"method {p.method}"]
    if p.receipt_no:
        parts.append(f"receipt {p.receipt_no}")
    if p.terminal_id or p.terminal_txn_id:
        parts.append(f"terminal {p.terminal_id or '-'} txn {p.terminal_txn_id or '-'}")
    if p.approval_code:
        parts.append(f"approval {p.approval_code}")
    if p.needs_review:
        parts.append(f"needs review: {p.flags or 'credit'}")
    return "; ".join(parts)[:500]


def _entry(parent: ET.Element, ex: ExportedPayment, lines: list[Line], credit: bool) -> None:
    p = ex.row
    ntry = _sub(parent, "Ntry")
    _sub(ntry, "NtryRef", p.id[:35])
    _sub(ntry, "Amt", euros(sum(ln.cents for ln in lines)), Ccy="EUR")
    _sub(ntry, "CdtDbtInd", "CRDT")
    _sub(_sub(ntry, "Sts"), "Cd", "BOOK")
    _sub(_sub(ntry, "BookgDt"), "DtTm", _ts(p.posted_at))
    _sub(_sub(ntry, "ValDt"), "Dt", local_day(p.approved_at).isoformat())
    _sub(ntry, "AcctSvcrRef", p.id[:35])
    domain, family, sub = BANK_CODES.get(p.method, BANK_CODES["card"])
    dom = _sub(_sub(ntry, "BkTxCd"), "Domn")
    _sub(dom, "Cd", domain)
    fmly = _sub(dom, "Fmly")
    _sub(fmly, "Cd", family)
    _sub(fmly, "SubFmlyCd", sub)
    dtls = _sub(ntry, "NtryDtls")
    for ln in lines:
        tx = _sub(dtls, "TxDtls")
        refs = _sub(tx, "Refs")
        _sub(refs, "AcctSvcrRef", p.id[:35])
        _sub(refs, "EndToEndId", _max35(p.receipt_no or "") or "NOTPROVIDED")
        if txn := _max35(p.terminal_txn_id or ""):
            _sub(refs, "TxId", txn)
        for kind, value in (("KIOSK", p.kiosk_id), ("LOCATION", ex.location_code), ("TERMINAL", p.terminal_id)):
            if ref := _max35(value or ""):
                prtry = _sub(refs, "Prtry")
                _sub(prtry, "Tp", kind)
                _sub(prtry, "Ref", ref)
        _sub(tx, "Amt", euros(ln.cents), Ccy="EUR")
        _sub(tx, "CdtDbtInd", "CRDT")
        if ln.notice_number:
            _sub(_sub(tx, "RmtInf"), "Ustrd", f"Pazinojums {ln.notice_number}")
        _sub(_sub(tx, "RltdDts"), "AccptncDtTm", _ts(p.approved_at))
        _sub(tx, "AddtlTxInf", _additional(ex))
    if credit:
        _sub(ntry, "AddtlNtryInf", "Not allocated to an invoice: credit for staff to resolve")


def build(payments: list[ExportedPayment], first: date, last: date, now: datetime,
          msg_id: str | None = None) -> bytes:
    """The camt.054.001.08 document (UTF-8 XML) for `payments` posted on the Riga days first..last."""
    start, end = day_range(first, last)
    root = ET.Element("Document", {"xmlns": NAMESPACE})
    body = _sub(root, "BkToCstmrDbtCdtNtfctn")
    msg_id = msg_id or f"KAC{first:%Y%m%d}{last:%Y%m%d}-{secrets.token_hex(4)}"
    hdr = _sub(body, "GrpHdr")
    _sub(hdr, "MsgId", msg_id)
    _sub(hdr, "CreDtTm", _ts(now))
    _sub(hdr, "AddtlInf", f"KAC kiosk payments posted {first.isoformat()}..{last.isoformat()} (Europe/Riga)")
    for n, (acct, entries) in enumerate(_grouped(payments).items(), start=1):
        nt = _sub(body, "Ntfctn")
        _sub(nt, "Id", f"{msg_id}-{n}"[:35])
        _sub(nt, "CreDtTm", _ts(now))
        period = _sub(nt, "FrToDt")
        _sub(period, "FrDtTm", _ts(start))
        _sub(period, "ToDtTm", _ts(end))
        acct_el = _sub(nt, "Acct")
        ident = _sub(acct_el, "Id")
        if acct.key == CREDIT_ACCOUNT:
            _sub(_sub(ident, "Othr"), "Id", CREDIT_ACCOUNT)
        else:
            _sub(ident, "IBAN", acct.key)
        _sub(acct_el, "Ccy", "EUR")
        _sub(_sub(acct_el, "Ownr"), "Nm", acct.owner[:140])
        total = sum(ln.cents for _ex, lines in entries for ln in lines)
        summary = _sub(nt, "TxsSummry")
        ttl = _sub(summary, "TtlNtries")
        _sub(ttl, "NbOfNtries", str(len(entries)))
        _sub(ttl, "Sum", euros(total))
        net = _sub(ttl, "TtlNetNtry")
        _sub(net, "Amt", euros(total))
        _sub(net, "CdtDbtInd", "CRDT")
        cdt = _sub(summary, "TtlCdtNtries")
        _sub(cdt, "NbOfNtries", str(len(entries)))
        _sub(cdt, "Sum", euros(total))
        for ex, lines in entries:
            _entry(nt, ex, lines, acct.key == CREDIT_ACCOUNT)
    ET.indent(root)
    body_xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body_xml


# What XML 1.0 cannot carry at all (ElementTree writes it unescaped, and no parser reads it back).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _unwritable(payments: list[ExportedPayment]) -> list[str]:
    """The payments holding a character XML cannot carry, to name them in the refusal."""
    out = []
    for ex in payments:
        p = ex.row
        texts = (p.kiosk_id, p.receipt_no, p.terminal_id, p.terminal_txn_id, p.approval_code, p.flags,
                 ex.location_code, ex.location_name, *(a.invoice.notice_number for a in p.allocations))
        if any(t and _NOT_XML.search(t) for t in texts):
            out.append(p.id)
    return out


def check(data: bytes, payments: list[ExportedPayment]) -> None:
    """Parse the document back (`ExportInvalid` when it is not a well-formed camt.054)."""
    try:
        # Our own document, just made: no entity or DTD of anyone else's to be wary of.
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        bad = _unwritable(payments)
        which = f"; payments with a character XML cannot carry: {', '.join(bad)}" if bad else ""
        raise ExportInvalid(f"the camt.054 is not well-formed XML ({exc}){which}") from None
    if root.tag != f"{{{NAMESPACE}}}Document" or root.find(f"{{{NAMESPACE}}}BkToCstmrDbtCdtNtfctn") is None:
        raise ExportInvalid("the camt.054 does not read back as a camt.054 document")
