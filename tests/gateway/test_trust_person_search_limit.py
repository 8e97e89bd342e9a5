"""The person-search limit holds under parallel bursts (docs/architecture.md, "Operators").

Each search is counted and decided under the operator's lock (an advisory lock on PostgreSQL, the
writer lock of BEGIN IMMEDIATE on SQLite). Before, PostgreSQL answered 35 to 38 of a burst of 40
with the limit at 30: every transaction counted the searches committed before it began.
"""

from __future__ import annotations

import threading

from gw_helpers import Gateway
from test_operators import _applications_key, new_operator, session_of  # noqa: F401  (the fixture)

from gateway.services.operators import OperatorPolicy

LIMIT = OperatorPolicy().searches_per_window  # 30 in 10 minutes
SEARCH = {"personal_code": "230443-16069", "id_document": "id-card", "reason": "pārbaude"}


def _burst(gw: Gateway, token: str, op: dict[str, str], n: int) -> list[int]:
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    lock = threading.Lock()

    def search() -> None:
        with gw.http(token) as c:
            barrier.wait()
            while True:  # a pool timeout (503, retryable) is asked again, as the kiosk does
                r = c.post("/person-searches", json=SEARCH, headers=op)
                if r.status_code != 503:
                    break
        with lock:
            statuses.append(r.status_code)

    threads = [threading.Thread(target=search) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return statuses


def test_a_parallel_burst_gets_exactly_the_limit_answered(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    name, pin = new_operator(gw)
    with gw.http(token) as c:
        op = session_of(c, name, pin)
    first = _burst(gw, token, op, 40)
    assert len(first) == 40 and first.count(200) == LIMIT and first.count(429) == 40 - LIMIT, sorted(first)
    # A second burst in the same window: nothing more gets through.
    again = _burst(gw, token, op, 20)
    assert again.count(429) == 20, sorted(again)


def test_two_operators_bursting_at_once_each_get_their_own_limit(gw: Gateway) -> None:
    _k, token = gw.add_kiosk()
    ops = []
    for _ in range(2):
        name, pin = new_operator(gw)
        with gw.http(token) as c:
            ops.append(session_of(c, name, pin))
    results: list[list[int]] = [[], []]
    runners = [threading.Thread(target=lambda i=i: results[i].extend(_burst(gw, token, ops[i], 35)))
               for i in range(2)]
    for t in runners:
        t.start()
    for t in runners:
        t.join(600)
    for statuses in results:
        assert statuses.count(200) == LIMIT and statuses.count(429) == 5, sorted(statuses)

