"""What the payment flow and assisted mode call: status, and print a document durably (spooled
before it is sent, kept until the printer confirmed it)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Protocol

from printer.devices import Printer, PrintError, PrinterSettings, open_printer, spool_dir
from printer.documents import Document
from printer.models import PrinterModel, get_model
from printer.render import RenderedJob, render
from printer.spool import Spool
from printer.status import PrinterStatus


class ReceiptSettings(PrinterSettings, Protocol):
    """`[printer]` as a whole: the device, plus which model's layout and code pages to use."""

    @property
    def model(self) -> str: ...
    @property
    def models_file(self) -> str: ...
    @property
    def raster_only(self) -> bool: ...


class KioskSettings(Protocol):
    """What a receipt printer needs of `kiosk.config.KioskConfig`."""

    @property
    def printer(self) -> ReceiptSettings: ...
    def data_dir(self) -> Path: ...


class ReceiptPrinter:
    def __init__(self, printer: Printer, spool: Spool, model: PrinterModel) -> None:
        self.printer = printer
        self.spool = spool
        self.model = model

    @classmethod
    def from_config(cls, config: KioskSettings) -> ReceiptPrinter:
        """From a `kiosk.config.KioskConfig` (its [printer] section and data dir)."""
        section = config.printer
        data_dir = config.data_dir()
        model = get_model(section.model, section.models_file or None)
        if section.raster_only:
            model = model.with_raster_only()
        return cls(open_printer(section, data_dir=Path(data_dir)), Spool(spool_dir(section, Path(data_dir))), model)

    async def status(self) -> PrinterStatus:
        return await self.printer.status()

    async def render(self, doc: Document, lang: str = "lv", *, open_drawer: bool = False) -> RenderedJob:
        kick = open_drawer and self.printer.cash_drawer
        return await asyncio.to_thread(render, doc, self.model, lang, kick_drawer=kick)

    async def print_document(self, doc: Document, *, job_id: str, lang: str = "lv",
                             kind: str = "document", open_drawer: bool = False) -> RenderedJob:
        """Render, spool, print. Raises PrintError (the job stays in `self.spool.pending()`)."""
        job = await self.render(doc, lang, open_drawer=open_drawer)
        png = await asyncio.to_thread(job.png) if self.printer.is_preview else None
        self.spool.add(job_id, job.escpos, kind=kind, preview_png=png)
        try:
            await self.printer.print_job(job.escpos, name=job_id, preview_png=png)
        except PrintError as exc:
            self.spool.mark_failed(job_id, exc.reason)
            raise
        self.spool.mark_printed(job_id)
        return job

    async def reprint(self, job_id: str) -> None:
        await self.spool.reprint(job_id, self.printer)
