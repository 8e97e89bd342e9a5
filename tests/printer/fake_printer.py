"""A fake ESC/POS network printer on 127.0.0.1 (random port) that answers DLE EOT status queries
according to an injectable fault, and records the job bytes it received."""

from __future__ import annotations

import socket
import struct
import threading

REPLIES = {
    # mode: (DLE EOT 1, DLE EOT 2, DLE EOT 4)
    "ok": (0x16, 0x12, 0x12),
    "near_end": (0x16, 0x12, 0x1E),
    "paper_out": (0x1E, 0x32, 0x72),
    "cover_open": (0x1E, 0x16, 0x12),
    "error": (0x1E, 0x52, 0x12),
    "malformed": (0xFF, 0xFF, 0xFF),
}


class FakePrinter:
    """mode: ok | near_end | paper_out | cover_open | error | malformed | silent | drop.
    `after_job`: the mode to switch to once a job's bytes arrived (e.g. paper runs out mid-job)."""

    def __init__(self, mode: str = "ok", *, after_job: str | None = None, drop_after: int = 64) -> None:
        self.mode = mode
        self.after_job = after_job
        self.drop_after = drop_after
        self.jobs: list[bytes] = []
        self.queries: list[int] = []
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.port = self._sock.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        try:
            self._sock.close()
        except OSError:
            pass

    def __enter__(self) -> FakePrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        job = bytearray()
        pending = b""
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data = pending + chunk
                pending = b""
                i = 0
                while i < len(data):
                    if data[i] == 0x10:
                        if i + 2 >= len(data):
                            pending = data[i:]
                            break
                        if data[i + 1] == 0x04:
                            self._answer(conn, data[i + 2])
                            i += 3
                            continue
                    job.append(data[i])
                    i += 1
                    if self.mode == "drop" and len(job) >= self.drop_after:
                        # Vanish mid-job: RST, as a printer that lost power would.
                        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        conn.close()
                        self.jobs.append(bytes(job))
                        return
                if job and self.after_job and len(job) > 16:
                    self.mode = self.after_job
                    self.after_job = None
        except OSError:
            pass
        finally:
            if job:
                self.jobs.append(bytes(job))
            try:
                conn.close()
            except OSError:
                pass

    def _answer(self, conn: socket.socket, n: int) -> None:
        self.queries.append(n)
        if self.mode == "silent":
            return
        replies = REPLIES["ok" if self.mode == "drop" else self.mode]
        idx = {1: 0, 2: 1, 4: 2}.get(n)
        if idx is not None:
            conn.sendall(bytes([replies[idx]]))
