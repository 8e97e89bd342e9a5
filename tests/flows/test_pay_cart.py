"""Paying the visit's cart (`kiosk.payments.visit.pay_cart`), without a window: only a paid cart is
emptied, so "try again" after a decline pays the same invoices, and never pays paid ones twice."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.demo_data import demo_invoice
from kiosk.backend import Backend
from kiosk.payments.card import PaymentResult, Verdict
from kiosk.payments.cart import Cart
from kiosk.payments.visit import pay_cart

NIN = "2026000457"  # property tax, unpaid


async def _cart(backend: Backend, cents: int) -> Cart:
    inv = demo_invoice(NIN)
    [view] = (await backend.gateway.search_invoices(inv.notice_number, inv.check_value)).invoices
    cart = Cart()
    cart.add(view.model_copy(update={"due_now_cents": cents}))  # the simulator's cent scenarios
    return cart


def test_paid_cart_is_emptied_declined_cart_kept(backend_factory) -> None:
    backend = backend_factory()

    async def go() -> tuple[PaymentResult | None, Cart, PaymentResult | None, Cart]:
        declined_cart = await _cart(backend, 1091)
        declined = await pay_cart(backend.payments, declined_cart, lang="lv")
        paid_cart = await _cart(backend, 1000)
        paid = await pay_cart(backend.payments, paid_cart, lang="lv")
        return declined, declined_cart, paid, paid_cart

    declined, declined_cart, paid, paid_cart = asyncio.run(go())
    assert declined is not None and declined.verdict is Verdict.NOT_PAID
    assert [line.invoice.notice_number for line in declined_cart.lines] == [NIN]
    assert paid is not None and paid.verdict is Verdict.PAID
    assert paid_cart.lines == [] and paid_cart.total_cents == 0


class _Exploding:
    async def pay(self, cart: Cart, *, lang: str) -> Any:
        raise RuntimeError("bug in the payment service")


def test_unexpected_failure_is_none_and_the_cart_stays(backend_factory) -> None:
    backend = backend_factory()

    async def go() -> tuple[PaymentResult | None, Cart]:
        cart = await _cart(backend, 1000)
        return await pay_cart(_Exploding(), cart, lang="lv"), cart

    result, cart = asyncio.run(go())
    assert result is None and len(cart.lines) == 1
