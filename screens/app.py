"""The Kivy application: one asyncio loop runs Kivy and every core service.

`launcher.run` sets Kivy's environment and builds the core `Services`, then calls `main()`.
One asyncio loop runs Kivy (`App.async_run(async_lib="asyncio")`) and every core service.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Any

from kivy.config import Config

from kiosk.config import KioskConfig
from kiosk.nightly_restart import NightlyRestart
from kiosk.sd_notify import Notifier

log = logging.getLogger(__name__)


def configure_kivy(cfg: KioskConfig, *, windowed: bool = False) -> None:
    """Kivy settings that must be in place before the window exists (docs/architecture.md, "Screens")."""
    display = cfg.display
    Config.set("graphics", "width", str(display.width_px))
    Config.set("graphics", "height", str(display.height_px))
    Config.set("graphics", "multisamples", "0")
    fullscreen = cfg.fullscreen and not windowed
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("graphics", "resizable", "0" if cfg.lockdown else "1")
    Config.set("graphics", "show_cursor", "0" if cfg.lockdown else "1")
    Config.set("graphics", "allow_screensaver", "1" if cfg.demo else "0")
    Config.set("kivy", "exit_on_escape", "0" if cfg.lockdown else "1")
    # Never pop Kivy's virtual keyboard: the screens draw their own keypads.
    Config.set("kivy", "keyboard_mode", "system")
    # Exactly one input path: SDL's mouse events. A second provider (mtdev/hidinput through
    # probesysfs) would deliver every tap twice (docs/architecture.md, "Screens").
    for key, _value in Config.items("input"):
        Config.remove_option("input", key)
    Config.set("input", "mouse", "mouse,disable_multitouch,disable_hover")


# Kivy modules that would create the window on import come after Config (docs/architecture.md, "Screens").
from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock

from screens.smoke import smoke_check


class UiErrorHandler(ExceptionHandler):
    """An exception in a UI callback: log it and go back to Home instead of crashing. Repeated
    errors (a loop) or fatal ones crash, and systemd restarts the kiosk."""

    MAX_ERRORS = 5
    WINDOW_S = 60.0

    def __init__(self, app: KioskApp) -> None:
        self.app = app
        self.recent: collections.deque[float] = collections.deque(maxlen=self.MAX_ERRORS)

    def handle_exception(self, inst: BaseException) -> int:
        if isinstance(inst, (KeyboardInterrupt, SystemExit, MemoryError)):
            return ExceptionManager.RAISE
        now = time.monotonic()
        self.recent.append(now)
        log.error("error in a UI callback; back to Home", exc_info=inst)
        if len(self.recent) == self.MAX_ERRORS and now - self.recent[0] < self.WINDOW_S:
            log.critical("%d UI errors within %.0f s: giving up", self.MAX_ERRORS, self.WINDOW_S)
            return ExceptionManager.RAISE
        Clock.schedule_once(lambda _dt: self.app.recover(), 0)
        return ExceptionManager.PASS


# How long a stop signal waits for a payment at the terminal (systemd's default stop timeout is
# 90 s; the terminal's own timeout may be longer, and recovery at the next start covers that).
STOP_GRACE_S = 60.0


class KioskApp(App):
    title = "KAC kiosk"
    use_kivy_settings = False

    def __init__(self, services: Any, **kw: Any) -> None:
        super().__init__(**kw)
        self.services = services
        self.shell: Any = None
        self.frames = 0
        self.ready_after_s: float | None = None
        self._error_handler = UiErrorHandler(self)
        # systemd: READY once Home takes taps, WATCHDOG from this loop, STOPPING at the end
        # (docs/architecture.md, "Running unattended").
        self.notifier = Notifier()
        svc = services.config.service
        self.nightly = NightlyRestart(svc.nightly_restart, svc.nightly_restart_window_min,
                                      started=services.clock.now())
        self.restart_requested = False
        self.ready_notified = False
        self._service_event: Any = None
        self._stopping = False

    @property
    def locked(self) -> bool:
        return bool(self.services.config.lockdown)

    def build(self) -> Any:
        from screens.shell import Shell

        self.shell = Shell(self.services)
        return self.shell.root

    def on_start(self) -> None:
        from kivy.core.window import Window

        ExceptionManager.add_handler(self._error_handler)
        Window.bind(on_request_close=self._on_request_close, on_flip=self._on_flip)
        if self.locked:
            Window.show_cursor = False
        self.shell.start()
        # On the UI loop itself: a frozen loop stops the pings, and systemd restarts the kiosk.
        ping = self.notifier.ping_interval_s()
        self._service_event = Clock.schedule_interval(self._service_tick,
                                                      min(ping, 30.0) if ping > 0 else 30.0)

    def _service_tick(self, _dt: float) -> None:
        if self.notifier.watchdog_s > 0:
            self.notifier.watchdog()
        # Only under systemd: without a supervisor to start it again, an exit would be a shutdown.
        if self.notifier.enabled and self.nightly.due(self.services.clock.now(), idle=self.idle_home):
            log.info("nightly restart on an idle Home")
            self.restart_requested = True
            self.stop()

    @property
    def idle_home(self) -> bool:
        """Home showing, no visit under way, nothing busy: a restart now disturbs nobody."""
        shell = self.shell
        return (shell is not None and shell.manager.current == "home" and not shell.idle.armed
                and not self.services.visit.busy)

    def on_stop(self) -> None:
        from kivy.core.window import Window

        Window.unbind(on_request_close=self._on_request_close, on_flip=self._on_flip)
        if self._error_handler in ExceptionManager.handlers:
            ExceptionManager.remove_handler(self._error_handler)
        if self.shell is not None:
            self.shell.stop()
        if self._service_event is not None:
            self._service_event.cancel()  # no WATCHDOG=1 after STOPPING=1
        if "STOPPING=1" not in self.notifier.sent:  # Kivy may call on_stop twice
            self.notifier.stopping()

    def stop_on_signal(self, name: str) -> None:
        """SIGTERM / SIGINT: stop now, or once the payment at the terminal has its answer (it is
        journaled step by step, so the next start finishes it anyway if the grace runs out;
        docs/architecture.md, "Money and receipt states")."""
        backend = self.services.backend
        if self._stopping:
            return
        self._stopping = True
        if backend is not None and backend.payments.busy:
            log.info("%s: stopping once the payment at the terminal has its answer", name)
            asyncio.get_running_loop().create_task(self._stop_after_payment())
            return
        log.info("%s: stopping", name)
        self.stop()

    async def _stop_after_payment(self, grace_s: float = STOP_GRACE_S) -> None:
        deadline = time.monotonic() + grace_s
        while self.services.backend.payments.busy and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        self.stop()

    def _on_flip(self, *_args: Any) -> None:
        self.frames += 1
        if not self.ready_notified and self.ready:
            self.ready_notified = True
            self.notifier.ready(f"Home ready after {self.frames} frames")

    def _on_request_close(self, *_args: Any, **_kw: Any) -> bool:
        # True = refused (Alt+F4, the window manager's close, and Escape all come through here).
        if self.locked:
            log.info("close request refused (kiosk is locked down)")
            return True
        return False

    def open_settings(self, *_args: Any) -> bool:
        # F1 would open Kivy's settings panel: never on a kiosk.
        return False

    def recover(self) -> None:
        if self.shell is not None:
            self.shell.recover()

    @property
    def ready(self) -> bool:
        """The first frame is drawn and Home is showing: the kiosk accepts taps."""
        return self.shell is not None and self.frames > 0 and self.shell.manager.current == "home"


async def run_app(app: KioskApp, smoke: Path | None = None) -> int:
    result: list[str | None] = []

    async def scenario() -> None:
        try:
            result.append(await smoke_check(app, smoke))  # type: ignore[arg-type]
        except Exception as exc:  # the message goes to the user; the traceback to the log
            log.exception("smoke check failed")
            result.append(f"smoke check crashed: {exc!r}")
        finally:
            app.stop()

    task = asyncio.get_running_loop().create_task(scenario()) if smoke else None
    # systemd stops the kiosk with SIGTERM, an administrator with Ctrl+C (SIGINT): both stop it
    # cleanly even when locked down, closing the journal and services as on any stop.
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, app.stop_on_signal, sig.name)
    if app.services.backend is not None:
        # Recovery of unfinished payments runs beside the UI; payments wait for it.
        app.services.backend.start_in_background()
    try:
        await app.async_run(async_lib="asyncio")
    finally:
        if task is not None and not task.done():
            task.cancel()
        await app.services.aclose()
    if smoke is None:
        return 0
    if not result or result[0] is not None:
        print(f"kiosk: smoke test failed: {result[0] if result else 'the app stopped early'}",
              file=sys.stderr)
        return 1
    ready = f"; ready {app.ready_after_s:.3f} s after process start" if app.ready_after_s else ""
    print(f"kiosk: smoke test passed{ready}; screenshot {smoke}")
    return 0


def main(services: Any, *, windowed: bool = False, smoke: Path | None = None) -> int:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    configure_kivy(services.config, windowed=windowed)
    app = KioskApp(services)
    code = asyncio.run(run_app(app, smoke))
    # Everything is closed (journal, services). The interpreter's last full collection over the
    # UI's object graph took ~9 s, which delayed every stop: leave those
    # objects to the process's end instead.
    gc.freeze()
    return code
