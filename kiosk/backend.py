"""The kiosk's long-lived services, built once from the config (no Kivy here).

Journal, gateway client (embedded demo gateway or the municipality's server), card terminal,
receipt printer and the payment and application services. They live as long as the process: a
visit ending never cancels posting, recovery or printing. `start()` runs start-up recovery before
the kiosk takes a payment; `ready` tells screens whether it has finished.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from common.clock import Clock, SystemClock
from common.signing import is_public_demo_key, load_signer
from kiosk.applications.forms_client import FormsApiClient
from kiosk.applications.service import ApplicationService
from kiosk.config import KioskConfig
from kiosk.gateway_client import GatewayClient
from kiosk.heartbeat import Heartbeat
from kiosk.journal import AsyncJournal, Journal
from kiosk.payments.card import PaymentService, PaymentTimings
from kiosk.payments.terminal_lock import TerminalLock, lock_path
from kiosk.payments.terminal_service import TerminalService
from printer.documents import Header
from printer.port import JournalReceiptPort
from printer.service import ReceiptPrinter

log = logging.getLogger(__name__)


@dataclass
class GatewayLink:
    """How the kiosk reaches its gateway: a URL and token, and for the in-process demo gateway an
    httpx transport plus its start-up and shut-down (built by `launcher.embedded`)."""

    base_url: str
    token: str
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None
    warm: Callable[[], Awaitable[None]] | None = None
    close: Callable[[], None] | None = None
    # The in-process gateway itself (launcher.embedded.DeferredEmbedded), for tests and support.
    handle: Any = None


class BackendError(Exception):
    """The kiosk cannot start its services (a secret file missing, the terminal owned elsewhere)."""


def journal_path(cfg: KioskConfig) -> Path:
    return Path(cfg.journal.path) if cfg.journal.path else cfg.data_dir() / "journal.sqlite3"


def _read_secret(path: str, key: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise BackendError(f"{key}: cannot read {path}: {exc.strerror}") from None


@dataclass
class Backend:
    config: KioskConfig
    clock: Clock
    journal: Journal
    gateway: GatewayClient
    forms_api: FormsApiClient
    terminal: TerminalService
    printer: ReceiptPrinter
    receipts: JournalReceiptPort
    payments: PaymentService
    applications: ApplicationService
    link: GatewayLink | None = None
    terminal_lock: TerminalLock | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    heartbeat: Heartbeat | None = None  # once start() ran
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        """Recover unfinished payments and flush the outboxes; the kiosk pays only after this."""
        try:
            if self.link is not None and self.link.warm is not None:
                await self.link.warm()
            remaining = await self.payments.recover()
            if remaining:
                log.warning("%d payment(s) need a person: see `kiosk journal list`", len(remaining))
            await self.applications.flush_outbox()
            await AsyncJournal(self.journal).purge_personal_data(self.config.journal.retention_days)
        except Exception:
            log.exception("start-up recovery failed; the next payment retries it first")
        await self.purge_spool(at_start=True)
        self.ready.set()
        self._spawn(self._retry_outboxes())
        # The municipality sees each kiosk's health every minute (docs/architecture.md,
        # "Running unattended").
        self.heartbeat = Heartbeat(self)
        self._spawn(self.heartbeat.run(self.config.service.heartbeat_s))

    async def _retry_outboxes(self) -> None:
        """Postings and applications queued while the gateway was down go out when it is back;
        once a day, personal data past its retention leaves the journal (kiosks may run for weeks)."""
        last_purge = self.clock.monotonic()
        while True:
            await self.clock.sleep(self.config.gateway.outbox_retry_s)
            try:
                await self.payments.flush_outbox()
                await self.applications.flush_outbox()
                if self.clock.monotonic() - last_purge >= 24 * 3600:
                    await AsyncJournal(self.journal).purge_personal_data(
                        self.config.journal.retention_days)
                    await self.purge_spool()
                    last_purge = self.clock.monotonic()
            except Exception:
                log.exception("outbox retry failed; trying again later")

    async def purge_spool(self, *, at_start: bool = False) -> None:
        """Printed jobs past `[printer] spool_retention_days` leave the spool; at start also every
        receipt preview (no visit is on screen yet). The journal and the signature chain stay:
        they are the proof (docs/architecture.md, "Receipts")."""
        spool = self.printer.spool
        try:
            if at_start:
                await asyncio.to_thread(spool.drop_previews)
            await asyncio.to_thread(spool.apply_retention, self.config.printer.spool_retention_days)
        except OSError:
            log.exception("spool retention failed; trying again tomorrow")

    def visit_ended(self) -> None:
        """A visit ended (the shell says so): the receipt previews it showed go with it."""
        try:
            self.printer.spool.drop_previews()
        except OSError:
            log.exception("receipt previews not removed; the daily retention will")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def start_in_background(self) -> None:
        self._spawn(self.start())

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.gateway.aclose()
        await self.forms_api.aclose()
        await self.terminal.driver.aclose()
        await AsyncJournal(self.journal).close()
        if self.link is not None and self.link.close is not None:
            self.link.close()
        if self.terminal_lock is not None:
            self.terminal_lock.release()


def http_link(cfg: KioskConfig) -> GatewayLink:
    """The municipality's gateway at `[gateway] url`, with the token from its secret file."""
    g = cfg.gateway
    token = _read_secret(g.token_file, "gateway.token_file") if g.token_file else ""
    return GatewayLink(base_url=g.url, token=token)


