"""A seeded year across the nine libraries: thousands of counter taps (some undone, many near
midnight), card and cash payments and applications. The statistics must equal an expectation the
test folds itself from what it seeded, on SQLite and PostgreSQL alike; the /admin/ page's yearly
table is read back line by line.

Each database is this module's own (fresh SQLite file, fresh PostgreSQL database), so the shared
gateways' other tests cannot change the numbers.
"""

from __future__ import annotations

import os
import random
import re
import secrets
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from gw_helpers import MovableClock, ServerThread, create_pg_database, pg_admin_url

from common.desk_counters import COLUMNS, CONSULTATION_CATEGORIES
from common.schema import ServiceEventIn
from gateway import admin
from gateway.app import create_app
from gateway.db import session_factory
from gateway.demo_data import LOCATIONS
from gateway.models import ApplicationRow, PaymentRow
from gateway.services import admin_auth, service_events
from gateway.services.desk_actor import Actor
from gateway.services.statistics import statistics

YEAR = 2030
RIGA = ZoneInfo("Europe/Riga")
COORDINATOR = Actor(kiosk_id="", location_code="", operator="test", coordinator=True)
PASSWORD = "Zosēni-statistika-2030"
KINDS = [("client-served", None), ("call", None), ("letter", None), ("document-received", None),
         ("document-sent", None), *(("consultation", c) for c in CONSULTATION_CATEGORIES)]


@dataclass
class Seeded:
    """What was put in, folded by the test itself: (location, period) -> column -> count."""

    counts: dict[tuple[str, str], dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(COLUMNS, 0)))
    sums: dict[tuple[str, str], dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: {"card_count": 0, "card_cents": 0, "cash_count": 0,
                                                     "cash_cents": 0}))
    events: int = 0
    undone: int = 0

    def add(self, loc: str, day: date, column: str) -> None:
        for period in (f"{day.year:04d}-{day.month:02d}", f"{day.year:04d}"):
            self.counts[(loc, period)][column] += 1
            if column.startswith("consultation:"):
                self.counts[(loc, period)]["consultations"] += 1

    def pay(self, loc: str, day: date, method: str, cents: int) -> None:
        self.add(loc, day, "payments")
        for period in (f"{day.year:04d}-{day.month:02d}", f"{day.year:04d}"):
            self.sums[(loc, period)][f"{method}_count"] += 1
            self.sums[(loc, period)][f"{method}_cents"] += cents


def _moment(rng: random.Random, day: date) -> datetime:
    """Opening hours mostly; one in six right around midnight in Riga (the other day in UTC)."""
    if rng.random() < 1 / 6:
        local = datetime(day.year, day.month, day.day, 23, 0, tzinfo=RIGA) + timedelta(
            minutes=rng.randint(0, 119))
    else:
        local = datetime(day.year, day.month, day.day, 9, 0, tzinfo=RIGA) + timedelta(
            minutes=rng.randint(0, 8 * 60))
    return local.astimezone(UTC)


