"""PNG previews of every document at both widths (saved for review), layout widths, catalogs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from printer.compose import compose
from printer.layout import Layout, Pair, Text, line_string
from printer.models import get_model, load_models
from printer.png_output import render_preview
from printer.render import render
from printer.samples import SAMPLES, sample


@pytest.mark.parametrize("width", [58, 80])
@pytest.mark.parametrize("name", SAMPLES)
def test_preview_png_for_every_document(name: str, width: int, artifacts: Path) -> None:
    model = get_model("generic-58" if width == 58 else "generic-80")
    job = render(sample(name), model, "lv")
    path = artifacts / f"{name}-{width}mm.png"
    path.write_bytes(job.png())
    img = Image.open(path)
    assert img.width == model.dots + 2 * 40 + 20
    doc = sample(name)
    url = getattr(doc, "verify_url", "") or getattr(doc, "status_url", "") or getattr(doc, "scan_payload", "")
    if url:
        codes = [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]
        assert url in codes


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_preview_other_languages(lang: str, artifacts: Path) -> None:
    for name in ("payment", "unknown"):
        job = render(sample(name), get_model("generic-80"), lang)
        (artifacts / f"{name}-80mm-{lang}.png").write_bytes(job.png())


def test_every_line_fits_its_width() -> None:
    for model in load_models().values():
        for name in SAMPLES:
            for op in compose(sample(name), model, "lv"):
                if isinstance(op, (Text, Pair)):
                    factor = 2 if op.size == "big" else 1
                    assert len(line_string(op, model.columns)) <= model.columns // factor, (model.name, op)


def test_pair_wraps_long_descriptions_and_keeps_amount_right() -> None:
    lay = Layout(columns=32, dots=384)
    lay.pair("Sadzīves atkritumu apsaimniekošana", "1 234,56 €")
    lines = [line_string(op, 32) for op in lay.ops]
    assert len(lines) == 2 and lines[-1].endswith("1 234,56 €") and len(lines[-1]) == 32
    lay80 = Layout(columns=48, dots=576)
    lay80.pair("Sadzīves atkritumu apsaimniekošana", "8,62 €")
    assert len(lay80.ops) == 1


def test_demo_marking_only_on_demo_documents() -> None:
    from dataclasses import replace

    model = get_model("generic-80")
    demo = [line_string(op, 48) for op in compose(sample("payment"), model) if isinstance(op, Text)]
    real = [line_string(op, 48) for op in compose(replace(sample("payment"), demo=False), model)
            if isinstance(op, Text)]
    assert any("DEMO" in t for t in demo) and not any("DEMO" in t for t in real)


def test_printer_package_imports_no_kivy() -> None:
    code = ("import sys; import printer.service, printer.receipt_cli, kiosk.printer_command, printer.samples, "
            "gateway.routes.receipts; print(any(m == 'kivy' or m.startswith('kivy.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_preview_matches_whole_raster_print() -> None:
    """The preview is the same rendering the raster printer gets."""
    from escpos_decode import decode, model_pages

    model = get_model("raster-80")
    job = render(sample("journal"), model, "lv")
    (printed,) = decode(job.escpos, model_pages(model)).of("raster")
    pre = render_preview(job.ops, model)
    assert printed.image.height == pre.height - 20 - 32
