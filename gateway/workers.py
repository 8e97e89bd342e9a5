"""`kiosk gateway --workers N`: the gateway on several cores (docs/architecture.md, "Operations").

uvicorn serves each process (the ASGI server FastAPI documents and the Encode/Kludex team keeps up;
gunicorn would add a second process manager and, for ASGI, the separate uvicorn-worker package,
and it shares the same socket hand-off problem). Two things uvicorn's own `--workers` gets wrong
for this gateway are done here instead:

- uvicorn binds the shared listener with `proto` 0, and asyncio only turns on TCP_NODELAY for
  accepted sockets whose `proto` is IPPROTO_TCP, so every keep-alive request after the first
  waited ~40 ms for a delayed ACK (Nagle's algorithm stayed on). Sockets here are made with IPPROTO_TCP.
- With one listener shared by all workers the first worker to wake takes every new connection, so
  a kiosk fleet's pooled keep-alive connections ended up on one worker. Each worker here binds its
  own listener with SO_REUSEPORT and the kernel spreads connections across them.

The parent migrates the schema and purges old idempotency records once, then starts the workers
with KAC_GATEWAY_MIGRATE=0 (they only check the schema is current), restarts a worker that dies,
and stops them all on SIGTERM or SIGINT.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from dataclasses import replace
from typing import Any

from gateway.serving import ServeSettings
from gateway.settings import MAX_HEADER_BYTES

log = logging.getLogger(__name__)
RESTART_LIMIT = 5  # worker deaths within RESTART_WINDOW_S before the whole gateway gives up
RESTART_WINDOW_S = 60.0


def bind(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A TCP listener socket made with IPPROTO_TCP (so asyncio sets TCP_NODELAY on accepted ones)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _run(app: Any, sock: socket.socket, log_level: str) -> None:
    import uvicorn

    # h11, not httptools: h11 refuses a request head growing past the limit while it is still being
    # read (400, the connection closed), so a slow or huge head cannot pile up memory; httptools keeps
    # all of it (docs/architecture.md, "API rules").
    config = uvicorn.Config(app, log_level=log_level, access_log=False, timeout_keep_alive=30,
                            http="h11", h11_max_incomplete_event_size=MAX_HEADER_BYTES)
    uvicorn.Server(config).run(sockets=[sock])


def _worker(env: dict[str, str], host: str, port: int, app_kwargs: dict[str, Any], log_level: str) -> None:
    """One worker process: the app from the environment, its own SO_REUSEPORT listener."""
    os.environ.update(env)
    from gateway.app import create_app

    app = create_app(**app_kwargs)
    _run(app, bind(host, port, reuse_port=True), log_level)


def prepare_database(settings: ServeSettings) -> None:
    """Migrate and purge once, before any worker starts."""
    from common.clock import SystemClock
    from gateway import idempotency
    from gateway.db import make_engine, migrate, session_factory

    engine = make_engine(settings.db_url)
    try:
        migrate(engine)
        idempotency.purge(session_factory(engine), SystemClock().now())
    finally:
        engine.dispose()


def serve(settings: ServeSettings, host: str, port: int, *, app_kwargs: dict[str, Any] | None = None,
          log_level: str = "info") -> int:
    """Serve until SIGTERM/SIGINT; 0 on a clean stop, 1 when workers keep dying."""
    app_kwargs = dict(app_kwargs or {})
    if settings.workers <= 1:
        from gateway.app import create_app

        app = create_app(settings.db_url, receipt_keys=settings.receipt_keys,
                         demo_receipts=settings.demo_receipts, run_migrations=settings.migrate, **app_kwargs)
        sock = bind(host, port, reuse_port=False)
        print(f"gateway on http://{host}:{sock.getsockname()[1]} (OpenAPI at /openapi.json)", file=sys.stderr)
        _run(app, sock, log_level)
        return 0
    if settings.migrate:
        prepare_database(settings)
    # Hold the port (bound, never listening) so port 0 resolves once and every worker joins it.
    holder = bind(host, port, reuse_port=True)
    port = holder.getsockname()[1]
    env = replace(settings, migrate=False).to_env()
    return _Supervisor(env, host, port, app_kwargs, log_level, settings.workers).run()


class _Supervisor:
    def __init__(self, env: dict[str, str], host: str, port: int, app_kwargs: dict[str, Any],
                 log_level: str, count: int) -> None:
        self.args = (env, host, port, app_kwargs, log_level)
        self.count = count
        self.ctx = multiprocessing.get_context("spawn")
        self.procs: list[Any] = []
        self.stopping = False
        self.deaths: list[float] = []

    def _start(self) -> Any:
        proc = self.ctx.Process(target=_worker, args=self.args, daemon=False)
        proc.start()
        return proc

    def _stop(self, signum: int, _frame: Any) -> None:
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        host, port = self.args[1], self.args[2]
        self.procs = [self._start() for _ in range(self.count)]
        print(f"gateway on http://{host}:{port} with {self.count} workers (pids "
              f"{', '.join(str(p.pid) for p in self.procs)})", file=sys.stderr)
        code = 0
        while not self.stopping:
            time.sleep(0.2)
            for i, proc in enumerate(self.procs):
                if proc.is_alive() or self.stopping:
                    continue
                now = time.monotonic()
                self.deaths = [t for t in self.deaths if now - t < RESTART_WINDOW_S] + [now]
                print(f"gateway worker {proc.pid} exited ({proc.exitcode}); restarting", file=sys.stderr)
                if len(self.deaths) > RESTART_LIMIT:
                    print("gateway workers keep exiting: stopping", file=sys.stderr)
                    self.stopping, code = True, 1
                    break
                self.procs[i] = self._start()
        for proc in self.procs:
            if proc.is_alive() and proc.pid is not None:
                os.kill(proc.pid, signal.SIGTERM)  # uvicorn finishes the requests in flight
        deadline = time.monotonic() + 30
        for proc in self.procs:
            proc.join(max(0.1, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join(5)
        return code