def seed_year(engine: Any) -> Seeded:
    rng = random.Random(20301231)
    exp = Seeded()
    factory = session_factory(engine)
    kiosks: dict[str, str] = {}
    with factory.begin() as s:
        for code, _name in LOCATIONS:
            kiosks[code], _tok = admin.add_kiosk(s, code, f"y-{code}-{secrets.token_hex(2)}")
    start = date(YEAR, 1, 1)
    for loc, kiosk_id in kiosks.items():
        busy = 1 + LOCATIONS.index(next(x for x in LOCATIONS if x[0] == loc)) % 3
        actor = Actor(kiosk_id=kiosk_id, location_code=loc, operator=f"Bibliotekāre {loc}")
        with factory.begin() as s:
            # Every third day, a few taps of random kinds; every ~tenth tap undone at once.
            for d in range(0, 365, 3):
                day = start + timedelta(days=d)
                for _ in range(rng.randint(0, 3 * busy)):
                    kind, category = rng.choice(KINDS)
                    at = _moment(rng, day)
                    body = ServiceEventIn(client_event_id=f"e-{secrets.token_hex(6)}", kind=kind,
                                          category=category, occurred_at=at, note="")
                    service_events.record(s, actor, body, at + timedelta(seconds=30))
                    if rng.random() < 0.1:
                        service_events.undo(s, actor, body.client_event_id, at + timedelta(minutes=2))
                        exp.undone += 1
                        continue
                    exp.events += 1
                    local_day = at.astimezone(RIGA).date()
                    exp.add(loc, local_day, f"{kind}:{category}" if category else kind)
            for d in range(0, 365, 2):
                day = start + timedelta(days=d)
                for _ in range(rng.randint(0, busy)):
                    at = _moment(rng, day)
                    method = "cash" if rng.random() < 0.4 else "card"
                    cents = rng.randint(100, 25_000)
                    s.add(PaymentRow(id=f"p-{secrets.token_hex(8)}", kiosk_id=kiosk_id,
                                     client_txn_id=f"t-{secrets.token_hex(8)}", intent_id=None, method=method,
                                     amount_cents=cents, credit_cents=0, needs_review=False, flags="",
                                     approved_at=at, posted_at=at))
                    exp.pay(loc, at.astimezone(RIGA).date(), method, cents)
            for d in range(0, 365, 7):
                day = start + timedelta(days=d)
                if rng.random() < 0.5:
                    at = _moment(rng, day)
                    s.add(ApplicationRow(
                        id=f"a-{secrets.token_hex(8)}", registration_no=f"Y-{secrets.token_hex(6)}",
                        kiosk_id=kiosk_id, location_code=loc, client_application_id=f"c-{secrets.token_hex(6)}",
                        service_code="general", form_version=1, department="kanceleja", status="received",
                        identity_assurance="none", lang="lv", answers_enc="-", subject_hmac=None,
                        submitted_at=at, created_at=at))
                    exp.add(loc, at.astimezone(RIGA).date(), "applications")
    # Activity on the last evening of the year before and the first night after: outside the
    # year in Riga, though some of it is inside it in UTC.
    with factory.begin() as s:
        actor = Actor(kiosk_id=kiosks["zoseni"], location_code="zoseni", operator="x")
        for at in (datetime(YEAR - 1, 12, 31, 21, 59, tzinfo=UTC), datetime(YEAR, 12, 31, 22, 0, tzinfo=UTC)):
            body = ServiceEventIn(client_event_id=f"edge-{at:%Y}", kind="call", occurred_at=at)
            service_events.record(s, actor, body, at)
    return exp


@dataclass
class YearGateway:
    backend: str
    app: Any
    server: ServerThread
    seeded: Seeded

    @property
    def engine(self) -> Any:
        return self.app.state.gateway.engine


def _start(backend: str, url: str) -> YearGateway:
    clock = MovableClock()
    app = create_app(url, clock=clock)
    engine = app.state.gateway.engine
    admin.seed_demo(engine)
    seeded = seed_year(engine)
    with session_factory(engine).begin() as s:
        admin_auth.add_coordinator(s, "Koordinatore Ilze", datetime.now(UTC), PASSWORD)
    return YearGateway(backend, app, ServerThread(app).start(), seeded)


@pytest.fixture(scope="module")
def year_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[YearGateway]:
    gw = _start("sqlite", f"sqlite:///{tmp_path_factory.mktemp('year') / 'gw.sqlite3'}")
    yield gw
    gw.server.stop()
    gw.engine.dispose()


@pytest.fixture(scope="module")
def year_postgres() -> Iterator[YearGateway]:
    admin_url = pg_admin_url()
    if admin_url is None:
        if os.environ.get("KIOSK_REQUIRE_POSTGRES") == "1":
            pytest.fail("KIOSK_REQUIRE_POSTGRES=1 but no PostgreSQL configured")
        pytest.skip("no PostgreSQL (set KIOSK_TEST_PG_URL)")
    url, drop = create_pg_database(admin_url)
    gw = _start("postgres", url)
    yield gw
    gw.server.stop()
    gw.engine.dispose()
    drop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def year_gw(request: pytest.FixtureRequest) -> YearGateway:
    return request.getfixturevalue(f"year_{request.param}")  # type: ignore[no-any-return]


def _stats(gw: YearGateway, group: str, start: date, end: date, location: str | None = None) -> Any:
    with session_factory(gw.engine).begin() as s:
        return statistics(s, COORDINATOR, location=location, start=start, end=end, group=group)  # type: ignore[arg-type]


def test_the_seed_is_a_real_year(year_gw: YearGateway) -> None:
    assert year_gw.seeded.events > 2000
    assert year_gw.seeded.undone > 100
    assert sum(v["payments"] for (_l, p), v in year_gw.seeded.counts.items() if len(p) == 4) > 500


