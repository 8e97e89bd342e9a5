"""A fork server for the fault tests: imports the kiosk and the gateway once, then forks a real
process per request, so each of the matrix's hundreds of kiosk runs starts in milliseconds.

Protocol, one JSON object a line on stdin, one answer a line on stdout:
    {"op": "spawn", "kind": "worker"|"cli", "argv": [...], "env": {...}, "log": PATH} -> {"pid": N}
    {"op": "wait", "pid": N, "timeout": S} -> {"status": CODE | -SIGNAL | null (still running)}
The child's stdout and stderr go to PATH; its stdin is /dev/null. Ends at end of input.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
for path in (str(HERE.parents[1]), str(HERE.parent)):
    if path not in sys.path:
        sys.path.insert(0, path)

PRELOAD = ("kiosk.backend", "launcher.cli", "kiosk.payments.cart", "gateway.cli", "gateway.app",
           "gateway.demo_data", "kiosk.journal_command", "uvicorn", "faults.kiosk_worker")


def _die_with_parent() -> None:
    """If the fork server goes (the test run was killed), its children get SIGTERM too."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(kind: str, argv: list[str], env: dict[str, str], log: str) -> None:
    try:
        _die_with_parent()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.environ.update(env)
        if kind == "worker":
            from faults.kiosk_worker import main
        else:
            from launcher.cli import main
        code = int(main(argv) or 0)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _status(raw: int) -> int:
    return -os.WTERMSIG(raw) if os.WIFSIGNALED(raw) else os.WEXITSTATUS(raw)


def _share_tls_contexts() -> None:
    """Every worker builds three HTTP clients and each parses the CA bundle (~0.1 s apiece), which
    would dominate a case; all traffic here is plain HTTP on loopback, so build each distinct
    default TLS context once, before forking, and hand the same one out."""
    import ssl

    made: dict[tuple[object, ...], ssl.SSLContext] = {}
    original = ssl.create_default_context

    def shared(purpose: ssl.Purpose = ssl.Purpose.SERVER_AUTH, *, cafile: str | None = None,
               capath: str | None = None, cadata: str | bytes | None = None) -> ssl.SSLContext:
        key = (purpose, cafile, capath, cadata)
        if key not in made:
            made[key] = original(purpose, cafile=cafile, capath=capath, cadata=cadata)
        return made[key]

    ssl.create_default_context = shared  # type: ignore[assignment]
    import certifi

    shared(cafile=certifi.where())


def serve() -> None:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    _share_tls_contexts()
    print(json.dumps({"ready": True}), flush=True)
    reaped: dict[int, int] = {}
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "spawn":
            pid = os.fork()
            if pid == 0:
                _child(req["kind"], req["argv"], req.get("env") or {}, req["log"])
            answer: dict[str, object] = {"pid": pid}
        elif req["op"] == "wait":
            pid = int(req["pid"])
            deadline = time.monotonic() + float(req.get("timeout", 0))
            while pid not in reaped:
                done, raw = os.waitpid(pid, os.WNOHANG)
                if done:
                    reaped[pid] = _status(raw)
                elif time.monotonic() >= deadline:
                    break
                else:
                    time.sleep(0.005)
            answer = {"status": reaped.get(pid)}
        else:
            answer = {"error": f"unknown op {req['op']!r}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    serve()
