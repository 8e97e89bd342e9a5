"""Without a window, the visit boundary's rules in kiosk/visit.py and
kiosk/payments/visit.py (docs/architecture.md, "Screens")."""

from __future__ import annotations

import asyncio

from common.i18n import Translator
from kiosk.payments.cart import Cart
from kiosk.payments.visit import payment_visit
from kiosk.visit import Visit
from launcher.embedded import demo_view


def _visit() -> Visit:
    visit = Visit(Translator("lv"), default_language="lv", default_high_contrast=False)
    visit.set_language("ru")
    visit.set_large_text(True)
    visit.set_high_contrast(True)
    pv = payment_visit(visit)
    pv.cart.add(demo_view("2026000457"))
    pv.notice = "2026"
    return visit


def test_visit_boundary_home_keeps_the_settings_and_forgets_the_work() -> None:
    async def scenario() -> None:
        visit = _visit()
        seen: list[str] = []

        def observer(what: str) -> None:  # held weakly by the visit: kept alive by this frame
            seen.append(what)

        visit.observe(observer)
        task = visit.spawn(asyncio.sleep(60))
        assert not visit.default_settings
        assert visit.end(keep_settings=True)
        await asyncio.sleep(0)
        assert task.cancelled() and visit.task_count == 0
        assert visit.data == {} and not payment_visit(visit).cart.lines
        assert (visit.language, visit.large_text, visit.high_contrast) == ("ru", True, True)
        assert seen == ["wiped"] and visit.number == 2

    asyncio.run(scenario())


def test_visit_boundary_done_and_idle_restore_the_defaults() -> None:
    visit = _visit()
    assert visit.end()
    assert (visit.language, visit.large_text, visit.high_contrast) == ("lv", False, False)
    assert visit.default_settings and visit.data == {}
    visit = _visit()
    visit.wipe()  # the idle reset
    assert visit.default_settings and visit.data == {}


def test_visit_boundary_refused_while_money_is_in_flight() -> None:
    async def scenario() -> None:
        visit = _visit()
        cart = payment_visit(visit).cart
        visit.set_busy("terminal")
        task = visit.spawn(asyncio.sleep(60))  # the pay screen's wait for the terminal's answer
        for keep in (True, False):
            assert not visit.end(keep_settings=keep, money_in_flight=True)
        await asyncio.sleep(0)
        assert not task.done() and visit.busy and visit.number == 1
        assert payment_visit(visit).cart is cart and cart.lines and visit.language == "ru"
        task.cancel()

    asyncio.run(scenario())


def test_visit_boundary_two_payers_are_named_for_the_check() -> None:
    from kiosk.payments.visit import payers_to_check

    cart = Cart()
    cart.add(demo_view("2026000457"))
    assert payers_to_check(cart) == []
    cart.add(demo_view("2026000458"))  # Anna Kalniņa
    names = payers_to_check(cart)
    assert len(names) == 2 and names == sorted(names) and "J*** B*****Š" in names
    cart.remove("inv-2026000458")
    assert payers_to_check(cart) == []
