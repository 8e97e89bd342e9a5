"""Printer devices from `[printer]` config, behind one async API.

`await printer.status()` asks DLE EOT 1, 2 and 4 with a timeout; `await printer.print_job(data)`
checks status, sends the job in ONE write and checks status again: over TCP the first write after
the peer dropped is lost silently, so only the status read after it proves the job arrived.
Blocking I/O runs in a worker thread (asyncio.to_thread); a connection is opened per operation, so
a printer that was power-cycled between jobs is simply reconnected.
"""

from __future__ import annotations

import asyncio
import os
import select
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from printer.status import DLE_EOT, PrinterState, PrinterStatus, parse_status


class PrintError(Exception):
    """A job that was not (provably) printed. `reason`: paper_out, cover_open, offline,
    connection_lost, not_confirmed, no_drawer, device_error. The caller keeps the job for reprint."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class ConnectionLost(OSError):
    pass


class Connection(Protocol):
    def query(self, n: int) -> bytes:
        """Send DLE EOT n; the reply byte, or b"" when the printer does not answer in time."""

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class Device(Protocol):
    has_status: bool

    def connect(self) -> Connection: ...


def _query_all(conn: Connection) -> PrinterStatus:
    try:
        r1 = conn.query(1)
        if not r1:  # silent printer: do not wait out two more timeouts
            return parse_status(b"", b"", b"")
        return parse_status(r1, conn.query(2), conn.query(4))
    except OSError as exc:
        return PrinterStatus(PrinterState.OFFLINE, f"connection: {exc.__class__.__name__}")


# --- network (raw TCP 9100) -------------------------------------------------------------------

class _SocketConnection:
    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock = sock
        self.timeout = timeout

    def _drain(self) -> None:
        # Stale bytes (a late reply, or one the printer sent for a DLE EOT-like run inside raster
        # data) must not be taken for the answer to the next query.
        while select.select([self.sock], [], [], 0)[0]:
            if not self.sock.recv(256):
                raise ConnectionLost("peer closed the connection")

    def query(self, n: int) -> bytes:
        self._drain()
        self.sock.sendall(DLE_EOT + bytes([n]))
        ready = select.select([self.sock], [], [], self.timeout)[0]
        if not ready:
            return b""
        data = self.sock.recv(1)
        if not data:
            raise ConnectionLost("peer closed the connection")
        return data

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


@dataclass
class NetworkDevice:
    host: str
    port: int = 9100
    timeout: float = 5.0
    has_status: bool = True

    def connect(self) -> Connection:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _SocketConnection(sock, self.timeout)


# --- serial ---------------------------------------------------------------------------------

class _SerialConnection:
    def __init__(self, port: object) -> None:
        self.port = port

    def query(self, n: int) -> bytes:
        self.port.reset_input_buffer()  # type: ignore[attr-defined]
        self.port.write(DLE_EOT + bytes([n]))  # type: ignore[attr-defined]
        return bytes(self.port.read(1))  # type: ignore[attr-defined]

    def write(self, data: bytes) -> None:
        self.port.write(data)  # type: ignore[attr-defined]
        self.port.flush()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.port.close()  # type: ignore[attr-defined]


@dataclass
class SerialDevice:
    port: str
    baudrate: int = 19200
    timeout: float = 5.0
    has_status: bool = True

    def connect(self) -> Connection:
        import serial  # pyserial, via python-escpos[serial]

        # A raster receipt takes tens of seconds at 19200 Bd: the write timeout scales with the job.
        return _SerialConnection(serial.Serial(self.port, self.baudrate, timeout=self.timeout,
                                               write_timeout=None, dsrdtr=True))


# --- USB (python-escpos + pyusb) -------------------------------------------------------------

class _UsbConnection:
    def __init__(self, printer: object, timeout: float) -> None:
        self.printer = printer
        self.timeout_ms = int(timeout * 1000)

    def query(self, n: int) -> bytes:
        p = self.printer
        p._raw(DLE_EOT + bytes([n]))  # type: ignore[attr-defined]
        try:
            return bytes(p.device.read(p.in_ep, 16, self.timeout_ms))[:1]  # type: ignore[attr-defined]
        except Exception:  # pyusb raises USBTimeoutError / USBError; both mean no answer
            return b""

    def write(self, data: bytes) -> None:
        self.printer._raw(data)  # type: ignore[attr-defined]

    def close(self) -> None:
        self.printer.close()  # type: ignore[attr-defined]


@dataclass
class UsbDevice:
    vendor: int
    product: int
    timeout: float = 5.0
    has_status: bool = True

    def connect(self) -> Connection:
        from escpos.printer import Usb

        import printer.escpos_output  # noqa: F401  (sets the capabilities cache dir first)

        # timeout=0 would mean "wait forever" in libusb: never block the kiosk on a stuck printer.
        p = Usb(self.vendor, self.product, timeout=int(self.timeout * 1000))
        p.open()
        return _UsbConnection(p, self.timeout)


# --- file (e.g. /dev/usb/lp0): write only, no status channel --------------------------------

class _FileConnection:
    def __init__(self, path: str) -> None:
        self.path = path

    def query(self, n: int) -> bytes:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)

    def close(self) -> None:
        pass


@dataclass
class FileDevice:
    path: str
    has_status: bool = False

    def connect(self) -> Connection:
        return _FileConnection(self.path)


# --- CUPS (lp -o raw) --------------------------------------------------------------------------

@dataclass
class CupsDevice:
    printer_name: str
    timeout: float = 5.0
    has_status: bool = False

    def cups_status(self) -> PrinterStatus:
        if not shutil.which("lpstat"):
            return PrinterStatus(PrinterState.OFFLINE, "lpstat not installed (cups-client)")
        try:
            out = subprocess.run(["lpstat", "-p", self.printer_name], capture_output=True, text=True,
                                 timeout=self.timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return PrinterStatus(PrinterState.OFFLINE, f"lpstat: {exc}")
        text = out.stdout.lower()
        if out.returncode != 0 or "disabled" in text or not text:
            return PrinterStatus(PrinterState.OFFLINE, (out.stdout or out.stderr).strip()[:200])
        return PrinterStatus(PrinterState.OK, "CUPS queue enabled (paper state not reported)")

    def submit(self, data: bytes, title: str) -> None:
        if not shutil.which("lp"):
            raise PrintError("device_error", "lp not installed (cups-client)")
        try:
            out = subprocess.run(["lp", "-d", self.printer_name, "-o", "raw", "-t", title], input=data,
                                 capture_output=True, timeout=max(self.timeout, 30))
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PrintError("device_error", f"lp: {exc}") from None
        if out.returncode != 0:
            raise PrintError("offline", out.stderr.decode("utf-8", "replace").strip()[:200])


# --- preview: PNG + .bin into the spool folder ---------------------------------------------------

@dataclass
class PreviewDevice:
    folder: Path


class Printer:
    """The configured printer. All methods are coroutines; none blocks the event loop."""

    def __init__(self, device: object, *, cash_drawer: bool = False) -> None:
        self.device = device
        self.cash_drawer = cash_drawer

    @property
    def is_preview(self) -> bool:
        return isinstance(self.device, PreviewDevice)

    async def status(self) -> PrinterStatus:
        return await asyncio.to_thread(self._status_sync)

    async def print_job(self, data: bytes, *, name: str = "job", preview_png: bytes | None = None) -> PrinterStatus:
        """Print one job; returns the status read after it. Raises PrintError if not printed."""
        return await asyncio.to_thread(self._print_sync, data, name, preview_png)

    async def open_drawer(self) -> None:
        if not self.cash_drawer:
            raise PrintError("no_drawer", "[printer] cash_drawer is false")
        await self.print_job(b"\x1bp\x00\x19\xfa", name="drawer")

    # -- blocking parts (worker thread) --

    def _status_sync(self) -> PrinterStatus:
        dev = self.device
        if isinstance(dev, PreviewDevice):
            return PrinterStatus(PrinterState.OK, f"preview into {dev.folder}")
        if isinstance(dev, CupsDevice):
            return dev.cups_status()
        if not dev.has_status:  # type: ignore[attr-defined]
            return PrinterStatus(PrinterState.OK, "no status channel")
        try:
            conn = dev.connect()  # type: ignore[attr-defined]
        except OSError as exc:
            return PrinterStatus(PrinterState.OFFLINE, f"cannot connect: {exc}")
        except Exception as exc:  # pyusb / escpos DeviceNotFoundError
            return PrinterStatus(PrinterState.OFFLINE, f"cannot open: {exc}")
        try:
            return _query_all(conn)
        finally:
            conn.close()

    def _print_sync(self, data: bytes, name: str, preview_png: bytes | None) -> PrinterStatus:
        dev = self.device
        if isinstance(dev, PreviewDevice):
            dev.folder.mkdir(parents=True, exist_ok=True)
            _atomic_write(dev.folder / f"{name}.bin", data)
            if preview_png is not None:
                _atomic_write(dev.folder / f"{name}.png", preview_png)
            return PrinterStatus(PrinterState.OK, f"preview {dev.folder / name}")
        if isinstance(dev, CupsDevice):
            before = dev.cups_status()
            if not before.ready:
                raise PrintError(before.state.value, before.detail)
            dev.submit(data, name)
            return dev.cups_status()
        try:
            conn = dev.connect()  # type: ignore[attr-defined]
        except Exception as exc:
            raise PrintError("offline", f"cannot connect: {exc}") from None
        try:
            if dev.has_status:  # type: ignore[attr-defined]
                before = _query_all(conn)
                if not before.ready:
                    raise PrintError(before.state.value, before.detail or "before the job")
            try:
                conn.write(data)  # the whole job in one write
            except OSError as exc:
                raise PrintError("connection_lost", str(exc)) from None
            if not dev.has_status:  # type: ignore[attr-defined]
                return PrinterStatus(PrinterState.OK, "written; no status channel")
            after = _wait_after(conn)
            if after.state == PrinterState.OFFLINE:
                raise PrintError("not_confirmed", after.detail or "no status after the job")
            if not after.ready:
                raise PrintError(after.state.value, "after the job")
            return after
        finally:
            conn.close()


def _wait_after(conn: Connection, tries: int = 2) -> PrinterStatus:
    status = _query_all(conn)
    for _ in range(tries - 1):
        if status.state != PrinterState.OFFLINE or status.detail.startswith("connection"):
            break
        time.sleep(0.05)  # a busy printer may answer the first real-time query late
        status = _query_all(conn)
    return status


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def open_printer(section: object, *, data_dir: Path) -> Printer:
    """A Printer from a `kiosk.config.PrinterSection`."""
    s = section
    device: object
    kind = s.device  # type: ignore[attr-defined]
    timeout = s.timeout_s  # type: ignore[attr-defined]
    if kind == "preview":
        device = PreviewDevice(spool_dir(s, data_dir) / "preview")
    elif kind == "network":
        if not s.host:  # type: ignore[attr-defined]
            raise ValueError("printer.host: required for device = \"network\"")
        device = NetworkDevice(s.host, s.port, timeout)  # type: ignore[attr-defined]
    elif kind == "serial":
        device = SerialDevice(s.serial_port, s.baudrate, timeout)  # type: ignore[attr-defined]
    elif kind == "usb":
        device = UsbDevice(s.usb_vendor, s.usb_product, timeout)  # type: ignore[attr-defined]
    elif kind == "file":
        device = FileDevice(s.path)  # type: ignore[attr-defined]
    elif kind == "cups":
        device = CupsDevice(s.cups_printer, timeout)  # type: ignore[attr-defined]
    else:
        raise ValueError(f"printer.device: unknown device {kind!r}")
    return Printer(device, cash_drawer=s.cash_drawer)  # type: ignore[attr-defined]


def spool_dir(section: object, data_dir: Path) -> Path:
    return Path(section.spool_dir) if section.spool_dir else data_dir / "spool"  # type: ignore[attr-defined]
