"""The resident's card payment through the real services: every outcome, and nothing lost."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from conftest import journal_cli, listed, rewire, run
from fake_printer import FakePrinter

from gateway.demo_data import DEMO_INVOICES, demo_invoice
from kiosk.backend import Backend
from kiosk.journal import MoneyState, ReceiptState
from kiosk.payments.card import Verdict
from kiosk.payments.cart import AmountChoice, Cart
from launcher.embedded import BASE_URL

M, R = MoneyState, ReceiptState
NIN = "2026000457"  # property tax, 4 instalments, unpaid


async def find(backend: Backend, notice: str):
    inv = demo_invoice(notice)
    res = await backend.gateway.search_invoices(inv.notice_number, inv.check_value)
    [view] = res.invoices
    return view


async def cart_of(backend: Backend, *notices: str, cents: int | None = None) -> Cart:
    cart = Cart()
    for notice in notices:
        view = await find(backend, notice)
        if cents is not None:  # steer the simulator's cent scenarios
            view = view.model_copy(update={"due_now_cents": cents})
        cart.add(view)
    return cart


def payments_at_gateway(backend: Backend, txn: str):
    async def go():
        return await backend.gateway.lookup_payment(txn)
    return run(go())


def spooled_previews(backend: Backend) -> list[Path]:
    return sorted(backend.printer.spool.folder.rglob("*.png"))


def test_two_invoices_of_two_payers_paid_posted_printed(backend_factory) -> None:
    backend = backend_factory()
    other = next(i for i in DEMO_INVOICES if i.payer_name != demo_invoice(NIN).payer_name
                 and i.balance_cents > 0 and i.service == "water")

    async def go():
        cart = await cart_of(backend, NIN, other.notice_number)
        assert len(cart.payer_names) == 2
        result = await backend.payments.pay(cart, lang="lv")
        return cart, result

    cart, result = run(go())
    assert result.verdict is Verdict.PAID and result.printed and not result.awaiting_confirmation
    entry = backend.journal.get(result.client_txn_id)
    assert (entry.money_state, entry.receipt_state) == (M.POSTED, R.PRINTED)
    assert entry.receipt_no == "demo-zoseni-1.1-000001"
    assert entry.terminal["last4"] and entry.terminal["receipt_lines"]
    lookup = payments_at_gateway(backend, result.client_txn_id)
    assert lookup.found and lookup.payment.amount_cents == cart.total_cents
    assert sorted(a.notice_number for a in lookup.payment.allocations) == sorted(
        [NIN, other.notice_number])
    assert lookup.payment.credit_cents == 0 and lookup.payment.receipt_no == entry.receipt_no
    assert spooled_previews(backend), "the demo shows the receipt image"
    assert "Maksājums pieņemts" in result.text("lv")


def test_full_balance_option_and_paid_invoice_shown_as_paid(backend_factory) -> None:
    backend = backend_factory()

    async def go():
        # One instalment due now (the demo data's due dates may all have passed by test time).
        cart = await cart_of(backend, NIN, cents=3710)
        line = cart.lines[0]
        assert line.has_choice and line.amount_cents == line.invoice.due_now_cents
        cart.choose(line.invoice.invoice_id, AmountChoice.FULL)
        assert cart.total_cents == line.invoice.balance_cents
        paid = await backend.payments.pay(cart, lang="en")
        again = await find(backend, NIN)
        return paid, again

    paid, again = run(go())
    assert paid.verdict is Verdict.PAID
    assert again.status == "paid" and again.balance_cents == 0


def test_declined_card_releases_the_reservation(backend_factory) -> None:
    backend = backend_factory()

    async def go():
        declined = await backend.payments.pay(await cart_of(backend, NIN, cents=1091), lang="lv")
        # Released: the same invoice can be reserved and paid right away.
        paid = await backend.payments.pay(await cart_of(backend, NIN, cents=1000), lang="lv")
        return declined, paid

    declined, paid = run(go())
    assert declined.verdict is Verdict.NOT_PAID and declined.code == "card_declined"
    assert backend.journal.get(declined.client_txn_id).money_state is M.VOID
    assert not payments_at_gateway(backend, declined.client_txn_id).found
    assert "karte" in declined.text("lv").lower()
    assert paid.verdict is Verdict.PAID


def test_cancelled_at_the_terminal(backend_factory) -> None:
    backend = backend_factory()
    result = run(backend.payments.pay(run_cart(backend, 1092), lang="lv"))
    assert result.verdict is Verdict.NOT_PAID and result.code == "cancelled"
    assert backend.journal.get(result.client_txn_id).money_state is M.VOID


def run_cart(backend: Backend, cents: int) -> Cart:
    return run(cart_of(backend, NIN, cents=cents))


def test_cancel_from_the_screen_aborts_then_waits(backend_factory) -> None:
    backend = backend_factory(terminal={"simulated_delay_s": 5.0, "payment_timeout_s": 10.0})

    async def go():
        cart = await cart_of(backend, NIN, cents=1000)
        task = asyncio.create_task(backend.payments.pay(cart, lang="lv"))
        for _ in range(200):
            await asyncio.sleep(0.01)
            if backend.payments.phase.value == "waiting_for_card":
                break
        backend.payments.cancel()
        return await asyncio.wait_for(task, 5)

    result = run(go())
    assert result.verdict is Verdict.NOT_PAID and result.code == "cancelled"
    assert backend.journal.get(result.client_txn_id).money_state is M.VOID
    purposes = [p for _, p in backend.journal.service_ids_for(result.client_txn_id)]
    assert purposes[:2] == ["payment", "abort"]


def test_answer_lost_is_resolved_as_paid_once(backend_factory) -> None:
    backend = backend_factory()
    result = run(backend.payments.pay(run_cart(backend, 1096), lang="lv"))
    assert result.verdict is Verdict.PAID
    entry = backend.journal.get(result.client_txn_id)
    assert entry.money_state is M.POSTED
    assert "status" in [p for _, p in backend.journal.service_ids_for(entry.client_txn_id)]
    assert backend.terminal.driver.terminal.charged_count() == 1 if hasattr(
        backend.terminal.driver.terminal, "charged_count") else True


def test_partial_approval_is_reversed_and_not_paid(backend_factory) -> None:
    backend = backend_factory()
    result = run(backend.payments.pay(run_cart(backend, 1094), lang="lv"))
    assert result.verdict is Verdict.NOT_PAID and result.code == "partial_reversed"
    assert backend.journal.get(result.client_txn_id).money_state is M.REVERSED
    assert not payments_at_gateway(backend, result.client_txn_id).found


def test_busy_terminal_is_not_charged(backend_factory) -> None:
    backend = backend_factory()
    result = run(backend.payments.pay(run_cart(backend, 1093), lang="lv"))
    assert result.verdict is Verdict.NOT_PAID and result.code == "terminal_busy"


def test_hang_ends_void_never_charged(backend_factory) -> None:
    backend = backend_factory()
    result = run(backend.payments.pay(run_cart(backend, 1095), lang="lv"))
    assert result.verdict is Verdict.NOT_PAID
    assert backend.journal.get(result.client_txn_id).money_state is M.VOID


def test_gateway_down_before_money_moves_refuses(backend_factory) -> None:
    backend = backend_factory()
    cart = run_cart(backend, 1000)
    switch = rewire(backend)
    switch.down.add("*")
    result = run(backend.payments.pay(cart, lang="lv"))
    assert result.verdict is Verdict.REFUSED and result.code == "gateway-unavailable"
    assert backend.journal.payments() == []  # the card was never touched, nothing to recover
    assert "bibliotekār" in result.text("lv")


def test_gateway_down_after_approval_posts_later_exactly_once(backend_factory) -> None:
    backend = backend_factory()
    cart = run_cart(backend, 1000)
    switch = rewire(backend)
    switch.down.add("/payments")
    result = run(backend.payments.pay(cart, lang="lv"))
    assert result.verdict is Verdict.PAID and result.awaiting_confirmation and result.printed
    entry = backend.journal.get(result.client_txn_id)
    assert entry.money_state is M.POST_PENDING and entry.receipt_state is R.PRINTED
    assert not payments_at_gateway(backend, entry.client_txn_id).found

    switch.down.clear()
    assert run(backend.payments.flush_outbox()) == 1
    assert run(backend.payments.flush_outbox()) == 0  # nothing left: posted once
    assert backend.journal.get(entry.client_txn_id).money_state is M.POSTED
    lookup = payments_at_gateway(backend, entry.client_txn_id)
    assert lookup.found and lookup.payment.amount_cents == 1000


def test_printer_without_paper_refuses_before_the_card(backend_factory) -> None:
    with FakePrinter("paper_out") as fake:
        backend = backend_factory(printer={"device": "network", "host": "127.0.0.1",
                                           "port": fake.port, "timeout_s": 0.5})
        result = run(backend.payments.pay(run_cart(backend, 1000), lang="lv"))
    assert result.verdict is Verdict.REFUSED and result.code == "printer-unavailable"
    assert backend.journal.payments() == []


def test_paper_runs_out_mid_receipt_keeps_it_for_reprint(backend_factory) -> None:
    with FakePrinter("ok", after_job="paper_out") as fake:
        backend = backend_factory(printer={"device": "network", "host": "127.0.0.1",
                                           "port": fake.port, "timeout_s": 0.5})
        result = run(backend.payments.pay(run_cart(backend, 1000), lang="lv"))
        assert result.verdict is Verdict.PAID and not result.printed
        assert result.code == "print-failed"
        entry = backend.journal.get(result.client_txn_id)
        assert entry.money_state is M.POSTED and entry.receipt_state is R.PRINT_FAILED
        assert backend.printer.spool.pending(), "the unprinted receipt is kept"
        fake.mode = "ok"
        assert run(backend.payments.reprint(entry.client_txn_id)) is True
    assert backend.journal.get(entry.client_txn_id).receipt_state is R.PRINTED


def test_double_tap_never_starts_a_second_payment(backend_factory) -> None:
    backend = backend_factory(terminal={"simulated_delay_s": 0.2})

    async def go():
        cart = await cart_of(backend, NIN, cents=1000)
        return await asyncio.gather(backend.payments.pay(cart, lang="lv"),
                                    backend.payments.pay(cart, lang="lv"))

    first, second = run(go())
    assert first.client_txn_id == second.client_txn_id
    assert len(backend.journal.payments()) == 1


def test_duplicate_copy_keeps_number_and_signature(backend_factory) -> None:
    backend = backend_factory()
    result = run(backend.payments.pay(run_cart(backend, 1000), lang="lv"))
    before = set(spooled_previews(backend))
    assert run(backend.payments.reprint(result.client_txn_id)) is True
    entry = backend.journal.get(result.client_txn_id)
    assert entry.print_count == 2 and entry.receipt_no == result.receipt_no
    assert set(spooled_previews(backend)) - before, "a second copy was printed"


def test_backend_retries_the_outbox_by_itself(backend_factory) -> None:
    """Posted later with nobody at the kiosk: the backend's retry loop sends the queued posting."""
    backend = backend_factory(gateway={"outbox_retry_s": 0.05})
    cart = run_cart(backend, 1000)
    switch = rewire(backend)

    async def go():
        await backend.start()
        switch.down.add("/payments")
        result = await backend.payments.pay(cart, lang="lv")
        assert backend.journal.get(result.client_txn_id).money_state is M.POST_PENDING
        switch.down.clear()
        for _ in range(100):
            await asyncio.sleep(0.02)
            if backend.journal.get(result.client_txn_id).money_state is M.POSTED:
                break
        for task in list(backend._tasks):
            task.cancel()
        return result

    result = run(go())
    assert backend.journal.get(result.client_txn_id).money_state is M.POSTED
    assert payments_at_gateway(backend, result.client_txn_id).found


