"""The librarian's desk through the real services: sign-in, lookup by person after the ID check,
cash with change and the drawer kick, cash that waits for a session, the expected cash, reprints.

The embedded gateway (real HTTP over ASGI, its demo operator), the preview printer with
`[printer] cash_drawer = true`, the journal on disk; printed bytes are decoded back from ESC/POS.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path
from typing import Any

from conftest import ROOT, SwitchableTransport, run

from gateway.demo_data import PAYER_CODES, demo_invoice
from kiosk.backend import Backend
from kiosk.desk.service import DeskService, desk_of
from kiosk.gateway_client import GatewayClient
from kiosk.journal import MoneyState, ReceiptState
from kiosk.payments.card import Verdict
from kiosk.payments.cart import Cart
from launcher.embedded import BASE_URL, DEMO_OPERATOR_NAME, DEMO_OPERATOR_PIN

sys.path.insert(0, str(ROOT / "tests" / "printer"))
from escpos_decode import decode, model_pages

M, R = MoneyState, ReceiptState
PAYER = "Juris Ļaviņš"  # two open waste invoices in the demo data


def gateway_payments(backend: Backend) -> list[dict[str, Any]]:
    db = Path(backend.config.kiosk.data_dir) / "gateway.sqlite3"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(
            "SELECT client_txn_id, method, amount_cents FROM payments")]


async def signed_in(backend: Backend) -> DeskService:
    await backend.start()
    desk = desk_of(backend)
    desk.session.pin.choose(DEMO_OPERATOR_NAME)
    for d in DEMO_OPERATOR_PIN:
        desk.session.pin.type_digit(d)
    assert await desk.sign_in() == "signed-in"
    return desk


async def found(desk: DeskService, payer: str = PAYER) -> list[Any]:
    work = desk.work
    assert work is not None
    work.lookup.choose_document("passport")
    for d in PAYER_CODES[payer]:
        work.lookup.type_digit(d)
    assert await desk.find_person() == "found", work.lookup.error
    return work.lookup.found


def receipt_bytes(backend: Backend, receipt_no: str) -> bytes:
    return (backend.printer.spool.printed_dir / f"{receipt_no}.bin").read_bytes()


def test_cash_for_two_invoices_with_change_drawer_and_receipt(backend_factory) -> None:
    backend = backend_factory(printer={"cash_drawer": True})

    async def go() -> tuple[DeskService, list[Any], str]:
        desk = await signed_in(backend)
        invoices = await found(desk)
        assert desk.choose_found() == "ok"
        assert desk.work is not None
        desk.work.till.set_cents(5000)
        return desk, invoices, await desk.pay_cash(lang="lv")

    desk, invoices, code = run(go())
    assert len(invoices) == 2 and {p.payer_name for p in invoices} == {PAYER}  # unmasked
    total = sum(p.invoice.due_now_cents for p in invoices)
    work = desk.work
    assert work is not None
    assert code == "cash-paid", work.result_params
    assert work.result_params["change"].replace("\xa0", " ") == \
        f"{(5000 - total) // 100},{(5000 - total) % 100:02d} €"

    [entry] = backend.journal.payments()
    assert entry.method == "cash" and entry.money_state is M.POSTED
    assert entry.receipt_state is R.PRINTED and entry.amount_cents == total
    assert entry.data["tendered_cents"] == 5000 and entry.data["change_cents"] == 5000 - total
    assert entry.data["operator"] == DEMO_OPERATOR_NAME
    # The gateway has it once, as cash.
    assert gateway_payments(backend) == [{"client_txn_id": entry.client_txn_id, "method": "cash",
                                          "amount_cents": total}]
    # The paper: the drawer kick and the cash block, in Latvian.
    model = backend.printer.model
    job = decode(receipt_bytes(backend, entry.receipt_no or ""), model_pages(model))
    assert len(job.of("drawer")) == 1
    text = "\n".join(job.texts)
    assert "Samaksāts skaidrā naudā" in text
    assert "50,00" in text and f"{(5000 - total) // 100},{(5000 - total) % 100:02d}" in text
    assert PAYER not in text  # the receipt masks the payer
    # The paid invoices left the person's list; the shift's expected cash counts it.
    assert not work.lookup.found and not work.cart.lines
    assert run(desk.expected_cash()) == total


def test_too_little_cash_is_refused_before_anything_is_journaled(backend_factory) -> None:
    backend = backend_factory()

    async def go() -> str:
        desk = await signed_in(backend)
        await found(desk)
        desk.choose_found()
        assert desk.work is not None
        desk.work.till.set_cents(100)
        return await desk.pay_cash()

    assert run(go()) == "cash-short"
    assert backend.journal.payments() == [] and gateway_payments(backend) == []


def test_cash_taken_without_a_session_waits_for_one_instead_of_review(backend_factory) -> None:
    """Regression: the posting outbox sent cash on the kiosk token alone; the gateway refuses that
    for good (403 operator-session-required), so the cash went to MANUAL_REVIEW. Now it waits,
    POST_PENDING, until a librarian signs in, and is posted once under their session."""
    backend = backend_factory()

    async def direct() -> tuple[Any, Any]:
        await backend.start()
        cart = Cart()
        for notice in ("2026000675", "2026000682"):  # found by notice and check value
            inv = demo_invoice(notice)
            [view] = (await backend.gateway.search_invoices(inv.notice_number,
                                                            inv.check_value)).invoices
            cart.add(view)
        # No librarian has signed in in this process: no session to post the cash under.
        result = await backend.payments.cash.pay(cart, tendered_cents=cart.total_cents,
                                                 operator=DEMO_OPERATOR_NAME, lang="lv")
        waiting = backend.journal.get(result.client_txn_id or "")
        await signed_in(backend)
        for _ in range(50):  # the flush after sign-in runs in the background
            if backend.journal.get(result.client_txn_id or "").money_state is M.POSTED:
                break
            await asyncio.sleep(0.02)
        return result, waiting

    result, waiting = run(direct())
    assert result.verdict is Verdict.PAID and result.code == "paid-awaiting"
    assert waiting.money_state is M.POST_PENDING  # not MANUAL_REVIEW
    after = backend.journal.get(result.client_txn_id or "")
    assert after.money_state is M.POSTED
    rows = [p for p in gateway_payments(backend) if p["client_txn_id"] == after.client_txn_id]
    assert rows == [{"client_txn_id": after.client_txn_id, "method": "cash",
                     "amount_cents": after.amount_cents}]


def test_cash_posts_on_its_intents_proof_after_the_desk_locked(backend_factory) -> None:
    """The gateway no longer takes cash on an ended session, whatever time the kiosk says the cash
    was taken: the proof the intent answered on the desk's session is journaled with the payment,
    so the outbox posts the cash after the desk locked — also in a process that never saw that
    session (after a restart) — and the gateway records the librarian who took it."""
    backend = backend_factory()

    async def go() -> tuple[str, Any, Any]:
        desk = await signed_in(backend)
        token = desk.session.token()
        assert token
        await found(desk)
        assert desk.choose_found() == "ok"
        assert desk.work is not None
        desk.work.till.set_cents(5000)
        switch = SwitchableTransport(backend.link.transport())
        backend.payments.posting.gateway = GatewayClient(BASE_URL, backend.link.token, transport=switch,
                                                         retries=0)
        switch.down = {"/payments"}  # the posting does not get through while the desk is open
        code = await desk.pay_cash(lang="lv")
        txn = backend.journal.payments()[-1].client_txn_id
        waiting = backend.journal.get(txn)
        await desk.lock("test")
        await backend.gateway.end_operator_session(token)
        backend.payments.posting.operator_session = lambda: None  # as after a restart: no session
        switch.down = set()
        await backend.payments.flush_outbox()
        return code, waiting, backend.journal.get(txn)

    code, waiting, after = run(go())
    assert code == "paid-awaiting" and waiting.money_state is M.POST_PENDING
    assert waiting.data.get("posting_proof")
    assert after.money_state is M.POSTED
    db = Path(backend.config.kiosk.data_dir) / "gateway.sqlite3"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        taker = con.execute("SELECT o.name FROM payments p JOIN payment_operators po ON po.payment_id = p.id "
                            "JOIN operators o ON o.id = po.operator_id WHERE p.client_txn_id = ?",
                            (after.client_txn_id,)).fetchall()
    assert taker == [(DEMO_OPERATOR_NAME,)]


def test_a_duplicate_of_a_cash_receipt_never_opens_the_drawer(backend_factory) -> None:
    """Regression: the receipt port kicked the drawer for every print of a cash receipt, so a
    DUBLIKĀTS (or a reprint by recovery with nobody at the desk) opened the drawer again."""
    backend = backend_factory(printer={"cash_drawer": True})

    async def go() -> tuple[Any, str]:
        desk = await signed_in(backend)
        await found(desk)
        desk.choose_found()
        assert desk.work is not None
        desk.work.till.set_cents(5000)
        await desk.pay_cash()
        [entry] = backend.journal.payments()
        seq = (entry.receipt_no or "").rsplit("-", 1)[1]
        again = await desk.find_receipt(seq.lstrip("0"))
        assert again is not None and again.client_txn_id == entry.client_txn_id
        return entry, await desk.reprint(again)

    entry, code = run(go())
    assert code == "reprinted"
    model = backend.printer.model
    copies = sorted(backend.printer.spool.printed_dir.glob(f"{entry.receipt_no}-dup*.bin"))
    assert len(copies) == 1
    dup = decode(copies[0].read_bytes(), model_pages(model))
    assert "DUBLIKĀTS" in "\n".join(dup.texts)
    assert dup.of("drawer") == []
    # The original kicked it once; the reprint is in the journal's audit trail with the operator.
    assert len(decode(receipt_bytes(backend, entry.receipt_no or ""),
                      model_pages(model)).of("drawer")) == 1
    notes = [e["note"] for e in backend.journal.events() if e["to_state"] == "REPRINT"]
    assert notes == [f"{DEMO_OPERATOR_NAME}: {entry.receipt_no}"]


def test_a_receipt_of_another_day_or_number_is_not_found(backend_factory) -> None:
    backend = backend_factory()

    async def go() -> tuple[Any, Any]:
        desk = await signed_in(backend)
        await found(desk)
        desk.choose_found()
        assert desk.work is not None
        desk.work.till.set_cents(5000)
        await desk.pay_cash()
        return await desk.find_receipt("999"), await backend.payments.paper.receipt_of_day(
            "1", desk.today().replace(year=2020))

    assert run(go()) == (None, None)


def test_receipt_port_kicks_the_drawer_only_when_the_desk_asks(backend_factory) -> None:
    """Regression: `JournalReceiptPort.print_payment` kicked the drawer for every print of a cash
    entry — a DUBLIKĀTS too. Now only the cash desk's own first print asks for the kick."""
    backend = backend_factory(printer={"cash_drawer": True})
    journal = backend.journal
    entry = journal.begin_payment(amount_cents=1234, method="cash", data={
        "lines": [], "tendered_cents": 2000, "approved_at": "2026-11-27T09:00:00+00:00"})
    journal.transition(entry.client_txn_id, M.APPROVED)
    journal.assign_receipt_no(entry.client_txn_id)
    entry = journal.get(entry.client_txn_id)
    run(backend.receipts.print_payment(entry, lang="lv", duplicate=True,
                                       awaiting_confirmation=False))
    [copy] = backend.printer.spool.printed_dir.glob(f"{entry.receipt_no}-dup*.bin")
    assert decode(copy.read_bytes(), model_pages(backend.printer.model)).of("drawer") == []
