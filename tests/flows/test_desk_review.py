"""The desk beyond cash, through the real services: signing in and out, the review queue and what
resolves each case (an unknown card outcome, a refund through the terminal, an application waiting
for an ID check), and taking over a resident's half-filled firewood application.

The embedded gateway with its demo operator, the in-process terminal simulator (cent scenarios
on), the journal on disk; the gateway's own tables are read back with sqlite3.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import run
from test_desk_cash import found, signed_in

from kiosk.applications.visit import application_visit
from kiosk.backend import Backend
from kiosk.desk.review import REASONS, Kind
from kiosk.desk.service import desk_of
from kiosk.gateway_client import GatewayError
from kiosk.journal import MoneyState
from kiosk.services import make_services
from launcher.embedded import DEMO_OPERATOR_NAME, DEMO_OPERATOR_PIN

M = MoneyState
# Typed as a resident would (kiosk.applications.wizard checks and normalises them).
APPLICANT = {"full_name": "Jānis Kalniņš", "personal_code": "32503511782", "address": "Zosēni"}
REST = {"household_size": "2", "income_status": "needy", "monthly_income": "410",
        "income_sources": ["pension"], "heating_type": "other_fuel", "payment_method": "cash",
        "declaration": "jā"}


def gateway_rows(backend: Backend, sql: str) -> list[dict[str, Any]]:
    db = Path(backend.config.kiosk.data_dir) / "gateway.sqlite3"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql)]


def desk_events(backend: Backend, state: str) -> list[str]:
    return [e["note"] for e in backend.journal.events() if e["to_state"] == state]


# -- signing in and out --------------------------------------------------------------------------

def test_wrong_pins_lock_the_name_and_no_pin_is_kept(backend_factory, caplog) -> None:
    backend = backend_factory()
    caplog.set_level(logging.DEBUG)

    async def go() -> list[str]:
        await backend.start()
        desk = desk_of(backend)
        codes = []
        for pin in ["000000"] * 5 + [DEMO_OPERATOR_PIN]:
            desk.session.pin.choose(DEMO_OPERATOR_NAME)
            for d in pin:
                desk.session.pin.type_digit(d)
            codes.append(await desk.sign_in())
            assert desk.session.pin.digits == ""  # forgotten after every try
        return codes

    codes = run(go())
    # Five wrong PINs make this kiosk wait before it checks the name's PIN again: even the right
    # one is refused for a while.
    assert codes == ["pin-wrong"] * 5 + ["operator-locked"]
    assert not desk_of(backend).session.signed_in
    refused = desk_events(backend, "SIGN_IN_REFUSED")
    assert refused[-1] == f"{DEMO_OPERATOR_NAME}: operator-locked" and len(refused) == 6
    everything = caplog.text + repr(backend.journal.events())
    assert DEMO_OPERATOR_PIN not in everything and "000000" not in everything


def test_a_short_pin_is_not_sent_and_lock_ends_the_session_at_the_gateway(backend_factory) -> None:
    backend = backend_factory()

    async def go() -> tuple[str, str]:
        await backend.start()
        desk = desk_of(backend)
        desk.session.pin.choose(DEMO_OPERATOR_NAME)
        for d in "123":
            desk.session.pin.type_digit(d)
        short = await desk.sign_in()
        desk = await signed_in(backend)
        token = desk.session.token()
        assert token and DEMO_OPERATOR_NAME in await desk.session.operators()
        await desk.lock("test")
        assert desk.work is None and desk.session.token() is None
        try:
            await backend.gateway.person_search(token, "230443-16069", "passport", "after lock")
        except GatewayError as exc:
            return short, f"{exc.status} {exc.code}"
        return short, "searched"

    short, after = run(go())
    assert short == "pin-short"
    assert after.startswith("401")
    assert desk_events(backend, "LOCKED") == [f"{DEMO_OPERATOR_NAME}: test"]


def test_person_search_is_audited_without_the_code(backend_factory) -> None:
    backend = backend_factory()

    async def go() -> None:
        desk = await signed_in(backend)
        await found(desk)

    run(go())
    [row] = gateway_rows(backend, "SELECT * FROM person_searches")
    assert row["id_document"] == "passport" and row["reason"] == "Pays at the desk"
    assert "03024315386" not in repr(row) and "030243-15386" not in repr(row)
    assert desk_events(backend, "PERSON_SEARCH") == [
        f"{DEMO_OPERATOR_NAME}: passport, pays-at-desk: found"]


# -- the review queue -------------------------------------------------------------------------------

def test_unknown_card_outcome_resolved_not_charged_with_a_reason(backend_factory) -> None:
    backend = backend_factory()
    journal = backend.journal

    async def go() -> tuple[list[Any], str]:
        desk = await signed_in(backend)
        await found(desk)
        cart = desk.work.lookup.cart() if desk.work else None
        assert cart is not None
        # A card payment whose terminal answer was lost for good, as the journal keeps it: the
        # gateway holds the reservation, the terminal never said (kiosk.payments.card).
        entry = journal.begin_payment(amount_cents=cart.total_cents, method="card", data={
            "lang": "lv", "lines": [ln.summary() for ln in cart.lines]})
        txn = entry.client_txn_id
        await backend.gateway.create_intent(
            txn, [(ln.invoice.invoice_id, ln.amount_cents) for ln in cart.lines],
            idempotency_key=f"{txn}:intent", operator_session=desk.session.token())
        for state in (M.SENT_TO_TERMINAL, M.UNKNOWN, M.MANUAL_REVIEW):
            journal.transition(txn, state, note="terminal outcome unknown after the deadline")
        [item] = [i for i in await desk.review.items() if i.kind is Kind.UNKNOWN]
        assert item.key == txn and item.actions == ("ask-terminal", "charged", "not-charged")
        with pytest.raises(ValueError):  # money decisions need one of their reasons
            await desk.review.act(item, "not-charged", operator="x", session="y")
        done = await desk.resolve(item, "not-charged", reason=REASONS["not-charged"][1])
        return await desk.review.items(), done

    after, done = run(go())
    assert done == "resolved"
    [entry] = journal.payments()
    assert entry.money_state is M.VOID and not after
    assert gateway_rows(backend, "SELECT status FROM payment_intents") == [{"status": "released"}]
    assert desk_events(backend, "REVIEW_NOT-CHARGED") == [
        f"{DEMO_OPERATOR_NAME}: The bank confirmed there was no charge"]


def test_refund_of_a_card_payment_of_today_through_the_terminal(backend_factory) -> None:
    backend = backend_factory()

    async def go() -> tuple[str, str, bool]:
        desk = await signed_in(backend)
        await found(desk)
        desk.choose_found()
        paid = await desk.pay_card()
        [entry] = backend.journal.payments()
        refundable = desk.refundable(entry)
        return paid, await desk.refund(entry, REASONS["refund"][0]), refundable

    paid, refunded, refundable = run(go())
    assert paid == "card-paid" and refundable and refunded == "refunded"
    [entry] = backend.journal.payments()
    assert entry.money_state is M.REVERSED
    [rev] = gateway_rows(backend, "SELECT reason, amount_cents FROM payment_reversals")
    assert rev == {"reason": "Paid twice by mistake", "amount_cents": entry.amount_cents}
    assert not backend.journal.outbox_pending("reversal-record")  # reported, nothing left
    assert not desk_of(backend).refundable(entry)  # never twice


def test_identity_confirmed_from_the_queue_on_the_operator_session(backend_factory) -> None:
    """Regression: `ApplicationService.confirm_identity` sent the held application on the kiosk
    token with its own identity claim, which the gateway does not trust (it stays
    `awaiting_identity`). Now it goes on the operator's session and is `received`, confirmed by the
    librarian who checked the ID."""
    backend = backend_factory()
    services = make_services(backend.config, backend=backend)

    async def go() -> tuple[str, str]:
        await backend.start()
        av = application_visit(services)
        assert await av.open_form("heating-allowance") is not None
        fill(av, {**APPLICANT, **REST})
        ack = (await av.send(lambda _ack: None)).acknowledgement
        assert ack is not None and ack.status == "awaiting_identity"
        desk = await signed_in(backend)
        [item] = [i for i in await desk.review.items() if i.kind is Kind.IDENTITY]
        return ack.application_id, await desk.resolve(item, "confirm-identity")

    app_id, code = run(go())
    assert code == "identity-confirmed"
    [row] = gateway_rows(backend, "SELECT status, confirmed_by, identity_assurance, "
                                  "client_application_id FROM applications")
    assert row == {"status": "received", "confirmed_by": DEMO_OPERATOR_NAME,
                   "identity_assurance": "librarian_checked_id", "client_application_id": app_id}


# -- taking over a resident's visit ---------------------------------------------------------------

def fill(av: Any, answers: dict[str, Any], *, steps: int | None = None) -> None:
    """Answer the wizard's steps (all, or the first `steps`) as typed on the screens."""
    wizard = av.wizard
    done = 0
    while wizard.phase == "steps" and (steps is None or done < steps):
        for _ in range(2):  # an answer may show a later field of the same step
            for f in wizard.visible_fields():
                if f.is_input and f.code in answers:
                    assert wizard.set_answer(f.code, answers[f.code]).ok, f.code
        assert wizard.next(), wizard.errors
        done += 1


