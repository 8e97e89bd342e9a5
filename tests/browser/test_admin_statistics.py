"""The municipality's statistics page in a real browser (Chromium, Selenium), against a real
gateway on loopback: sign in, the charts and the yearly table for a library, the CSV downloaded and
compared with the API's numbers, five wrong passwords lock the account, a form without its CSRF
token is refused, and the page reads at 200 % zoom (docs/architecture.md, "The municipality's
statistics page")."""

from __future__ import annotations

import csv
import io
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from browser_helpers import make_driver
from gw_helpers import MovableClock, ServerThread

from common.desk_counters import COLUMNS
from common.schema import ServiceEventIn
from gateway import admin
from gateway.app import create_app
from gateway.db import session_factory
from gateway.models import PaymentRow
from gateway.services import admin_auth, operators, service_events
from gateway.services.desk_actor import Actor

YEAR = 2030
RIGA = ZoneInfo("Europe/Riga")
LIBRARY, LIBRARY_NAME = "dzerbene", "Dzērbenes bibliotēka"
PASSWORD = "Dzērbene-pārskats-2030"


@dataclass
class Site:
    base_url: str
    token: str
    coordinator_session: dict[str, str]
    engine: Any


def _seed(engine: Any) -> str:
    """A few months of one library's work, and one of another's (which must not show up)."""
    with session_factory(engine).begin() as s:
        kiosk_id, token = admin.add_kiosk(s, LIBRARY, f"b-{secrets.token_hex(3)}")
        other, _ = admin.add_kiosk(s, "taurene", f"b-{secrets.token_hex(3)}")
        now = datetime.now(UTC)
        admin_auth.add_coordinator(s, "Ilze Koordinatore", now, PASSWORD)
        admin_auth.add_coordinator(s, "Andris Koordinators", now, PASSWORD)
        operators.add_operator(s, "Ilze API", LIBRARY, now, role="coordinator", pin="27182818")
        actor = Actor(kiosk_id=kiosk_id, location_code=LIBRARY, operator="Līga")
        plan = [(3, "consultation", "state-services", 4), (3, "letter", None, 7), (4, "call", None, 5),
                (4, "document-received", None, 3), (11, "client-served", None, 2)]
        for month, kind, category, n in plan:
            for i in range(n):
                at = datetime(YEAR, month, 3 + i, 10, 0, tzinfo=RIGA).astimezone(UTC)
                service_events.record(s, actor, ServiceEventIn(client_event_id=f"b-{uuid.uuid4().hex}", kind=kind,
                                                               category=category, occurred_at=at), at)
        for month, method, cents in ((3, "cash", 1250), (3, "card", 3000), (4, "cash", 740)):
            at = datetime(YEAR, month, 20, 12, 0, tzinfo=RIGA).astimezone(UTC)
            s.add(PaymentRow(id=f"p-{secrets.token_hex(6)}", kiosk_id=kiosk_id, client_txn_id=uuid.uuid4().hex,
                             intent_id=None, method=method, amount_cents=cents, credit_cents=0, needs_review=False,
                             flags="", approved_at=at, posted_at=at))
        at = datetime(YEAR, 3, 5, 10, 0, tzinfo=UTC)
        service_events.record(s, Actor(kiosk_id=other, location_code="taurene", operator="x"),
                              ServiceEventIn(client_event_id="t-1", kind="call", occurred_at=at), at)
    return token


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('admin') / 'gw.sqlite3'}", clock=MovableClock())
    engine = app.state.gateway.engine
    admin.seed_demo(engine)
    token = _seed(engine)
    server = ServerThread(app).start()
    with httpx.Client(base_url=server.base_url + "/api/v1", headers={"Authorization": f"Bearer {token}"}) as c:
        r = c.post("/operator-sessions", json={"operator": "Ilze API", "pin": "27182818"})
        assert r.status_code == 201, r.text
    yield Site(server.base_url, token, {"X-Operator-Session": r.json()["session"]}, engine)
    server.stop()
    engine.dispose()


def _sign_in(browser: Any, base: str, name: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    field = browser.find_element(By.ID, "name")
    field.clear()
    field.send_keys(name)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "sign-in").click()
    _until_replaced(browser, field)  # the answer page is in


def _follow(browser: Any, element: Any) -> None:
    """Click a link or a submit button and wait until the next page replaced this one."""
    element.click()
    _until_replaced(browser, element)


