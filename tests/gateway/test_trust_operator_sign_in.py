"""Operator sign-in tells nothing and cannot be used to keep a librarian off the desk
(docs/architecture.md, "Operators").

Before, any kiosk token of a location could lock a librarian out everywhere with five wrong PINs,
and another location's operator answered 403 at once while an unknown name answered 401 after an
Argon2 check. Now every refusal is the same 401 after one Argon2 check, and wrong attempts back
off per (kiosk, typed name): other kiosks are untouched, and the wait has a ceiling.
"""

from __future__ import annotations

import heapq
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from gw_helpers import Gateway
from test_gateway_api import is_problem
from test_operators import new_operator, sign_in, wrong

from gateway import pins
from gateway.db import session_factory
from gateway.deps import configure_operators
from gateway.models import Kiosk
from gateway.problems import ProblemError
from gateway.services import operator_sessions
from gateway.services.operators import OperatorPolicy

# The documented numbers: 5 free failures per (kiosk, name), then 1 minute doubled up to 15.
FREE = 5
FIRST_WAIT_S = 60
LONGEST_WAIT_S = 15 * 60


def _guess(pin: str, i: int) -> str:
    return f"{(int(pin) + 1 + i) % 10**6:06d}"


def _answer(r: httpx.Response) -> tuple[int, str, dict[str, Any]]:
    body = r.json()
    body.pop("instance")  # a fresh id per answer
    return r.status_code, r.headers["content-type"], body


def _listed(c: httpx.Client, name: str) -> bool:
    return bool(next(o["locked"] for o in c.get("/operators").json()["operators"] if o["name"] == name))


def test_unknown_name_other_locations_operator_and_wrong_pin_answer_alike_after_one_hash(gw: Gateway) -> None:
    _k, token = gw.add_kiosk("zoseni")
    here, pin = new_operator(gw, "zoseni")
    there, there_pin = new_operator(gw, "cesis")
    answers, hashes = [], []
    with gw.http(token) as c:
        # The other location's operator with their own right PIN: still only the common refusal.
        for name, typed in ((f"Nav Tāda {uuid.uuid4().hex[:6]}", pin), (there, there_pin), (here, wrong(pin))):
            before = pins.checks_run()
            answers.append(_answer(sign_in(c, name, typed)))
            hashes.append(pins.checks_run() - before)
    assert answers[0] == answers[1] == answers[2], answers
    assert answers[0][0] == 401 and answers[0][2]["code"] == "operator-sign-in-failed"
    assert hashes == [1, 1, 1]  # each ran one Argon2 check (a dummy hash for the first two)


def test_the_back_off_is_the_same_for_known_unknown_and_other_location_names(gw: Gateway) -> None:
    here, pin = new_operator(gw, "zoseni")
    there, _there_pin = new_operator(gw, "cesis")
    runs = []
    for name in (f"Nav Tāda {uuid.uuid4().hex[:6]}", there, here):
        _k, token = gw.add_kiosk("zoseni")
        with gw.http(token) as c:
            runs.append([sign_in(c, name, _guess(pin, i)) for i in range(FREE + 1)])
    shapes = [[(r.status_code, r.json()["code"]) for r in run] for run in runs]
    assert shapes[0] == shapes[1] == shapes[2], shapes
    assert shapes[0] == [(401, "operator-sign-in-failed")] * FREE + [(423, "operator-locked")]
    assert {_answer(run[-1])[2]["title"] for run in runs} == {runs[0][-1].json()["title"]}


def test_a_stranger_at_one_kiosk_cannot_keep_the_librarian_out_at_another(gw: Gateway) -> None:
    _x, stranger = gw.add_kiosk()
    _y, desk = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(stranger) as c:
        statuses = [sign_in(c, name, _guess(pin, i)).status_code for i in range(20)]
        assert statuses == [401] * FREE + [423] * (20 - FREE), statuses
        assert _listed(c, name)
        is_problem(sign_in(c, name, pin), 423, "operator-locked")  # even the right PIN, here, now
    with gw.http(desk) as c:
        assert not _listed(c, name)
        assert sign_in(c, name, pin).status_code == 201


