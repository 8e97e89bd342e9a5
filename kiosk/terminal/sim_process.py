"""Start `kiosk terminal simulate` as a real child process (tests, demos, benchmarks).

    with start_simulator(slow_s=0.3) as sim:
        cfg = ...endpoint=sim.url...
A separate process, so it keeps its transactions when the kiosk under test is killed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SimulatorProcess:
    url: str  # base URL, e.g. http://127.0.0.1:40123 (append /nexo or /sync)
    process: subprocess.Popen[str]
    args: list[str] = field(default_factory=list)

    @property
    def nexo_url(self) -> str:
        return self.url + "/nexo"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> SimulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_simulator(*, slow_s: float = 0.3, poi_id: str = "SIM-POI-1",
                    passphrase_file: Path | None = None, key_identifier: str = "",
                    key_version: int = 1, api_key_file: Path | None = None,
                    extra: list[str] | None = None, timeout_s: float = 10.0) -> SimulatorProcess:
    """Run the simulator on 127.0.0.1 with a free port chosen by the OS; waits until it listens."""
    args = [sys.executable, "-m", "kiosk", "terminal", "simulate", "--port", "0",
            "--slow-s", str(slow_s), "--poi-id", poi_id]
    if passphrase_file:
        args += ["--passphrase-file", str(passphrase_file), "--key-identifier", key_identifier,
                 "--key-version", str(key_version)]
    if api_key_file:
        args += ["--api-key-file", str(api_key_file)]
    args += extra or []
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # stderr to a file, not a pipe: a chatty child must never block on a full pipe. The child
    # keeps its own descriptor of the file, so ours is only needed to report a failed start.
    with tempfile.TemporaryFile(mode="w+") as errlog:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errlog, text=True, env=env)
        deadline = time.monotonic() + timeout_s
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("listening on "):
                return SimulatorProcess(line.split()[-1].strip(), proc, args)
        proc.kill()
        errlog.seek(0)
        err = errlog.read()
    raise RuntimeError(f"simulator did not start: {err[-2000:]}")