def _until_replaced(browser: Any, element: Any) -> None:
    """Wait until the next page replaced the one `element` was on. Asked while Chromium swaps
    the documents, the check may fail with "Node with given id does not belong to the document"
    (a WebDriverException, not a stale element): that answer means "ask again"."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        expected_conditions.staleness_of(element))


def _cells(browser: Any, row_css: str) -> list[str]:
    from selenium.webdriver.common.by import By

    row = browser.find_element(By.CSS_SELECTOR, row_css)
    return [c.text for c in row.find_elements(By.CSS_SELECTOR, "th, td")]


def _api(site: Site, location: str) -> dict[str, Any]:
    with httpx.Client(base_url=site.base_url + "/api/v1",
                      headers={"Authorization": f"Bearer {site.token}", **site.coordinator_session}) as c:
        r = c.get("/statistics", params={"location": location, "from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31",
                                         "group": "month"})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _wait_for_file(folder: Path, suffix: str, timeout: float = 15) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == suffix]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} downloaded into {folder}: {list(folder.iterdir())}")


def test_sign_in_see_the_library_and_download_the_csv(site: Site, browser: Any, downloads: Path,
                                                      artifacts: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(f"{site.base_url}/admin/?from={YEAR}-01-01&to={YEAR}-12-31")
    assert browser.current_url.startswith(f"{site.base_url}/admin/login")  # not signed in yet
    assert browser.find_element(By.TAG_NAME, "h1").text == "Bibliotēku statistika"
    assert "<script" not in browser.page_source  # nothing here needs JavaScript (it is off)
    _sign_in(browser, site.base_url, "Ilze Koordinatore", PASSWORD)
    assert browser.find_element(By.CSS_SELECTOR, ".account span").text == "Pieteicies: Ilze Koordinatore"

    # The period from the picker, then one library chosen in it (a plain GET form).
    browser.get(f"{site.base_url}/admin/?from={YEAR}-01-01&to={YEAR}-12-31&lang=lv")
    Select(browser.find_element(By.ID, "location")).select_by_value(LIBRARY)
    Select(browser.find_element(By.ID, "measure")).select_by_value("letter")
    _follow(browser, browser.find_element(By.ID, "show"))
    assert f"location={LIBRARY}" in browser.current_url and f"from={YEAR}-01-01" in browser.current_url

    # The charts: twelve months, one bar per month, the letters of March on the March bar.
    bars = browser.find_elements(By.CSS_SELECTOR, "#chart-months g.bar")
    assert len(bars) == 12
    march = bars[2].find_element(By.CSS_SELECTOR, "text.value").text
    assert march == "7"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart-libraries g.bar")) == 1
    assert float(bars[2].find_element(By.TAG_NAME, "rect").get_attribute("height")) > 0
    assert float(bars[0].find_element(By.TAG_NAME, "rect").get_attribute("height")) == 0

    # The yearly report's line for the library, as the API counts it.
    api = _api(site, LIBRARY)
    (total,) = api["totals"]
    line = _cells(browser, f"#yearly tr[data-location='{LIBRARY}']")
    assert line[0] == LIBRARY_NAME
    assert [int(v.replace("\u00a0", "")) for v in line[1:1 + len(COLUMNS)]] == [total["counts"][c] for c in COLUMNS]
    assert [v.replace("\u00a0", " ") for v in line[-2:]] == ["30,00 €", "19,90 €"]
    assert total["counts"]["letter"] == 7 and total["counts"]["payments"] == 3
    assert not browser.find_elements(By.CSS_SELECTOR, "#yearly tr[data-location='taurene']")
    browser.save_screenshot(str(artifacts / "admin-library-lv.png"))

    # The CSV, downloaded by the browser, equals the API's numbers month by month.
    browser.find_element(By.ID, "csv").click()
    path = _wait_for_file(downloads, ".csv")
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["location", "location_name", "period"] and len(body) == 12
    for api_row, csv_row in zip(api["rows"], body, strict=True):
        cells = dict(zip(header, csv_row, strict=True))
        assert (cells["location"], cells["location_name"], cells["period"]) == (LIBRARY, LIBRARY_NAME,
                                                                               api_row["period"])
        assert [int(cells[c]) for c in COLUMNS] == [api_row["counts"][c] for c in COLUMNS]
        p = api_row["payments"]
        assert int(cells["card_count"]) == p["card_count"] and int(cells["cash_count"]) == p["cash_count"]
        assert cells["card_eur"] == f"{p['card_cents'] // 100},{p['card_cents'] % 100:02d}"
        assert cells["cash_eur"] == f"{p['cash_cents'] // 100},{p['cash_cents'] % 100:02d}"

    # English and Russian from the same catalogs, the choices kept.
    _follow(browser, browser.find_element(By.CSS_SELECTOR, "a[hreflang='en']"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Library statistics"
    assert f"location={LIBRARY}" in browser.current_url
    _follow(browser, browser.find_element(By.CSS_SELECTOR, "a[hreflang='ru']"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Статистика библиотек"

    _follow(browser, browser.find_element(By.ID, "sign-out"))
    assert browser.current_url.startswith(f"{site.base_url}/admin/login")
    browser.get(f"{site.base_url}/admin/")
    assert browser.current_url.startswith(f"{site.base_url}/admin/login")


def test_five_wrong_passwords_lock_the_account(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{site.base_url}/admin/login")
    for attempt in range(1, 6):
        _sign_in(browser, site.base_url, "Andris Koordinators", f"nepareizi-{attempt}")
        message = browser.find_element(By.ID, "error").text
        if attempt < 5:
            assert message == "Nepareizs vārds vai parole.", attempt
    assert message == "Pārāk daudz nepareizu paroļu: konts ir bloķēts uz 15 minūtēm."
    _sign_in(browser, site.base_url, "Andris Koordinators", PASSWORD)  # the right one: still locked
    assert browser.find_element(By.ID, "error").text.startswith("Pārāk daudz nepareizu paroļu")
    assert browser.current_url.startswith(f"{site.base_url}/admin/login")


def _login_form(c: httpx.Client) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', c.get("/admin/login").text)
    assert found is not None
    return found.group(1)


def test_a_form_post_without_its_csrf_token_is_refused(site: Site) -> None:
    with httpx.Client(base_url=site.base_url, follow_redirects=False) as c:
        token = _login_form(c)
        for form in ({"name": "Ilze Koordinatore", "password": PASSWORD},
                     {"name": "Ilze Koordinatore", "password": PASSWORD, "csrf": token[::-1]}):
            r = c.post("/admin/login", data=form)
            assert r.status_code == 403 and "Veidlapa ir novecojusi" in r.text
        r = c.post("/admin/login", data={"name": "Ilze Koordinatore", "password": PASSWORD, "csrf": token})
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
        page = c.get("/admin/")
        assert page.status_code == 200
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert c.post("/admin/logout", data={}).status_code == 403  # no token: refused...
        assert c.get("/admin/").status_code == 200  # ...and still signed in
        session_csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert session_csrf is not None
        assert c.post("/admin/logout", data={"csrf": session_csrf.group(1)}).status_code == 303
        assert c.get("/admin/").status_code == 303


def test_readable_at_200_percent_zoom(site: Site, chromium_paths: tuple[str, str], downloads: Path,
                                      artifacts: Path) -> None:
    """At 200 % a 1280 px window is 640 CSS px wide: the page must not scroll sideways (the tables
    scroll in their own box) and the text gets twice as big."""
    from selenium.webdriver.common.by import By

    driver = make_driver(chromium_paths, downloads, javascript=True)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 640, "height": 800, "deviceScaleFactor": 2, "mobile": False})
        driver.get(f"{site.base_url}/admin/login")
        _sign_in(driver, site.base_url, "Ilze Koordinatore", PASSWORD)
        driver.get(f"{site.base_url}/admin/?from={YEAR}-01-01&to={YEAR}-12-31&location={LIBRARY}")
        assert driver.execute_script("return window.innerWidth") == 640
        page_width = driver.execute_script("return document.documentElement.scrollWidth")
        assert page_width <= 640, page_width
        table_box = driver.find_element(By.CSS_SELECTOR, "#yearly").find_element(By.XPATH, "..")
        assert driver.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", table_box)
        for element_id in ("chart-months", "from", "show", "csv"):
            rect = driver.find_element(By.ID, element_id).rect
            assert rect["x"] >= 0 and rect["x"] + rect["width"] <= 640, element_id
        font_px = driver.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
        assert font_px >= 16
        driver.save_screenshot(str(artifacts / "admin-zoom-200.png"))
    finally:
        driver.quit()


def test_a_coordinator_session_expires(site: Site) -> None:
    # sign_in opens its own transactions (the password is checked outside any of them).
    with session_factory(site.engine)() as s:
        result = admin_auth.sign_in(s, "Ilze Koordinatore", PASSWORD, datetime.now(UTC))
        assert result.outcome == "ok"
        later = datetime.now(UTC) + admin_auth.SESSION_TTL + timedelta(seconds=1)
        assert admin_auth.session_for(s, result.token, later) is None
        assert admin_auth.session_for(s, result.token, datetime.now(UTC)) is not None
