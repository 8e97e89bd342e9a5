"""PNG preview that looks like the paper: the raster rendering on a paper-coloured strip, with
margins for the unprintable edges and a dashed line where the cutter cuts."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

from printer.layout import Op
from printer.models import PrinterModel
from printer.raster import render_strip, split_at_cuts

MARGIN = 40  # dots of blank paper each side (paper is wider than the print head)
PAPER = (252, 251, 246)
BACKDROP = (90, 90, 90)


def render_preview(ops: Sequence[Op], model: PrinterModel) -> Image.Image:
    pieces = [render_strip(seg, model.columns, model.dots) for seg, _ in split_at_cuts(ops)]
    gap = 24
    width = model.dots + 2 * MARGIN
    height = sum(p.height + 2 * 16 for p in pieces) + gap * max(len(pieces) - 1, 0)
    out = Image.new("RGB", (width + 2 * 10, height + 20), BACKDROP)
    draw = ImageDraw.Draw(out)
    y = 10
    for i, piece in enumerate(pieces):
        h = piece.height + 32
        draw.rectangle([10, y, 10 + width - 1, y + h - 1], fill=PAPER)
        # Multiply the 1-bit print onto the paper colour.
        ink = Image.new("RGB", piece.size, (20, 20, 30))
        out.paste(ink, (10 + MARGIN, y + 16), piece.point(lambda v: 255 - v))
        y += h
        if i < len(pieces) - 1:
            for x in range(10, 10 + width, 12):
                draw.line([(x, y + gap // 2), (x + 6, y + gap // 2)], fill=(230, 230, 230), width=2)
            y += gap
    return out


def render_png(ops: Sequence[Op], model: PrinterModel) -> bytes:
    buf = io.BytesIO()
    render_preview(ops, model).save(buf, "PNG", optimize=False)
    return buf.getvalue()
