"""The desk's cash loop by real taps, against the embedded gateway (real HTTP over ASGI) and the
preview printer: open a shift with the float, take two cash payments, tap counters (one undone),
count the drawer 0,50 € short and close with a reason, the Z report and the cash-handover slip
(decoded back from ESC/POS), and the gateway's statistics of the day equal exactly what was done
(docs/architecture.md, "Counters, shifts and statistics")."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from test_application_path import drive, type_on_keyboard, until

from common.clock import RIGA
from common.desk_counters import COLUMNS, DENOMINATIONS
from common.money import format_eur
from gateway.demo_data import DEMO_INVOICES
from kiosk.desk.counters import BUTTONS, counters_of
from kiosk.desk.service import DeskService, desk_of
from kiosk.desk.shift import DIFFERENCE_REASONS, shift_of
from launcher.embedded import DEMO_OPERATOR_NAME, DEMO_OPERATOR_PIN
from screens.keypad import CLEAR

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "printer"))
from escpos_decode import decode, model_pages

TAPS = [("consultation:state-services", 2), ("consultation:e-address-and-computer", 1), ("call", 1),
        ("letter", 3), ("client-served", 2)]


async def sign_in(backend: Any) -> DeskService:
    await backend.ready.wait() if backend.ready.is_set() else await backend.start()
    desk = desk_of(backend)
    if not desk.session.signed_in:
        desk.session.pin.choose(DEMO_OPERATOR_NAME)
        for d in DEMO_OPERATOR_PIN:
            desk.session.pin.type_digit(d)
        assert await desk.sign_in() == "signed-in"
    return desk


def unpaid_demo_invoices(n: int) -> list[Any]:
    """Demo invoices no other test pays (the random ones at the end of the list)."""
    return [d for d in reversed(DEMO_INVOICES) if d.paid_cents == 0 and d.total_cents < 20_000][:n]


def pieces(cents: int) -> list[tuple[int, int]]:
    out = []
    for value in DENOMINATIONS:
        if cents >= value:
            out.append((value, cents // value))
            cents %= value
    return out


def printed(backend: Any, job_id: str) -> list[str]:
    data = (backend.printer.spool.printed_dir / f"{job_id}.bin").read_bytes()
    return [t.strip() for t in decode(data, model_pages(backend.printer.model)).texts]


def tap_keys(gui: Any, keypad: Any, digits: str) -> None:
    for d in digits:
        gui.tap(keypad.keys[d], frames=1)


def test_a_shift_with_cash_counters_and_papers(gui: Any) -> None:
    backend = gui.services.backend

    async def body() -> None:
        desk = await sign_in(backend)
        token = desk.session.token()
        today = backend.clock.now().astimezone(RIGA).date().isoformat()
        stats = await backend.gateway.statistics(date_from=today, date_to=today, group="day",
                                                 operator_session=token)
        before = {**stats.rows[0].counts, **stats.rows[0].payments.model_dump()}

        # -- open the shift from the desk's home --------------------------------------------
        gui.go("desk_home")
        home = gui.screen("desk_home")
        gui.tap(home.ids.more_jobs.ids.shift)
        screen = gui.screen("desk_shift")
        assert gui.shell.manager.current == "desk_shift"
        await until(gui, lambda: screen.phase != "loading" and not screen.working, what="shift check")
        assert screen.phase == "none", screen.notice
        tap_keys(gui, screen.ids.keypad, "5000")
        assert screen.ids.float_amount.text == format_eur(5000)
        gui.tap(screen.ids.open_shift)
        await until(gui, lambda: screen.phase == "open" or screen.notice, what="shift opened")
        assert screen.phase == "open", screen.notice
        shift_id = shift_of(backend).shift.shift_id

        # -- two cash payments at the desk (kiosk.payments.cash, as the cash screen takes them) --
        paid = 0
        for inv in unpaid_demo_invoices(2):
            found = await backend.gateway.search_invoices(inv.notice_number, inv.check_value)
            work = desk.work
            work.cart.clear()
            assert work.cart.add(found.invoices[0])
            total = work.cart.total_cents
            work.till.set_cents((total // 1000 + 1) * 1000)  # a note bigger than the total
            assert await desk.pay_cash() in ("cash-paid", "paid"), work.result_code
            paid += total
        assert paid > 0

        # -- the counters, one tap undone ------------------------------------------------------
        gui.go("desk_home")
        gui.tap(home.ids.more_jobs.ids.counters)
        counters = gui.screen("desk_counters")
        board = counters_of(backend)
        await until(gui, lambda: board.pending == 0, what="counters ready")
        start = dict(board.counts)
        for column, n in TAPS:
            for _ in range(n):
                gui.tap(counters.keys[column], frames=1)
                await until(gui, lambda: not board._send_lock.locked(), what="tap sent")
        gui.tap(counters.keys["call"], frames=1)  # a mis-tap...
        await until(gui, lambda: board.last is not None and board.last.column == "call" and counters.can_undo,
                    what="undo offered")
        gui.tap(counters.ids.undo)  # ...taken back
        await until(gui, lambda: board.pending == 0 and not counters.can_undo, what="undo sent")
        for column, n in TAPS:
            assert board.counts[column] - start.get(column, 0) == n, column
            assert f"\n{board.counts[column]}" in counters.keys[column].text
        assert {b.column for b in BUTTONS} == set(counters.keys)

        # -- count the drawer 0,50 € short and close --------------------------------------------
        gui.go("desk_home")
        gui.tap(home.ids.more_jobs.ids.shift)
        await until(gui, lambda: screen.phase == "open" and not screen.working, what="shift shown")
        gui.tap(screen.ids.count)
        await until(gui, lambda: screen.phase == "count", what="counting")
        assert screen.expected_cents == 5000 + paid
        counted = screen.expected_cents - 50
        for value, n in pieces(counted):
            gui.tap(screen.denominations[value], frames=1)
            gui.tap(screen.ids.keypad.keys[CLEAR], frames=1)
            tap_keys(gui, screen.ids.keypad, str(n))
        assert screen.counted_cents == counted
        assert format_eur(-50) in screen.ids.figures.text
        gui.tap(screen.ids.close_shift)
        assert screen.phase == "count" and screen.notice.startswith("Saskaitītā nauda atšķiras")
        gui.tap(screen.reasons[DIFFERENCE_REASONS[0]])
        gui.tap(screen.ids.close_shift)
        await until(gui, lambda: screen.phase == "closed", what="shift closed", timeout=30)
        closed = shift_of(backend).shift
        assert (closed.expected_cash_cents, closed.counted_cash_cents, closed.difference_cents) == (
            5000 + paid, counted, -50)
        assert closed.difference_reason == "Izdots nepareizs atlikums"
        z = printed(backend, f"z-{shift_id}")
        assert "MAIŅAS PĀRSKATS (Z)" in z
        assert any(t.startswith("Starpība") and t.endswith("-0,50 €") for t in z), z
        assert "Iemesls: Izdots nepareizs atlikums" in z
        for value, n in pieces(counted):
            assert any(t.startswith(f"{format_eur(value)} x {n}".replace("\u00a0", " ")) for t in z), (value, z)

        # -- hand the cash over: the collector's name on the keyboard, the bag on the keypad ---
        type_on_keyboard(gui, screen.ids.keyboard, "Jānis Bērziņš")
        assert screen.collector == "Jānis Bērziņš"
        gui.tap(screen.ids.bag_field)
        tap_keys(gui, screen.ids.keypad, "457")
        gui.tap(screen.ids.hand_over)
        await until(gui, lambda: screen.phase == "done", what="handed over", timeout=30)
        handover = shift_of(backend).handover
        assert (handover.amount_cents, handover.bag_no, handover.collector_name, handover.shift_id) == (
            counted, "457", "Jānis Bērziņš", shift_id)
        slip = printed(backend, f"ho-{handover.handover_id}")
        assert slip.count("SKAIDRĀS NAUDAS NODOŠANA") == 2
        assert "1. eksemplārs no 2: paliek bibliotēkā" in slip and "2. eksemplārs no 2: inkasatoram" in slip
        assert sum(1 for t in slip if t.startswith("Paraksts: ___")) == 4  # two per copy
        assert slip.count("Pieņēma: Jānis Bērziņš") == 2 and slip.count(f"Nodeva: {DEMO_OPERATOR_NAME}") == 2
        gui.screenshot("desk-shift-handed-over")

        # -- the gateway's statistics of the day: exactly what was done ------------------------
        stats = await backend.gateway.statistics(date_from=today, date_to=today, group="day",
                                                 operator_session=desk.session.token())
        after = {**stats.rows[0].counts, **stats.rows[0].payments.model_dump()}
        diff = {k: after[k] - before[k] for k in after}
        expected = {**dict.fromkeys(COLUMNS, 0), **dict(TAPS), "payments": 2,
                    "consultations": 3, "card_count": 0, "card_cents": 0, "cash_count": 2, "cash_cents": paid}
        assert diff == expected
        gui.tap(screen.ids.finish)
        await desk.lock("test over")

    drive(body)
