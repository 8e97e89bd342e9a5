"""The failed-check limits lock a notice only for the kiosks that guessed it; the librarian always
searches (docs/architecture.md, "API rules").

Before, ten wrong values in ten minutes from anywhere closed a notice at every kiosk for ten
minutes, so one person could keep the rightful payer out everywhere. Now a kiosk that failed on a
notice a few times is refused it, a notice whose daily budget of wrong values is spent is refused
only to the kiosks that failed on it, and an operator session is never refused.
"""

from __future__ import annotations

import heapq
from datetime import datetime, timedelta

import httpx
from gw_helpers import Gateway
from test_gateway_api import is_problem
from test_operators import new_operator, session_of

from gateway.db import session_factory
from gateway.problems import ProblemError
from gateway.services import invoices

# The documented numbers (docs/architecture.md, "API rules"): a kiosk gets 3 wrong values on one
# notice a day; all kiosks together 6, after which only kiosks that have not failed on it are checked.
PER_KIOSK_PER_DAY = 3
NOTICE_BUDGET_PER_DAY = 6
DAY = timedelta(hours=24)


def _wrong(check: str, i: int) -> str:
    return f"{(int(check) + 1 + i) % 10000:04d}"


def _search(c: httpx.Client, notice: str, check: str) -> httpx.Response:
    return c.post("/invoice-searches", json={"notice_number": notice, "check_value": check})


def test_an_untouched_kiosk_finds_the_notice_while_the_guessing_kiosks_are_refused(gw: Gateway) -> None:
    attackers = [gw.add_kiosk()[1] for _ in range(4)]
    _kid, payer = gw.add_kiosk()
    _inv, notice, check = gw.make_invoice(total=4200)
    statuses = []
    for n, token in enumerate(attackers):
        with gw.http(token) as c:
            statuses += [_search(c, notice, _wrong(check, 10 * n + i)).status_code for i in range(3)]
    # Twelve wrong values from four kiosks: far past the notice's daily budget.
    assert statuses.count(404) >= NOTICE_BUDGET_PER_DAY and set(statuses) <= {404, 429}, statuses
    for token in attackers:
        with gw.http(token) as c:
            r = _search(c, notice, check)
            is_problem(r, 429, "rate-limited")
            assert 0 < int(r.headers["Retry-After"]) <= 24 * 3600
    # The rightful payer at a kiosk that never failed on the notice is not held back by any of it.
    with gw.http(payer) as c:
        r = _search(c, notice, check)
        assert r.status_code == 200, r.text
        assert r.json()["invoices"][0]["notice_number"] == notice


def test_a_kiosk_that_failed_three_times_on_a_notice_is_refused_it_but_not_others(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    _kid2, other = gw.add_kiosk()
    _inv, notice, check = gw.make_invoice(total=4200)
    _inv2, notice2, check2 = gw.make_invoice(total=900)
    with gw.http(token) as c:
        for i in range(PER_KIOSK_PER_DAY):
            is_problem(_search(c, notice, _wrong(check, i)), 404, "invoice-not-found")
        r = _search(c, notice, check)
        is_problem(r, 429, "rate-limited")
        assert 23 * 3600 < int(r.headers["Retry-After"]) <= 24 * 3600
        assert _search(c, notice2, check2).status_code == 200  # another notice at the same kiosk
    with gw.http(other) as c:
        assert _search(c, notice, check).status_code == 200


def test_an_operator_session_always_searches(gw: Gateway) -> None:
    _kid, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    _inv, notice, check = gw.make_invoice(total=4200)
    with gw.http(token) as c:
        # This kiosk is past every limit: backing off, and refused the notice for the day.
        for i in range(8):
            assert _search(c, notice, _wrong(check, i)).status_code in (404, 429)
        is_problem(_search(c, notice, check), 429, "rate-limited")
        op = session_of(c, name, pin)
        r = c.post("/invoice-searches", json={"notice_number": notice, "check_value": check}, headers=op)
        assert r.status_code == 200, r.text
        # A librarian's typo is answered, not counted, and the next search is not held back either.
        is_problem(c.post("/invoice-searches", json={"notice_number": notice, "check_value": _wrong(check, 0)},
                          headers=op), 404, "invoice-not-found")
        assert c.post("/invoice-searches", json={"notice_number": notice, "check_value": check},
                      headers=op).status_code == 200
        # An ended session is no way around the limits.
        assert c.delete("/operator-sessions/current", headers=op).status_code == 204
        is_problem(c.post("/invoice-searches", json={"notice_number": notice, "check_value": check}, headers=op),
                   401, "operator-session-invalid")


def test_simulated_attack_never_refuses_the_payer_and_bounds_the_guesses(gw: Gateway) -> None:
    """Two days on the gateway's own clock (the service takes `now`), deterministic: three kiosks
    type a wrong value whenever they are let (at once after a refusal's Retry-After); the rightful
    payer searches every ten minutes at a fourth kiosk."""
    attackers = [gw.add_kiosk()[0] for _ in range(3)]
    payer_kiosk, _token = gw.add_kiosk()
    _inv, notice, check = gw.make_invoice(total=4200)
    # In the past, so the tidying that runs with each failure cannot touch other tests' rows.
    start = gw.clock.now() - timedelta(days=5)
    end = start + 2 * DAY
    sessions = session_factory(gw.engine)

    def attempt(kiosk_id: str, value: str, at: datetime) -> tuple[int, int]:
        with sessions.begin() as s:
            try:
                view = invoices.search(s, kiosk_id, notice, value, at)
            except ProblemError as exc:
                return exc.status, int(exc.headers.get("Retry-After", "0"))
        return (200 if view is not None else 404), 0

    queue: list[tuple[datetime, int, str]] = [(start + timedelta(seconds=i), i, k) for i, k in enumerate(attackers)]
    queue.append((start, len(attackers), payer_kiosk))
    heapq.heapify(queue)
    guesses: list[tuple[datetime, str]] = []  # wrong values the gateway actually checked
    payer_answers: list[int] = []
    tries = 0
    while queue:
        at, order, kiosk_id = heapq.heappop(queue)
        if at >= end:
            continue
        if kiosk_id == payer_kiosk:
            payer_answers.append(attempt(kiosk_id, check, at)[0])
            heapq.heappush(queue, (at + timedelta(minutes=10), order, kiosk_id))
            continue
        tries += 1
        status, retry = attempt(kiosk_id, _wrong(check, tries % 9000), at)
        assert status in (404, 429)
        if status == 404:
            guesses.append((at, kiosk_id))
        heapq.heappush(queue, (at + timedelta(seconds=max(retry, 2)), order, kiosk_id))

    assert len(payer_answers) == 2 * 24 * 6 and set(payer_answers) == {200}
    for t0, _k in guesses:  # every sliding day
        day = [k for t, k in guesses if t0 <= t < t0 + DAY]
        assert len(day) <= NOTICE_BUDGET_PER_DAY + len(attackers), day
        assert max(day.count(k) for k in attackers) <= PER_KIOSK_PER_DAY
    assert len(guesses) <= 2 * (NOTICE_BUDGET_PER_DAY + len(attackers))

