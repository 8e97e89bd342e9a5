"""The heartbeat: every `[service] heartbeat_s` the kiosk tells its gateway how it is
(`POST /api/v1/kiosk-status`; docs/architecture.md, "Running unattended").

Version, uptime, printer state, whether the card terminal answers, the outbox and manual-review
queue lengths and the last error line. No personal data: counts, states and a masked error line.
A report that fails is not retried: the next one supersedes it. Nothing here touches money; the
printer and terminal are only asked when no payment is in flight.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Protocol
from urllib.parse import urlsplit

from common.clock import Clock
from common.schema import KioskStatusAck, KioskStatusReport, PrinterStateName
from kiosk import __version__
from kiosk.config import KioskConfig
from kiosk.http_policy import GatewayError, GatewayHttp
from kiosk.journal import Journal
from kiosk.logging_setup import LAST_ERROR
from kiosk.payments.terminal_service import TerminalService
from printer.service import ReceiptPrinter


class Backend(Protocol):
    """What the heartbeat reads of `kiosk.backend.Backend` (a protocol: the backend starts it)."""

    @property
    def config(self) -> KioskConfig: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def terminal(self) -> TerminalService: ...
    @property
    def printer(self) -> ReceiptPrinter: ...
    @property
    def gateway(self) -> GatewayHttp: ...


log = logging.getLogger(__name__)

FIRST_REPORT_AFTER_S = 5.0


async def terminal_reachable(cfg: KioskConfig, *, busy: bool = False) -> bool | None:
    """A TCP connection to the terminal's endpoint (no ServiceID, nothing journaled); the simulator
    always answers. None while a payment is in flight: the terminal is busy, not gone."""
    if busy:
        return None
    t = cfg.terminal
    if t.driver == "simulator":
        return True
    parts = urlsplit(t.endpoint)
    if not parts.hostname:
        return False
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, port),
                                                 t.connect_timeout_s)
    except (OSError, TimeoutError, ValueError):
        return False
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return True


class Heartbeat:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.started = backend.clock.monotonic()
        self.last_printer: PrinterStateName = "unknown"
        self.last_ack: KioskStatusAck | None = None
        self.sent = 0

    async def printer_state(self) -> PrinterStateName:
        if self.backend.terminal.busy:
            return self.last_printer  # a payment may be printing: do not talk across it
        try:
            status = await self.backend.printer.status()
            self.last_printer = status.state.value
        except Exception:
            log.warning("printer status for the heartbeat failed", exc_info=True)
            self.last_printer = "unknown"
        return self.last_printer

    async def queue_lengths(self) -> tuple[int, int]:
        journal = self.backend.journal

        def count() -> tuple[int, int]:
            return len(journal.outbox_pending()), len(journal.manual_review())

        # Off the loop like every journal read (docs/architecture.md, "Money and receipt states").
        return await asyncio.to_thread(count)

    async def report(self) -> KioskStatusReport:
        outbox, review = await self.queue_lengths()
        return KioskStatusReport(
            sent_at=self.backend.clock.now(),
            version=__version__,
            uptime_s=int(self.backend.clock.monotonic() - self.started),
            printer_state=await self.printer_state(),
            terminal_reachable=await terminal_reachable(self.backend.config,
                                                        busy=self.backend.terminal.busy),
            outbox_len=outbox,
            review_len=review,
            last_error=LAST_ERROR.text,
        )

    async def send_once(self) -> KioskStatusAck | None:
        body = await self.report()
        try:
            ack = await self.backend.gateway.send(
                "POST", "/kiosk-status", KioskStatusAck.model_validate,
                json=body.model_dump(mode="json"), idempotency_key=str(uuid.uuid4()))
        except GatewayError as exc:
            log.warning("heartbeat not delivered: %s", exc.code)
            return None
        self.sent += 1
        self.last_ack = ack
        if ack.problems:
            log.info("gateway sees problems: %s", ",".join(ack.problems))
        return ack

    async def run(self, interval_s: float) -> None:
        await self.backend.clock.sleep(FIRST_REPORT_AFTER_S)
        while True:
            try:
                await self.send_once()
            except Exception:
                log.exception("heartbeat failed; trying again next time")
            await self.backend.clock.sleep(interval_s)
