"""Idempotency records leave the gateway after their retention; payments stay unique forever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway import admin, demo_data
from gateway.app import create_app
from gateway.db import session_factory
from gateway.models import IdempotencyRecord


class Clock:
    def __init__(self, now: datetime) -> None:
        self.t = now

    def now(self) -> datetime:
        return self.t


def test_old_idempotency_records_are_purged_at_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gw.sqlite3'}"
    clock = Clock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    app = create_app(url, clock=clock)
    sessions = session_factory(app.state.gateway.engine)
    with sessions.begin() as s:
        demo_data.seed(s)
        kiosk_id, _token = admin.add_kiosk(s, demo_data.DEMO_LOCATION, "k-retention")
        for key, age in (("old", 31), ("recent", 29)):
            s.add(IdempotencyRecord(kiosk_id=kiosk_id, key=key, fingerprint="f" * 64, state="done",
                                    response_status=201, response_body="{}",
                                    created_at=clock.t - timedelta(days=age)))
    app.state.gateway.engine.dispose()

    restarted = create_app(url, clock=clock)
    with session_factory(restarted.state.gateway.engine)() as s:
        keys = sorted(r.key for r in s.query(IdempotencyRecord).all())
    restarted.state.gateway.engine.dispose()
    assert keys == ["recent"]
