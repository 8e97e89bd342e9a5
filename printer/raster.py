"""Pillow rendering of layout ops on the printer's dot grid: used for the PNG preview, for single
lines a code page cannot encode, and for whole-raster printing. One renderer, so the preview shows
exactly what a raster-printed receipt looks like.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import qrcode
from PIL import Image, ImageDraw, ImageFont

from common.paths import fonts_dir
from printer.layout import Barcode, Cut, Feed, LineOp, Op, Pair, Qr, Rule, Text, line_string, size_factor
from printer.layout import Image as ImageOp

CELL_H = 24  # Font A glyph height in dots
LINE_H = 30  # with the default line spacing
QUIET_MODULES = 4
BARCODE_MODULE = 2  # dots per narrow bar
BARCODE_HEIGHT = 80


@functools.lru_cache(maxsize=16)
def _font(bold: bool, cell_w: float) -> ImageFont.FreeTypeFont:
    name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
    path = fonts_dir() / name
    probe = ImageFont.truetype(str(path), 100)
    # Size the monospace font so one character is exactly one printer column wide.
    size = 100 * cell_w / probe.getlength("M")
    return ImageFont.truetype(str(path), size)


def line_image(op: LineOp, columns: int, dots: int) -> Image.Image:
    """One text line as a 1-bit-looking grayscale strip `dots` wide."""
    cell_w = dots / columns
    bold = getattr(op, "bold", False)
    font = _font(bold, cell_w)
    img = Image.new("L", (dots, LINE_H), 255)
    draw = ImageDraw.Draw(img)
    draw.fontmode = "1"  # no grey anti-aliasing specks on thermal paper
    size = "normal" if isinstance(op, Rule) else op.size
    f = size_factor(size)
    text = line_string(op, columns)
    if isinstance(op, Rule):
        y = LINE_H // 2
        if op.char == "=":
            draw.line([(0, y - 2), (dots, y - 2)], fill=0, width=2)
            draw.line([(0, y + 2), (dots, y + 2)], fill=0, width=2)
        else:
            draw.line([(0, y), (dots, y)], fill=0, width=2)
        return img
    if f == 1:
        draw.text((0, 3), text, font=font, fill=0)
    else:
        # Double width: draw on a half-width canvas, then stretch as the printer does.
        half = Image.new("L", (dots // 2, LINE_H), 255)
        hd = ImageDraw.Draw(half)
        hd.fontmode = "1"
        hd.text((0, 3), text, font=font, fill=0)
        img = half.resize((dots, LINE_H), Image.Resampling.NEAREST)
    if size in ("tall", "big"):
        img = img.resize((dots, LINE_H * 2), Image.Resampling.NEAREST)
    return img


def qr_image(data: str, module: int, dots: int) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module,
                       border=QUIET_MODULES)
    qr.add_data(data)
    qr.make(fit=True)
    img = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    return _center(img, dots)


def barcode_image(data: str, dots: int) -> Image.Image:
    """Code 128 from python-barcode's module pattern, drawn on whole dots so bars stay crisp."""
    from barcode import Code128

    pattern = Code128(data).build()[0]  # "1101001..." one char per module
    quiet = 10
    mod = BARCODE_MODULE if (len(pattern) + 2 * quiet) * BARCODE_MODULE <= dots else 1
    img = Image.new("L", ((len(pattern) + 2 * quiet) * mod, BARCODE_HEIGHT), 255)
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(pattern):
        if bit == "1":
            x = (quiet + i) * mod
            draw.rectangle([x, 0, x + mod - 1, BARCODE_HEIGHT - 1], fill=0)
    return _center(img, dots)


def _center(img: Image.Image, dots: int) -> Image.Image:
    if img.width > dots:
        raise ValueError(f"{img.width} dots do not fit the paper ({dots})")
    out = Image.new("L", (dots, img.height), 255)
    out.paste(img, ((dots - img.width) // 2, 0))
    return out


def op_image(op: Op, columns: int, dots: int) -> Image.Image | None:
    if isinstance(op, (Text, Pair, Rule)):
        return line_image(op, columns, dots)
    if isinstance(op, Qr):
        return qr_image(op.data, op.module, dots)
    if isinstance(op, Barcode):
        return barcode_image(op.data, dots)
    if isinstance(op, ImageOp):
        return _center(op.image.convert("L"), dots)
    if isinstance(op, Feed):
        return Image.new("L", (dots, LINE_H * op.lines), 255)
    return None


def render_strip(ops: Sequence[Op], columns: int, dots: int) -> Image.Image:
    """All ops up to (not including) a cut stacked into one image."""
    parts = [im for op in ops if not isinstance(op, Cut) and (im := op_image(op, columns, dots)) is not None]
    height = sum(p.height for p in parts) or 1
    out = Image.new("L", (dots, height), 255)
    y = 0
    for p in parts:
        out.paste(p, (0, y))
        y += p.height
    return out


def split_at_cuts(ops: Sequence[Op]) -> list[tuple[list[Op], Cut | None]]:
    """[(ops of one piece of paper, the cut after it or None)]."""
    out: list[tuple[list[Op], Cut | None]] = []
    current: list[Op] = []
    for op in ops:
        if isinstance(op, Cut):
            out.append((current, op))
            current = []
        else:
            current.append(op)
    if current:
        out.append((current, None))
    return out
