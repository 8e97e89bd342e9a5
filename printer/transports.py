"""The transports a receipt printer is reached by: raw TCP 9100, serial, USB, a file, CUPS, and the
preview folder. Each opens a connection per operation (docs/architecture.md, "Receipts"); the
`Printer` in printer.devices drives them."""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from printer.status import DLE_EOT, PrinterState, PrinterStatus


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

class _SerialPort(Protocol):
    """The part of pyserial's `Serial` used here."""

    def reset_input_buffer(self) -> None: ...
    def write(self, data: bytes) -> int | None: ...
    def read(self, size: int = 1) -> bytes: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


class _SerialConnection:
    def __init__(self, port: _SerialPort) -> None:
        self.port = port

    def query(self, n: int) -> bytes:
        self.port.reset_input_buffer()
        self.port.write(DLE_EOT + bytes([n]))
        return bytes(self.port.read(1))

    def write(self, data: bytes) -> None:
        self.port.write(data)
        self.port.flush()

    def close(self) -> None:
        self.port.close()


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

class _EscposUsb(Protocol):
    """The part of python-escpos's `Usb` printer used here (`device` is the pyusb device)."""

    device: Any
    in_ep: int

    def _raw(self, msg: bytes) -> None: ...
    def close(self) -> None: ...


class _UsbConnection:
    def __init__(self, printer: _EscposUsb, timeout: float) -> None:
        self.printer = printer
        self.timeout_ms = int(timeout * 1000)

    def query(self, n: int) -> bytes:
        p = self.printer
        p._raw(DLE_EOT + bytes([n]))
        try:
            return bytes(p.device.read(p.in_ep, 16, self.timeout_ms))[:1]
        except Exception:  # pyusb raises USBTimeoutError / USBError; both mean no answer
            return b""

    def write(self, data: bytes) -> None:
        self.printer._raw(data)

    def close(self) -> None:
        self.printer.close()


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


# A connection-based device, or one of the two handled without a connection.
AnyDevice = Device | PreviewDevice | CupsDevice
