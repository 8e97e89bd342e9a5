"""ESC/POS bytes from layout ops, built in a fresh python-escpos `Dummy` (one job = one write).

Text is encoded here, not by python-escpos's MagicEncode: 3.1 forgets the active page after INIT
and picks pages by its own sort order (docs/architecture.md, "Receipts"). Each line goes out in the model's fixed
Latvian page, else its Russian page, each selected with a raw `ESC t n`; a line neither page can
encode is printed as a raster line. Images always use `bitImageRaster` (GS v 0): `graphics`
corrupts fragments over 64 KB in 3.1.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Sequence
from pathlib import Path


def _pickle_dir() -> str:
    # python-escpos writes its capabilities pickle into a new mkdtemp() per process unless told.
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / "kac-kiosk" / "escpos"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        path = Path("/tmp") / f"kac-kiosk-escpos-{os.getuid()}"
        path.mkdir(parents=True, exist_ok=True)
    return str(path)


os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", _pickle_dir())

from escpos.constants import QR_ECLEVEL_M  # noqa: E402
from escpos.printer import Dummy  # noqa: E402
from PIL import Image  # noqa: E402

from printer.layout import (  # noqa: E402
    Barcode,
    Cut,
    Feed,
    LineOp,
    Op,
    Pair,
    Qr,
    Rule,
    Text,
    line_string,
)
from printer.layout import Image as ImageOp  # noqa: E402
from printer.models import PrinterModel  # noqa: E402
from printer.raster import line_image, op_image, render_strip, split_at_cuts  # noqa: E402

ESC_T = b"\x1bt"
FRAGMENT_ROWS = 256  # cheap 58 mm printers garble taller GS v 0 blocks
_SPACES = {"\u00a0": " ", "\u202f": " ", "\u2009": " "}


def printable(text: str) -> str:
    """No-break spaces become plain spaces: the grid is fixed-width anyway, and not every page has them."""
    for k, v in _SPACES.items():
        text = text.replace(k, v)
    return text


def encode_line(text: str, model: PrinterModel) -> tuple[int, bytes] | None:
    """(ESC t slot, bytes) in the first of the model's pages that holds every character, else None."""
    if model.raster_only:
        return None
    for codec, slot in model.pages:
        try:
            return slot, text.encode(codec)
        except UnicodeEncodeError:
            continue
    return None


class _Writer:
    def __init__(self, model: PrinterModel) -> None:
        self.model = model
        self.p = Dummy(profile=model.profile)
        self.page: int | None = None
        self.style: tuple[bool, str] | None = None

    def init(self) -> None:
        self.p.hw("INIT")
        # INIT resets the printer to page 0 and default styles; forget what we sent before.
        self.page = None
        self.style = None
        self.p._raw(b"\x1b2")  # default line spacing

    def image(self, img: Image.Image) -> None:
        self.p.image(img, impl="bitImageRaster", fragment_height=FRAGMENT_ROWS)

    def raster(self, op: Op) -> None:
        """An op drawn as pixels (this model has no native command for it)."""
        img = op_image(op, self.model.columns, self.model.dots)
        if img is not None:  # only a cut has no picture, and cuts are sent as commands
            self.image(img)

    def set_style(self, bold: bool, size: str) -> None:
        if self.style == (bold, size):
            return
        self.p.set(normal_textsize=size == "normal", double_height=size in ("tall", "big"),
                   double_width=size == "big", bold=bold)
        self.style = (bold, size)

    def line(self, op: LineOp) -> None:
        text = printable(line_string(op, self.model.columns))
        enc = encode_line(text, self.model)
        if enc is None:
            self.image(line_image(op, self.model.columns, self.model.dots))
            return
        slot, data = enc
        if slot != self.page:
            self.p._raw(ESC_T + bytes([slot]))
            self.page = slot
        bold = getattr(op, "bold", False)
        size = "normal" if isinstance(op, Rule) else op.size
        self.set_style(bold, size)
        self.p._raw(data + b"\n")

    def qr(self, op: Qr) -> None:
        if self.model.native_qr:
            self.p.set(align="center")
            self.p.qr(op.data, native=True, size=op.module, ec=QR_ECLEVEL_M)
            self.p.set(align="left")
            self.p._raw(b"\n")
        else:
            self.raster(op)

    def barcode(self, op: Barcode) -> None:
        if self.model.native_barcode:
            with contextlib.redirect_stdout(io.StringIO()):  # 3.1 prints "Using hardware barcode renderer"
                self.p.barcode("{B" + op.data, "CODE128", height=80, width=2, pos="OFF",
                               function_type="B", align_ct=True)
            self.p.set(align="left")
            self.p._raw(b"\n")
        else:
            self.raster(op)

    def cut(self, op: Cut) -> None:
        self.p.cut(mode="PART" if op.partial and self.model.partial_cut else "FULL")


def render_escpos(ops: Sequence[Op], model: PrinterModel, *, kick_drawer: bool = False) -> bytes:
    """The whole job as one byte string; `kick_drawer` only when `[printer] cash_drawer = true`."""
    w = _Writer(model)
    w.init()
    if model.raster_only:
        for seg, cut in split_at_cuts(ops):
            w.image(render_strip(seg, model.columns, model.dots))
            if cut is not None:
                w.cut(cut)
    else:
        for op in ops:
            if isinstance(op, (Text, Pair, Rule)):
                w.line(op)
            elif isinstance(op, Qr):
                w.qr(op)
            elif isinstance(op, Barcode):
                w.barcode(op)
            elif isinstance(op, ImageOp):
                w.raster(op)
            elif isinstance(op, Feed):
                w.p._raw(b"\n" * op.lines)
            elif isinstance(op, Cut):
                w.cut(op)
    if kick_drawer:
        w.p.cashdraw(2)
    return bytes(w.p.output)
