"""A strict ESC/POS decoder for tests: parses a job back into text lines (per active ESC t page),
raster images (GS v 0), QR payloads (GS ( k), barcodes (GS k), cuts and drawer kicks. Any command
it does not know raises, so unexpected bytes (e.g. GS ( L graphics) fail the test."""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image


class DecodeError(ValueError):
    pass


@dataclass
class Event:
    kind: str  # text | raster | qr | barcode | cut | drawer | feed
    text: str = ""
    page: int | None = None
    bold: bool = False
    size: str = "normal"
    image: Image.Image | None = None
    pages: tuple[int, ...] = ()


@dataclass
class Decoded:
    events: list[Event] = field(default_factory=list)
    raster_blocks: list[tuple[int, int]] = field(default_factory=list)  # (width bytes, rows) per GS v 0
    esc_t: list[int] = field(default_factory=list)
    inits: int = 0

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.events if e.kind == "text"]

    def of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]


def decode(data: bytes, pages: dict[int, str]) -> Decoded:
    """`pages`: ESC t slot -> Python codec (slot 0 is CP437 unless given)."""
    pages = {0: "cp437", **pages}
    out = Decoded()
    i = 0
    page = 0
    bold = False
    size = "normal"
    line: list[tuple[int, bytes]] = []
    qr_store = b""

    def flush_text() -> None:
        nonlocal line
        if not line:
            out.events.append(Event("feed"))
            return
        parts = []
        for pg, raw in line:
            codec = pages.get(pg)
            if codec is None:
                raise DecodeError(f"text in unknown page {pg}")
            parts.append(raw.decode(codec))
        out.events.append(Event("text", "".join(parts), page=line[-1][0], bold=bold, size=size,
                                pages=tuple(sorted({pg for pg, _ in line}))))
        line = []

    def add_raster(img: Image.Image) -> None:
        last = out.events[-1] if out.events else None
        if last is not None and last.kind == "raster" and last.image is not None and last.image.width == img.width:
            merged = Image.new("1", (img.width, last.image.height + img.height), 1)
            merged.paste(last.image, (0, 0))
            merged.paste(img, (0, last.image.height))
            last.image = merged
        else:
            out.events.append(Event("raster", image=img))

    def need(n: int) -> bytes:
        if i + n > len(data):
            raise DecodeError(f"truncated command at {i}")
        return data[i:i + n]

    while i < len(data):
        b = data[i]
        if b == 0x0A:
            flush_text()
            i += 1
        elif b == 0x1B:
            cmd = need(2)[1:2]
            if cmd == b"@":
                out.inits += 1
                page, bold, size = 0, False, "normal"
                i += 2
            elif cmd == b"t":
                page = need(3)[2]
                out.esc_t.append(page)
                i += 3
            elif cmd == b"!":
                n = need(3)[2]
                bold = bool(n & 0x08)
                size = "big" if n & 0x30 == 0x30 else "tall" if n & 0x10 else "wide" if n & 0x20 else "normal"
                i += 3
            elif cmd == b"E":
                bold = bool(need(3)[2])
                i += 3
            elif cmd in (b"a", b"M", b"-", b"G", b"3", b"J", b"{", b"V"):
                i += 3
            elif cmd == b"2":
                i += 2
            elif cmd == b"d":
                for _ in range(need(3)[2]):
                    out.events.append(Event("feed"))
                i += 3
            elif cmd == b"p":
                need(5)
                out.events.append(Event("drawer"))
                i += 5
            else:
                raise DecodeError(f"unknown ESC {cmd!r} at {i}")
        elif b == 0x1D:
            cmd = need(2)[1:2]
            if cmd == b"!":
                n = need(3)[2]
                size = {0x00: "normal", 0x01: "tall", 0x10: "wide", 0x11: "big"}.get(n, f"custom{n:02x}")
                i += 3
            elif cmd == b"v":
                hdr = need(8)
                if hdr[2] != 0x30:
                    raise DecodeError("GS v other than GS v 0")
                xb = hdr[4] | hdr[5] << 8
                rows = hdr[6] | hdr[7] << 8
                i += 8
                raw = need(xb * rows)
                i += xb * rows
                out.raster_blocks.append((xb, rows))
                # Printer bit 1 = black; PIL mode "1" 0 = black, so invert.
                img = Image.frombytes("1", (xb * 8, rows), bytes(255 - v for v in raw))
                add_raster(img)
            elif cmd == b"(":
                hdr = need(5)
                if hdr[2:3] != b"k":
                    raise DecodeError(f"GS ( {hdr[2:3]!r} not supported (only GS ( k)")
                length = hdr[3] | hdr[4] << 8
                body = need(5 + length)[5:]
                i += 5 + length
                cn, fn = body[0], body[1]
                if cn != 0x31:
                    raise DecodeError("2D code other than QR")
                if fn == 0x50:
                    qr_store = body[3:]  # after the m byte '0'
                elif fn == 0x51:
                    out.events.append(Event("qr", qr_store.decode("utf-8")))
            elif cmd == b"V":
                m = need(3)[2]
                i += 4 if m in (65, 66) else 3
                out.events.append(Event("cut", text="partial" if m in (1, 49, 66) else "full"))
            elif cmd == b"k":
                m = need(3)[2]
                if m <= 6:
                    end = data.index(b"\x00", i + 3)
                    payload = data[i + 3:end]
                    i = end + 1
                else:
                    n = need(4)[3]
                    payload = need(4 + n)[4:]
                    i += 4 + n
                text = payload.decode("ascii")
                out.events.append(Event("barcode", text[2:] if text[:1] == "{" else text))
            elif cmd in (b"h", b"w", b"H", b"f", b"b", b"B"):
                i += 3
            elif cmd in (b"L", b"W"):
                i += 4
            else:
                raise DecodeError(f"unknown GS {cmd!r} at {i}")
        elif b == 0x10:
            raise DecodeError(f"DLE command inside a job at {i}")
        elif b < 0x20 and b not in (0x09,):
            raise DecodeError(f"control byte {b:#04x} at {i}")
        else:
            j = i
            while (j < len(data) and data[j] >= 0x20) or (j < len(data) and data[j] == 0x09):
                j += 1
            if line and line[-1][0] == page:
                line[-1] = (page, line[-1][1] + data[i:j])
            else:
                line.append((page, data[i:j]))
            i = j
    if line:
        flush_text()
    return out


def model_pages(model: object) -> dict[int, str]:
    return {slot: codec for codec, slot in model.pages}  # type: ignore[attr-defined]