def test_half_filled_firewood_application_taken_over_and_sent_by_the_librarian(
        backend_factory) -> None:
    backend = backend_factory()
    services = make_services(backend.config, backend=backend)

    async def go() -> tuple[Any, str, str]:
        await backend.start()
        av = application_visit(services)  # the resident opens the form and answers step one
        assert await av.open_form("heating-allowance") is not None
        fill(av, APPLICANT, steps=1)
        step = av.wizard.step_id
        desk = await signed_in(backend)
        assert desk.takeable(services.visit) == "application"
        assert await desk.take_over(services.visit) == "taken-over"
        fill(av, REST)  # the librarian goes on where the resident stopped
        outcome = await av.send(lambda _ack: None)
        return outcome, step, desk.operator

    outcome, step, operator = run(go())
    ack = outcome.acknowledgement
    assert outcome.status == "sent" and ack.status == "received" and ack.registration_no
    [row] = gateway_rows(backend, "SELECT status, confirmed_by, registration_no FROM applications")
    assert row == {"status": "received", "confirmed_by": operator,
                   "registration_no": ack.registration_no}
    # The hand-over: in the kiosk's journal and in the gateway's audit, without any answer.
    [note] = desk_events(backend, "TAKEOVER")
    assert note.startswith(f"{operator}: application heating-allowance at steps {step}")
    assert "Kalniņš" not in note and "32503511782" not in note
    events = gateway_rows(backend, "SELECT kind, detail FROM operator_events "
                                   "WHERE kind = 'take-over'")
    assert len(events) == 1 and events[0]["detail"].startswith("application heating-allowance")
    assert not backend.journal.outbox_pending("application-hold")


