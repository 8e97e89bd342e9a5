"""The desk's counters: one tap per consultation, call, letter, document or client served, today's
count per button, and "undo last" (docs/architecture.md, "Counters, shifts and statistics").

Every tap is journaled in the outbox before anything is sent (kind `service-event`, under its
Idempotency-Key, with its own `client_event_id`), so a tap made while the gateway is down is sent
when it is back, exactly once. An undo is journaled the same way (`service-event-undo`): when its
tap has not left the kiosk yet, neither is ever sent; otherwise the undo goes out as
`DELETE /service-events/{client_event_id}` with the same operator's session.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from common.clock import RIGA, Clock
from common.desk_counters import COLUMN_LABELS, EVENT_KINDS, UNDO_WINDOW_S, event_column
from common.schema import PaymentSums, ServiceEventOut, Statistics
from kiosk.journal import AsyncJournal, Journal
from kiosk.journal.states import OutboxItem

log = logging.getLogger(__name__)

KIND_EVENT = "service-event"
KIND_UNDO = "service-event-undo"


class CountersApi(Protocol):
    """The gateway calls (kiosk.gateway_client.GatewayClient)."""

    async def record_service_event(self, body: dict[str, Any], *, idempotency_key: str,
                                   operator_session: str | None = None) -> ServiceEventOut: ...

    async def undo_service_event(self, client_event_id: str, *,
                                 operator_session: str | None = None) -> ServiceEventOut: ...


@dataclass(frozen=True)
class CounterButton:
    kind: str
    category: str | None

    @property
    def column(self) -> str:
        return event_column(self.kind, self.category)

    @property
    def label(self) -> str:
        """The English msgid of its text (translated where shown)."""
        return COLUMN_LABELS[self.column]


# One big button per kind and category, in the yearly report's order.
BUTTONS: tuple[CounterButton, ...] = tuple(
    CounterButton(kind, category) for kind, categories in EVENT_KINDS.items()
    for category in (categories or (None,)))


@dataclass(frozen=True)
class LastTap:
    client_event_id: str
    column: str
    operator: str
    at: datetime


def _day(at: datetime) -> date:
    return at.astimezone(RIGA).date()


class CountersBoard:
    """Today's counts at this kiosk and the last tap; one per backend (outlives sign-ins).

    `operator()` names who is signed in at the desk; `session()` is their X-Operator-Session
    token while it lasts (both from the desk's session, kiosk.desk.session).
    """

    def __init__(self, journal: Journal, api: CountersApi, clock: Clock, *,
                 operator: Callable[[], str], session: Callable[[], str | None],
                 retry_s: float = 30.0) -> None:
        self.journal = AsyncJournal(journal)
        self.api = api
        self.clock = clock
        self.operator = operator
        self.session = session
        self.retry_s = retry_s
        self.counts: dict[str, int] = {b.column: 0 for b in BUTTONS}
        self.last: LastTap | None = None
        self.pending = 0  # taps and undos not yet answered by the gateway
        self._send_lock = asyncio.Lock()
        self._tap_lock = asyncio.Lock()  # taps and undos are journaled in the order they were made
        self._observers: list[Callable[[], None]] = []
        self._retry: asyncio.Task[None] | None = None

    def observe(self, fn: Callable[[], None]) -> None:
        self._observers.append(fn)

    def _changed(self) -> None:
        for fn in list(self._observers):
            try:
                fn()
            except Exception:
                log.exception("counters observer failed")

    # -- today's counts from the journal ----------------------------------------------------
    def _items(self) -> list[dict[str, Any]]:
        import json

        return [dict(r) | {"body": json.loads(r["body"])} for r in self.journal.sync.iter_rows("outbox")
                if r["kind"] in (KIND_EVENT, KIND_UNDO)]

    async def refresh(self) -> None:
        """Count today's taps at this kiosk, less the undone ones (the journal is the truth)."""
        items = await asyncio.to_thread(self._items)
        today = _day(self.clock.now())
        undone = {i["body"]["client_event_id"] for i in items if i["kind"] == KIND_UNDO}
        counts = {b.column: 0 for b in BUTTONS}
        for item in items:
            req = item["body"].get("request", {})
            if item["kind"] != KIND_EVENT or req.get("client_event_id") in undone:
                continue
            if _day(datetime.fromisoformat(req["occurred_at"])) == today:
                col = event_column(req["kind"], req.get("category"))
                counts[col] = counts.get(col, 0) + 1
        self.counts = counts
        self.pending = sum(1 for i in items if i["state"] == "pending")
        self._changed()

    # -- tapping ------------------------------------------------------------------------------
    async def tap(self, button: CounterButton, note: str = "") -> LastTap:
        """Count one; journaled first, then sent (or left for when the gateway is back)."""
        async with self._tap_lock:
            operator = self.operator()
            now = self.clock.now()
            event_id = f"ev-{uuid.uuid4().hex}"
            request = {"client_event_id": event_id, "kind": button.kind, "category": button.category,
                       "occurred_at": now.isoformat().replace("+00:00", "Z"), "note": note}
            await self.journal.outbox_put(KIND_EVENT, str(uuid.uuid4()), {"request": request, "operator": operator})
            self.counts[button.column] = self.counts.get(button.column, 0) + 1
            tap = self.last = LastTap(event_id, button.column, operator, now)
            self.pending += 1
            self._changed()
        await self.flush()
        return tap

    def can_undo(self) -> bool:
        last = self.last
        return (last is not None and last.operator == self.operator()
                and self.clock.now() - last.at <= timedelta(seconds=UNDO_WINDOW_S))

    async def undo_last(self) -> bool:
        """Take the last tap back (same operator, within 10 minutes); False when there is none."""
        async with self._tap_lock:
            last = self.last
            if last is None or not self.can_undo():
                return False
            self.last = None
            await self.journal.outbox_put(KIND_UNDO, f"undo:{last.client_event_id}",
                                          {"client_event_id": last.client_event_id, "operator": last.operator})
            self.counts[last.column] = max(0, self.counts.get(last.column, 0) - 1)
            self.pending += 1
            self._changed()
        await self.flush()
        return True

    # -- sending ------------------------------------------------------------------------------
    def _token_for(self, operator: str) -> str | None:
        """The desk's session when the one who tapped is still signed in; else the kiosk's token
        alone (the tap still counts for the location)."""
        return self.session() if operator and operator == self.operator() else None

    async def flush(self) -> int:
        """Send the outbox's taps and undos, oldest first; stops when the gateway is unreachable
        (and retries later by itself)."""
        from kiosk.gateway_client import GatewayError

        sent = 0
        async with self._send_lock:
            pending = [i for i in await self.journal.outbox_pending() if i.kind in (KIND_EVENT, KIND_UNDO)]
            undo_of = {i.body["client_event_id"]: i for i in pending if i.kind == KIND_UNDO}
            dropped: set[int] = set()
            for item in pending:
                if item.id in dropped:
                    continue
                try:
                    if item.kind == KIND_EVENT:
                        event_id = item.body["request"]["client_event_id"]
                        undo = undo_of.get(event_id)
                        if undo is not None:
                            # Taken back before it left the kiosk: neither is ever sent.
                            await self.journal.outbox_done(item.id)
                            await self.journal.outbox_done(undo.id)
                            dropped.add(undo.id)
                            continue
                        await self.api.record_service_event(
                            item.body["request"], idempotency_key=item.key,
                            operator_session=self._token_for(item.body.get("operator", "")))
                    else:
                        await self._send_undo(item)
                except GatewayError as exc:
                    if exc.retryable or exc.status == 0 or exc.status >= 500:
                        await self.journal.outbox_failed_attempt(item.id, exc.code)
                        self._schedule_retry()
                        break
                    log.warning("counter %s refused for good: %s", item.kind, exc.code)
                    await self.journal.outbox_give_up(item.id, exc.code)
                    continue
                await self.journal.outbox_done(item.id)
                sent += 1
        await self.refresh()
        return sent

    async def _send_undo(self, item: OutboxItem) -> None:
        from kiosk.gateway_client import GatewayError

        token = self._token_for(item.body.get("operator", ""))
        try:
            await self.api.undo_service_event(item.body["client_event_id"], operator_session=token)
        except GatewayError as exc:
            if exc.status != 404:  # the tap never arrived: nothing to undo
                raise

    def _schedule_retry(self) -> None:
        if self._retry is not None and not self._retry.done():
            return

        async def later() -> None:
            await self.clock.sleep(self.retry_s)
            try:
                await self.flush()
            except Exception:
                log.exception("counter outbox retry failed")

        self._retry = asyncio.get_running_loop().create_task(later())


def counters_of(backend: Any) -> CountersBoard:
    """The backend's counters board, made on first use with the desk's operator session."""
    board: CountersBoard | None = getattr(backend, "_counters", None)
    if board is None:
        from kiosk.desk.service import desk_of

        desk = desk_of(backend)
        board = CountersBoard(backend.journal, backend.gateway, backend.clock,
                              operator=lambda: desk.session.operator, session=desk.session.token,
                              retry_s=backend.config.gateway.outbox_retry_s)
        setattr(backend, "_counters", board)  # noqa: B010 (a dataclass field would need kiosk.backend)
        # Taps journaled before a restart (or while the gateway was down) go out now.
        desk.spawn(_flush_quietly(board))
    return board


async def _flush_quietly(board: CountersBoard) -> None:
    try:
        await board.flush()
    except Exception:
        log.exception("counter outbox flush failed; it is retried")


# -- this library's statistics, for the desk's statistics screen -----------------------------------
@dataclass(frozen=True)
class Bars:
    """One chart: (label, value) per period, and the totals per column over them."""

    title_period: str  # "2026-11" or "2026"
    bars: tuple[tuple[str, int], ...]
    totals: dict[str, int]
    card_cents: int
    cash_cents: int


class StatisticsApi(Protocol):
    async def statistics(self, *, date_from: str, date_to: str, group: str = "month",
                         operator_session: str | None = None) -> Statistics: ...


async def library_statistics(api: StatisticsApi, session: str | None, today: date, column: str,
                             ) -> tuple[Bars, Bars]:
    """This month per day and this year per month of `column`, from the gateway (an operator
    reads their own location only)."""
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    month = await api.statistics(date_from=month_start.isoformat(),
                                 date_to=(next_month - timedelta(days=1)).isoformat(), group="day",
                                 operator_session=session)
    year = await api.statistics(date_from=f"{today.year}-01-01", date_to=f"{today.year}-12-31", group="month",
                                operator_session=session)
    return (_bars(month, column, f"{today.year}-{today.month:02d}", lambda p: str(int(p[8:]))),
            _bars(year, column, str(today.year), lambda p: p[5:]))


def _bars(answer: Statistics, column: str, period: str, label: Callable[[str], str]) -> Bars:
    # One location is asked for, so its totals are the first (and only) row; none when it had no rows.
    total = answer.totals[0] if answer.totals else None
    payments = total.payments if total is not None else PaymentSums()
    return Bars(period, tuple((label(r.period), r.counts.get(column, 0)) for r in answer.rows),
                dict(total.counts) if total is not None else {}, payments.card_cents, payments.cash_cents)