def test_the_wait_doubles_up_to_its_ceiling_and_the_right_pin_then_opens(gw: Gateway) -> None:
    # Longer waits than the defaults, so a slow machine cannot outlast one between two requests.
    configure_operators(gw.app, OperatorPolicy(first_wait=timedelta(minutes=5), lockout=timedelta(minutes=30)))
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    advanced = 0
    try:
        with gw.http(token) as c:
            for i in range(FREE):
                is_problem(sign_in(c, name, _guess(pin, i)), 401, "operator-sign-in-failed")
            waits = []
            for i in range(FREE, FREE + 5):  # a stranger typing whenever the back-off lets them
                r = is_problem_r(sign_in(c, name, _guess(pin, i)))
                waits.append(int(r.headers["Retry-After"]))
                gw.clock.advance(waits[-1])
                advanced += waits[-1]
                is_problem(sign_in(c, name, _guess(pin, i)), 401, "operator-sign-in-failed")
            assert [round(w / 60) for w in waits] == [5, 10, 20, 30, 30], waits
            # The librarian comes after the stranger stopped: at most the ceiling later, the PIN opens.
            r = is_problem_r(sign_in(c, name, pin))
            wait = int(r.headers["Retry-After"])
            assert wait <= 30 * 60
            gw.clock.advance(wait)
            advanced += wait
            assert sign_in(c, name, pin).status_code == 201
            # ... and the count starts again from zero.
            is_problem(sign_in(c, name, wrong(pin)), 401, "operator-sign-in-failed")
    finally:
        gw.clock.advance(-advanced)
        configure_operators(gw.app, OperatorPolicy())


def is_problem_r(r: httpx.Response) -> httpx.Response:
    is_problem(r, 423, "operator-locked")
    return r


def test_simulated_day_of_guessing_bounds_the_guesses_and_never_refuses_the_librarian_elsewhere(
        gw: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """A day on the gateway's clock (the service takes `now`), deterministic, with the default
    policy: a stranger at kiosk X types a wrong PIN whenever let; the librarian signs in at kiosk Y
    every half hour, and at X once the stranger has stopped."""
    x_id, _x = gw.add_kiosk()
    y_id, _y = gw.add_kiosk()
    name, pin = new_operator(gw)
    # Argon2 is not what is measured here: a cheap stand-in keeps a day of guesses quick.
    monkeypatch.setattr(operator_sessions, "verify_pin", lambda h, typed: h is not None and typed == pin)
    sessions = session_factory(gw.engine)
    with sessions() as s:
        kiosks = {k: s.get(Kiosk, k) for k in (x_id, y_id)}
        for k in kiosks.values():
            s.expunge(k)
    policy = OperatorPolicy()

    def attempt(kiosk_id: str, typed: str, at: Any) -> tuple[int, int]:
        with sessions() as db:
            try:
                operator_sessions.sign_in(db, kiosks[kiosk_id], name, typed, at, policy)
            except ProblemError as exc:
                return exc.status, int(exc.headers.get("Retry-After", "0"))
        return 201, 0

    start = gw.clock.now() - timedelta(days=5)  # in the past: the tidying cannot reach other tests' rows
    end = start + timedelta(hours=24)
    queue = [(start, 0, x_id), (start, 1, y_id)]
    checked = 0
    tries = 0
    while queue:
        at, order, kiosk_id = heapq.heappop(queue)
        if at >= end:
            continue
        if kiosk_id == y_id:
            assert attempt(y_id, pin, at)[0] == 201
            heapq.heappush(queue, (at + timedelta(minutes=30), order, kiosk_id))
            continue
        tries += 1
        status, retry = attempt(x_id, _guess(pin, tries), at)
        assert status in (401, 423)
        checked += status == 401
        assert retry <= LONGEST_WAIT_S
        heapq.heappush(queue, (at + timedelta(seconds=max(retry, 2)), order, kiosk_id))
    # 5 free, 4 growing waits, then one every 15 minutes: about 105 PINs a day per kiosk token.
    assert 90 <= checked <= 110, checked
    status, retry = attempt(x_id, pin, end)
    if status != 201:  # still waiting when the stranger stopped: the ceiling bounds it
        assert status == 423 and 0 < retry <= LONGEST_WAIT_S
        assert attempt(x_id, pin, end + timedelta(seconds=retry))[0] == 201