def test_nothing_to_take_over_and_a_taken_over_cart_is_the_residents(backend_factory) -> None:
    backend = backend_factory()
    services = make_services(backend.config, backend=backend)

    async def go() -> tuple[str, str, int]:
        from kiosk.payments.visit import find_typed, payment_visit

        desk = await signed_in(backend)
        nothing = await desk.take_over(services.visit)
        pv = payment_visit(services.visit)
        from gateway.demo_data import demo_invoice
        inv = demo_invoice("2026000675")
        pv.notice, pv.check = inv.notice_number, inv.check_value
        assert (await find_typed(backend.gateway, pv)).ok
        taken = await desk.take_over(services.visit)
        assert desk.work is not None
        desk.work.till.set_cents(2000)
        await desk.pay_cash()
        return nothing, taken, len(pv.cart.lines)

    nothing, taken, left = run(go())
    assert nothing == "nothing-to-take-over" and taken == "taken-over"
    assert left == 0  # paid at the desk: the resident's cart is empty too
    [entry] = backend.journal.payments()
    assert entry.method == "cash" and entry.money_state is M.POSTED


def test_desk_work_needs_a_signed_in_operator(backend_factory) -> None:
    from kiosk.desk.service import DeskError

    backend = backend_factory()
    desk = desk_of(backend)
    with pytest.raises(DeskError):
        asyncio.run(desk.find_person())