@pytest.mark.parametrize("group", ["month", "year"])
def test_every_row_equals_what_was_seeded(year_gw: YearGateway, group: str) -> None:
    stats = _stats(year_gw, group, date(YEAR, 1, 1), date(YEAR, 12, 31))
    expected_periods = [f"{YEAR}-{m:02d}" for m in range(1, 13)] if group == "month" else [str(YEAR)]
    assert len(stats.rows) == 9 * len(expected_periods)
    for row in stats.rows:
        assert row.period in expected_periods
        want = year_gw.seeded.counts.get((row.location, row.period), dict.fromkeys(COLUMNS, 0))
        assert row.counts == want, (row.location, row.period)
        sums = year_gw.seeded.sums.get((row.location, row.period), {"card_count": 0, "card_cents": 0,
                                                                    "cash_count": 0, "cash_cents": 0})
        assert row.payments.model_dump() == sums, (row.location, row.period)
    for total in stats.totals:
        assert total.counts == year_gw.seeded.counts[(total.location, str(YEAR))]


def test_days_add_up_to_months(year_gw: YearGateway) -> None:
    march = _stats(year_gw, "day", date(YEAR, 3, 1), date(YEAR, 3, 31), "taurene")
    assert [r.period for r in march.rows][:2] == [f"{YEAR}-03-01", f"{YEAR}-03-02"] and len(march.rows) == 31
    assert march.totals[0].counts == year_gw.seeded.counts[("taurene", f"{YEAR}-03")]


def test_sqlite_and_postgresql_give_identical_statistics(year_sqlite: YearGateway,
                                                         year_postgres: YearGateway) -> None:
    for group, start, end in (("month", date(YEAR, 1, 1), date(YEAR, 12, 31)),
                              ("day", date(YEAR, 6, 1), date(YEAR, 7, 15)),
                              ("year", date(YEAR - 1, 1, 1), date(YEAR + 1, 12, 31))):
        a = _stats(year_sqlite, group, start, end).model_dump(mode="json")
        b = _stats(year_postgres, group, start, end).model_dump(mode="json")
        assert a == b, group
    # Both hold the same seed, so the expectation is one too.
    assert year_sqlite.seeded.counts == year_postgres.seeded.counts


class _Table(HTMLParser):
    """The cells of one table (by id) as text, row by row."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows = table_id, False, []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.attrs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.row = []
            self.attrs.append(dict(attrs))
        elif self.inside and tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif self.inside and tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def admin_client(base_url: str) -> httpx.Client:
    c = httpx.Client(base_url=base_url, timeout=30, follow_redirects=False)
    page = c.get("/admin/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    r = c.post("/admin/login", data={"csrf": csrf.group(1), "name": "Koordinatore Ilze", "password": PASSWORD})
    assert r.status_code == 303, r.text
    return c


def _cents(text: str) -> int:
    euros, cents = text.replace("\u00a0", "").replace("€", "").split(",")
    return int(euros) * 100 + int(cents)


def test_the_yearly_table_line_by_line(year_gw: YearGateway) -> None:
    c = admin_client(year_gw.server.base_url)
    try:
        page = c.get("/admin/", params={"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31", "lang": "lv"})
    finally:
        c.close()
    assert page.status_code == 200
    table = _Table("yearly")
    table.feed(page.text)
    header, *lines = table.rows
    assert header[0] == "Bibliotēka" and len(header) == 1 + len(COLUMNS) + 2
    names = dict(LOCATIONS)
    body = lines[:-1]
    assert [line[0] for line in body] == [names[code] for code in sorted(names)]
    totals = dict.fromkeys(COLUMNS, 0)
    for code, line in zip(sorted(names), body, strict=True):
        want = year_gw.seeded.counts[(code, str(YEAR))]
        assert [int(v.replace("\u00a0", "")) for v in line[1:1 + len(COLUMNS)]] == [want[c] for c in COLUMNS], code
        sums = year_gw.seeded.sums[(code, str(YEAR))]
        assert [_cents(v) for v in line[-2:]] == [sums["card_cents"], sums["cash_cents"]], code
        for c in COLUMNS:
            totals[c] += want[c]
    total_line = lines[-1]
    assert total_line[0] == "Kopā"
    assert [int(v.replace("\u00a0", "")) for v in total_line[1:1 + len(COLUMNS)]] == [totals[c] for c in COLUMNS]