def test_receipt_qr_verifies_at_the_gateway_page(backend_factory) -> None:
    """The QR printed on a paid receipt opens the gateway's verification page, valid (DEMO)."""
    backend = backend_factory()
    result = run(backend.payments.pay(run_cart(backend, 1000), lang="lv"))
    url = backend.receipts.signatures.get(result.receipt_no)["url"]
    path = "/" + url.split("/", 3)[3]

    async def fetch(p: str):
        async with httpx.AsyncClient(transport=backend.link.transport(),
                                     base_url=BASE_URL) as client:
            return await client.get(p)

    page = run(fetch(path))
    assert page.status_code == 200 and result.receipt_no in page.text
    assert "10,00" in page.text
    tampered = run(fetch(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")))
    assert tampered.status_code == 400


# -- postings the gateway will never take, and postings that never get through ----------------
def test_posting_refused_for_good_goes_to_manual_review(backend_factory, tmp_path, capsys) -> None:
    """A 4xx the gateway will answer the same way forever is not retried: a person decides."""
    backend = backend_factory()
    cart = run_cart(backend, 1000)
    switch = rewire(backend)
    switch.invalid.add("/payments")  # the real gateway answers 422 validation-error
    result = run(backend.payments.pay(cart, lang="lv"))
    assert result.verdict is Verdict.PAID and result.printed and result.awaiting_confirmation
    txn = result.client_txn_id
    entry = backend.journal.get(txn)
    assert entry.money_state is M.MANUAL_REVIEW and entry.receipt_state is R.PRINTED
    assert "refused" in entry.note and "validation-error" in entry.note
    assert run(backend.payments.flush_outbox()) == 0  # nothing is sent again by itself
    assert not [i for i in backend.journal.outbox_pending() if i.key.startswith(txn)]

    row, reason = listed(journal_cli(backend, tmp_path, capsys, "list"), txn)
    assert "MANUAL_REVIEW" in row and "REVIEW" in row.split()[-1]
    assert "validation-error" in reason and "refused" in reason
    assert run(backend.payments.reprint(txn)) is True  # the resident may still get a copy

    # The librarian fixed it at the municipality and resolves it: the next start posts it once.
    switch.invalid.clear()
    journal_cli(backend, tmp_path, capsys, "resolve", txn, "--reason", "gateway fixed",
                "--as", "approved")
    run(backend.payments.recover())
    assert backend.journal.get(txn).money_state is M.POSTED
    assert payments_at_gateway(backend, txn).found


def test_posting_failing_past_max_attempts_goes_to_manual_review(backend_factory, tmp_path,
                                                                  capsys) -> None:
    backend = backend_factory(gateway={"post_max_attempts": 3})
    cart = run_cart(backend, 1000)
    switch = rewire(backend)
    switch.down.add("/payments")
    result = run(backend.payments.pay(cart, lang="lv"))  # attempt 1
    txn = result.client_txn_id
    assert run(backend.payments.flush_outbox()) == 0  # attempt 2: still only deferred
    assert backend.journal.get(txn).money_state is M.POST_PENDING
    assert run(backend.payments.flush_outbox()) == 0  # attempt 3: the last one
    entry = backend.journal.get(txn)
    assert entry.money_state is M.MANUAL_REVIEW
    assert "3 attempts" in entry.note and "gateway-unreachable" in entry.note
    switch.down.clear()
    assert run(backend.payments.flush_outbox()) == 0
    assert not payments_at_gateway(backend, txn).found
    _, reason = listed(journal_cli(backend, tmp_path, capsys, "list"), txn)
    assert "3 attempts" in reason


def test_release_refused_for_good_is_not_retried_forever(backend_factory) -> None:
    backend = backend_factory()
    cart = run_cart(backend, 1091)  # declined: the reservation is released
    switch = rewire(backend)
    switch.invalid.add("/payment-intent-releases")
    result = run(backend.payments.pay(cart, lang="lv"))
    assert result.verdict is Verdict.NOT_PAID
    assert backend.journal.get(result.client_txn_id).money_state is M.VOID
    # Given up (the reservation lapses at its TTL), not queued for ever.
    assert backend.journal.outbox_pending() == []


class LoopWatch:
    """The journal's SQLite connection, noting each statement run on the event loop itself."""

    def __init__(self, db) -> None:
        self.db, self.on_loop = db, []

    def execute(self, sql, *args):
        try:
            asyncio.get_running_loop()
            self.on_loop.append(sql)
        except RuntimeError:  # a worker thread (or no loop at all): fine
            pass
        return self.db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.db, name)


def test_the_payment_never_waits_for_the_journal_on_the_loop(backend_factory) -> None:
    """Journal writes fsync: from the loop they all go through AsyncJournal to a worker thread."""
    backend = backend_factory()
    declined, paid = run_cart(backend, 1091), run_cart(backend, 1000)
    watch = backend.journal._db = LoopWatch(backend.journal._db)
    run(backend.payments.recover())
    assert run(backend.payments.pay(declined, lang="lv")).verdict is Verdict.NOT_PAID
    result = run(backend.payments.pay(paid, lang="lv"))
    assert run(backend.payments.reprint(result.client_txn_id)) is True
    assert run(backend.payments.flush_outbox()) == 0
    assert watch.on_loop == []
