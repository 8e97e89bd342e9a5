"""One call from a document to the bytes the printer gets (and the preview of the same paper)."""

from __future__ import annotations

from dataclasses import dataclass

from printer.compose import compose
from printer.documents import Document
from printer.escpos_output import render_escpos
from printer.layout import Op
from printer.models import PrinterModel
from printer.png_output import render_png


@dataclass(frozen=True)
class RenderedJob:
    model: PrinterModel
    ops: list[Op]
    escpos: bytes

    def png(self) -> bytes:
        return render_png(self.ops, self.model)


def render(doc: Document, model: PrinterModel, lang: str = "lv", *, kick_drawer: bool = False) -> RenderedJob:
    ops = compose(doc, model, lang)
    return RenderedJob(model=model, ops=ops, escpos=render_escpos(ops, model, kick_drawer=kick_drawer))
