"""The layout engine: one set of ops for every paper width, consumed by the ESC/POS and PNG outputs.

Lines are laid out on the printer's Font A grid (12x24 dots): 32 columns at 384 dots (58 mm), 42 at
512, 48 at 576. Wrapping is done here, once, so both outputs break lines in the same places.
"""

from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image as PILImage

Align = Literal["left", "center", "right"]
Size = Literal["normal", "tall", "big"]  # tall = double height; big = double width and height


@dataclass(frozen=True)
class Text:
    text: str
    align: Align = "left"
    bold: bool = False
    size: Size = "normal"


@dataclass(frozen=True)
class Pair:
    """Description left, amount right on one line."""

    left: str
    right: str
    bold: bool = False
    size: Size = "normal"


@dataclass(frozen=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True)
class Qr:
    data: str
    module: int  # dots per module


@dataclass(frozen=True)
class Barcode:
    data: str  # Code 128


@dataclass(frozen=True, eq=False)
class Image:
    image: PILImage.Image


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    partial: bool = True


Op = Text | Pair | Rule | Qr | Barcode | Image | Feed | Cut
LineOp = Text | Pair | Rule


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def size_factor(size: Size) -> int:
    return 2 if size == "big" else 1


def line_string(op: LineOp, columns: int) -> str:
    """The line as the printer's character grid sees it: padded to its full width."""
    if isinstance(op, Rule):
        return op.char * columns
    cols = columns // size_factor(op.size)
    if isinstance(op, Pair):
        gap = cols - len(op.left) - len(op.right)
        return op.left + " " * max(gap, 1) + op.right
    if op.align == "center":
        return op.text.center(cols).rstrip() if len(op.text) < cols else op.text
    if op.align == "right":
        return op.text.rjust(cols)
    return op.text


@dataclass
class Layout:
    """Collects ops for one paper width; every text goes through NFC and is wrapped to the grid."""

    columns: int
    dots: int
    ops: list[Op] = field(default_factory=list)

    @property
    def qr_module(self) -> int:
        return 4 if self.dots <= 384 else 5

    def _cols(self, size: Size) -> int:
        return self.columns // size_factor(size)

    def text(self, text: str, *, align: Align = "left", bold: bool = False, size: Size = "normal",
             indent: int = 0) -> None:
        """`indent` spaces before every wrapped line, so an answer under its question stays a block."""
        pad = " " * indent
        for para in nfc(text).split("\n"):
            for line in _wrap(para, self._cols(size) - indent) or [""]:
                self.ops.append(Text(pad + line, align, bold, size))

    def verbatim(self, text: str) -> None:
        """A line printed as given (terminal receipt lines): only cut where it is wider than the paper."""
        line = nfc(text).rstrip()
        cols = self.columns
        for i in range(0, max(len(line), 1), cols):
            self.ops.append(Text(line[i:i + cols]))

    def pair(self, left: str, right: str, *, bold: bool = False, size: Size = "normal") -> None:
        left, right = nfc(left), nfc(right)
        cols = self._cols(size)
        if len(left) + 1 + len(right) <= cols:
            self.ops.append(Pair(left, right, bold, size))
            return
        lines = _wrap(left, cols)
        last = lines.pop() if lines else ""
        for line in lines:
            self.ops.append(Text(line, "left", bold, size))
        if len(last) + 1 + len(right) <= cols:
            self.ops.append(Pair(last, right, bold, size))
        else:
            self.ops.append(Text(last, "left", bold, size))
            self.ops.append(Pair("", right, bold, size))

    def rule(self, char: str = "-") -> None:
        self.ops.append(Rule(char))

    def feed(self, lines: int = 1) -> None:
        self.ops.append(Feed(lines))

    def qr(self, data: str, module: int | None = None) -> None:
        self.ops.append(Qr(data, module or self.qr_module))

    def barcode(self, data: str) -> None:
        self.ops.append(Barcode(data))

    def image(self, image: PILImage.Image) -> None:
        if image.width > self.dots:
            raise ValueError(f"image {image.width} dots wide does not fit {self.dots}")
        self.ops.append(Image(image))

    def cut(self, partial: bool = True) -> None:
        self.ops.append(Cut(partial))


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False,
                         replace_whitespace=False, drop_whitespace=True)
