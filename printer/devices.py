"""Printer devices from `[printer]` config, behind one async API.

`await printer.status()` asks DLE EOT 1, 2 and 4 with a timeout; `await printer.print_job(data)`
checks status, sends the job in ONE write and checks status again: over TCP the first write after
the peer dropped is lost silently, so only the status read after it proves the job arrived.
Blocking I/O runs in a worker thread (asyncio.to_thread); a connection is opened per operation, so
a printer that was power-cycled between jobs is simply reconnected.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Protocol

from common.files import atomic_write
from printer.status import PrinterState, PrinterStatus, parse_status
from printer.transports import (
    AnyDevice,
    Connection,
    ConnectionLost,
    CupsDevice,
    Device,
    FileDevice,
    NetworkDevice,
    PreviewDevice,
    PrintError,
    SerialDevice,
    UsbDevice,
)

__all__ = ["ConnectionLost", "Device", "PrintError", "Printer", "PrinterSettings", "open_printer", "spool_dir"]


class PrinterSettings(Protocol):
    """The `[printer]` settings read here (`kiosk.config.PrinterSection` has them); read-only, so
    the config's narrower types (a Literal device kind) fit."""

    @property
    def device(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def serial_port(self) -> str: ...
    @property
    def baudrate(self) -> int: ...
    @property
    def usb_vendor(self) -> int: ...
    @property
    def usb_product(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def cups_printer(self) -> str: ...
    @property
    def spool_dir(self) -> str: ...
    @property
    def cash_drawer(self) -> bool: ...
    @property
    def timeout_s(self) -> float: ...


def _query_all(conn: Connection) -> PrinterStatus:
    try:
        r1 = conn.query(1)
        if not r1:  # silent printer: do not wait out two more timeouts
            return parse_status(b"", b"", b"")
        return parse_status(r1, conn.query(2), conn.query(4))
    except OSError as exc:
        return PrinterStatus(PrinterState.OFFLINE, f"connection: {exc.__class__.__name__}")


class Printer:
    """The configured printer. All methods are coroutines; none blocks the event loop."""

    def __init__(self, device: AnyDevice, *, cash_drawer: bool = False) -> None:
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
        if not dev.has_status:
            return PrinterStatus(PrinterState.OK, "no status channel")
        try:
            conn = dev.connect()
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
            atomic_write(dev.folder / f"{name}.bin", data)
            if preview_png is not None:
                atomic_write(dev.folder / f"{name}.png", preview_png)
            return PrinterStatus(PrinterState.OK, f"preview {dev.folder / name}")
        if isinstance(dev, CupsDevice):
            before = dev.cups_status()
            if not before.ready:
                raise PrintError(before.state.value, before.detail)
            dev.submit(data, name)
            return dev.cups_status()
        try:
            conn = dev.connect()
        except Exception as exc:
            raise PrintError("offline", f"cannot connect: {exc}") from None
        try:
            if dev.has_status:
                before = _query_all(conn)
                if not before.ready:
                    raise PrintError(before.state.value, before.detail or "before the job")
            try:
                conn.write(data)  # the whole job in one write
            except OSError as exc:
                raise PrintError("connection_lost", str(exc)) from None
            if not dev.has_status:
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


def open_printer(s: PrinterSettings, *, data_dir: Path) -> Printer:
    """A Printer from a `kiosk.config.PrinterSection`."""
    device: AnyDevice
    kind, timeout = s.device, s.timeout_s
    if kind == "preview":
        device = PreviewDevice(spool_dir(s, data_dir) / "preview")
    elif kind == "network":
        if not s.host:
            raise ValueError("printer.host: required for device = \"network\"")
        device = NetworkDevice(s.host, s.port, timeout)
    elif kind == "serial":
        device = SerialDevice(s.serial_port, s.baudrate, timeout)
    elif kind == "usb":
        device = UsbDevice(s.usb_vendor, s.usb_product, timeout)
    elif kind == "file":
        device = FileDevice(s.path)
    elif kind == "cups":
        device = CupsDevice(s.cups_printer, timeout)
    else:
        raise ValueError(f"printer.device: unknown device {kind!r}")
    return Printer(device, cash_drawer=s.cash_drawer)


def spool_dir(section: PrinterSettings, data_dir: Path) -> Path:
    return Path(section.spool_dir) if section.spool_dir else data_dir / "spool"