def open_backend(cfg: KioskConfig, *, link: GatewayLink, clock: Clock | None = None,
                 terminal_service: TerminalService | None = None) -> Backend:
    """Build every service from the config. Raises BackendError with the config key at fault."""
    clock = clock or SystemClock()
    data_dir = cfg.data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)

    # One process owns the terminal: a technician's test payment cannot run beside the kiosk.
    lock = TerminalLock(lock_path(cfg))
    try:
        lock.acquire()
    except Exception as exc:
        raise BackendError(f"terminal: {exc}") from None

    journal = Journal.open(journal_path(cfg), kiosk_id=cfg.kiosk.id,
                           generation=cfg.kiosk.generation, clock=clock)
    g = cfg.gateway
    policy: dict[str, Any] = dict(timeout_s=g.timeout_s, retries=g.retries,
                                  backoff_s=g.retry_backoff_s)
    gateway = GatewayClient(link.base_url, link.token,
                            transport=link.transport() if link.transport else None, **policy)
    forms_api = FormsApiClient(link.base_url, link.token,
                               transport=link.transport() if link.transport else None, **policy)

    terminal = terminal_service or TerminalService.from_config(cfg, journal, clock=clock)
    printer = ReceiptPrinter.from_config(cfg)
    try:
        signer = load_signer(cfg.kiosk.signing_key_file, demo=cfg.demo)
    except (ValueError, OSError) as exc:
        raise BackendError(str(exc)) from None
    if not cfg.demo and is_public_demo_key(signer):
        log.warning("kiosk.signing_key_file is the public demo key: its receipts prove nothing")
    header = Header(municipality=cfg.kiosk.municipality, location=cfg.kiosk.location_name,
                    kiosk_id=cfg.kiosk.id)
    receipts = JournalReceiptPort(printer, signer=signer, header=header,
                                  verify_base=cfg.printer.verify_url_base, demo=cfg.demo)
    t = cfg.terminal
    payments = PaymentService(
        journal=journal, gateway=gateway, terminal=terminal, receipts=receipts, clock=clock,
        timings=PaymentTimings(payment_timeout_s=t.payment_timeout_s,
                               status_retry_s=t.status_retry_s,
                               recovery_deadline_s=t.recovery_deadline_s,
                               reservation_ttl_s=int(cfg.timeouts.reservation_ttl_s)),
        terminal_id=t.poi_id, post_max_attempts=g.post_max_attempts)
    applications = ApplicationService(journal, forms_api, kiosk_id=cfg.kiosk.id,
                                      location=cfg.kiosk.location_name, clock=clock)
    return Backend(config=cfg, clock=clock, journal=journal, gateway=gateway,
                   forms_api=forms_api, terminal=terminal, printer=printer, receipts=receipts,
                   payments=payments, applications=applications, link=link,
                   terminal_lock=lock)
