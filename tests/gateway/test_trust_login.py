"""Sign-ins cannot starve the gateway: `/admin/login` takes only a CSRF token the gateway issued,
limits attempts per address and per name before anything is hashed (429), and every Argon2 check
— a coordinator's password or an operator's PIN — runs in one of a few slots per process, the rest
answered 503 with Retry-After while the kiosks' API keeps answering (docs/architecture.md, "The
municipality's statistics page"). On SQLite and PostgreSQL.

The bound is observed through `gateway.hash_gate`'s counters and a password check that waits for
the test's signal, never through timing.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from gw_helpers import Gateway

from gateway import hash_gate
from gateway.db import session_factory
from gateway.login_limits import PER_ADDRESS, PER_NAME
from gateway.services import admin_auth

PASSWORD = "trust-login-test-password"


def _address() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


class Browser:
    """A client of /admin/ from `address` (as the reverse proxy reports it in X-Forwarded-For)."""

    def __init__(self, gw: Gateway, address: str | None = None) -> None:
        self.address = address or _address()
        self.client = httpx.Client(base_url=gw.base_url, timeout=60, follow_redirects=False,
                                   headers={"X-Forwarded-For": self.address})
        form = self.client.get("/admin/login")
        found = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert found is not None, form.text
        self.csrf = found.group(1)

    def login(self, name: str, password: str = "not-the-password") -> httpx.Response:
        return self.client.post("/admin/login", data={"csrf": self.csrf, "name": name, "password": password})

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def browsers() -> Iterator[list[Browser]]:
    made: list[Browser] = []
    yield made
    for b in made:
        b.close()


def _unknown() -> str:
    return f"Nav tāda {uuid.uuid4().hex[:8]}"


def test_a_csrf_token_the_client_made_up_is_refused_unhashed(gw: Gateway) -> None:
    gate = hash_gate.gate()
    before = gate.granted
    made_up = secrets.token_urlsafe(24)
    with httpx.Client(base_url=gw.base_url, timeout=30, cookies={"kac_admin_login": made_up},
                      headers={"X-Forwarded-For": _address()}) as c:
        r = c.post("/admin/login", data={"csrf": made_up, "name": _unknown(), "password": "x" * 12})
    assert r.status_code == 403, r.status_code
    assert gate.granted == before


def test_the_attempts_of_one_address_are_limited_before_hashing(gw: Gateway, browsers: list[Browser]) -> None:
    b = Browser(gw)
    browsers.append(b)
    for _ in range(PER_ADDRESS):
        assert b.login(_unknown()).status_code == 401
    gate = hash_gate.gate()
    before = gate.granted
    r = b.login(_unknown())
    assert r.status_code == 429, r.status_code
    assert int(r.headers["Retry-After"]) >= 1
    assert gate.granted == before  # refused before any hashing
    other = Browser(gw)  # another address is not held up
    browsers.append(other)
    assert other.login(_unknown()).status_code == 401


def test_the_attempts_for_one_name_are_limited_before_hashing(gw: Gateway, browsers: list[Browser]) -> None:
    name = _unknown()
    for _ in range(PER_NAME):
        b = Browser(gw)
        browsers.append(b)
        assert b.login(name).status_code == 401
    gate = hash_gate.gate()
    before = gate.granted
    b = Browser(gw)
    browsers.append(b)
    r = b.login(name)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert gate.granted == before


def test_five_wrong_passwords_still_lock_and_the_right_one_signs_in(gw: Gateway, browsers: list[Browser]) -> None:
    name = f"Koordinators {uuid.uuid4().hex[:6]}"
    with session_factory(gw.engine).begin() as s:
        admin_auth.add_coordinator(s, name, datetime.now(UTC), PASSWORD)
    b = Browser(gw)
    browsers.append(b)
    assert b.login(name, PASSWORD).status_code == 303
    b = Browser(gw)  # signed in, the form's token is spent: a new form
    browsers.append(b)
    assert [b.login(name).status_code for _ in range(5)] == [401, 401, 401, 401, 423]
    assert b.login(name, PASSWORD).status_code == 423


def _wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.01)


def test_a_sign_in_flood_hashes_at_most_the_slots_at_once(gw: Gateway, browsers: list[Browser],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    gate = hash_gate.HashGate(slots=1, queue=2, wait_s=120)
    old = hash_gate.replace(gate)
    release = threading.Event()
    in_check = [0, 0]  # now, most at once
    lock = threading.Lock()
    real_verify = admin_auth._verify

    def held_verify(stored: str, password: str) -> bool:
        with lock:
            in_check[0] += 1
            in_check[1] = max(in_check[1], in_check[0])
        try:
            release.wait(120)
            return real_verify(stored, password)
        finally:
            with lock:
                in_check[0] -= 1

    monkeypatch.setattr(admin_auth, "_verify", held_verify)
    answers: list[int] = []
    threads: list[threading.Thread] = []
    try:
        def post() -> None:
            b = Browser(gw)
            browsers.append(b)
            answers.append(b.login(_unknown()).status_code)

        threads.append(threading.Thread(target=post))
        threads[-1].start()
        _wait_for(lambda: in_check[0] == 1, "the first sign-in is being checked")
        for _ in range(2):
            threads.append(threading.Thread(target=post))
            threads[-1].start()
        _wait_for(lambda: gate.waiting == 2, "two sign-ins wait for the slot")
        # The slot is taken and the queue full: the next ones are turned away at once.
        extra = [Browser(gw) for _ in range(3)]
        browsers.extend(extra)
        for b in extra:
            r = b.login(_unknown())
            assert r.status_code == 503 and int(r.headers["Retry-After"]) >= 1, r.status_code
        # An operator's PIN is checked in the same slots.
        _kiosk_id, token = gw.add_kiosk()
        with gw.http(token) as c:
            r = c.post("/operator-sessions", json={"operator": _unknown(), "pin": "135790"})
            assert r.status_code == 503 and r.json()["code"] == "backend-unavailable", r.text
            assert int(r.headers["Retry-After"]) >= 1
            # And the kiosks' API keeps answering meanwhile.
            assert c.get("/health").status_code == 200
            assert c.post("/invoice-searches", json={"notice_number": "0000000000",
                                                     "check_value": "0000"}).status_code in (404, 422)
    finally:
        release.set()
        for t in threads:
            t.join(120)
        hash_gate.replace(old)
    assert sorted(answers) == [401, 401, 401]
    assert gate.peak == 1 and in_check[1] == 1
    assert gate.granted == 3  # the three sign-ins and the PIN turned away were never hashed
