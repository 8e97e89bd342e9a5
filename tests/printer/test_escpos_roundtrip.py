"""Render documents to ESC/POS, decode the bytes back and compare with what the layout meant."""

from __future__ import annotations

import pytest
import zxingcpp
from escpos_decode import decode, model_pages

from printer.compose import CYRILLIC_CAPITALS, CYRILLIC_LETTERS, compose
from printer.escpos_output import encode_line, printable, render_escpos
from printer.layout import Barcode, Cut, Feed, Pair, Qr, Rule, Text, line_string
from printer.layout import Image as ImageOp
from printer.models import get_model, load_models
from printer.render import render
from printer.samples import SAMPLES, sample

LATVIAN = "āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ"
TEXT_MODELS = ["generic-80", "tm-t88v", "generic-58", "epson-80-cp775", "th230"]


def read_code(img) -> list[str]:
    """Every code in a raster image, top to bottom."""
    found = zxingcpp.read_barcodes(img.convert("L"))
    return [r.text for r in sorted(found, key=lambda r: r.position.top_left.y)]


def expected_events(ops, model):
    """What the decoder should find, op by op."""
    out = []
    for op in ops:
        if isinstance(op, (Text, Pair, Rule)):
            text = printable(line_string(op, model.columns))
            out.append(("text", text) if encode_line(text, model) else ("raster", text))
        elif isinstance(op, Qr):
            out.append(("qr", op.data))
        elif isinstance(op, Barcode):
            out.append(("barcode", op.data))
        elif isinstance(op, ImageOp):
            out.append(("raster", None))
        elif isinstance(op, Feed):
            out.extend([("feed", None)] * op.lines)
        elif isinstance(op, Cut) and can_cut(model):
            out.append(("cut", None))
    return out


def can_cut(model) -> bool:
    from escpos.capabilities import get_profile

    prof = get_profile(model.profile)
    return prof.supports("paperFullCut") or prof.supports("paperPartCut")


def decoded_events(dec, model):
    """Decoded events normalised the same way; rasters of QR/barcode are read back with zxing."""
    out = []
    for ev in dec.events:
        if ev.kind == "text":
            out.append(("text", ev.text))
        elif ev.kind == "raster":
            codes = read_code(ev.image)
            out.extend(("raster-code", c) for c in codes) if codes else out.append(("raster", None))
        elif ev.kind in ("qr", "barcode"):
            out.append((ev.kind, ev.text))
        elif ev.kind == "cut":
            out.append(("cut", None))
        elif ev.kind == "feed":
            out.append(("feed", None))
    return out


def squash(events):
    """Consecutive raster lines merge into one image in the decoder; feeds around cuts vary."""
    out = []
    for kind, val in events:
        if kind in ("qr", "barcode") and val is not None:
            kind = "code"
        if kind == "raster-code":
            kind = "code"
        if kind == "raster":
            val = None
            if out and out[-1] == ("raster", None):
                continue
        if kind == "feed":
            continue
        out.append((kind, val))
    return out


@pytest.mark.parametrize("model_name", TEXT_MODELS)
@pytest.mark.parametrize("name", ["payment", "cash", "unknown", "test", "handover"])
def test_decoded_job_matches_layout(model_name: str, name: str) -> None:
    model = get_model(model_name)
    ops = compose(sample(name), model, "lv")
    data = render_escpos(ops, model)
    dec = decode(data, model_pages(model))
    assert dec.inits == 1
    assert set(dec.esc_t) <= {slot for _, slot in model.pages}, "ESC t outside the model's fixed pages"
    assert all(xb * 8 == model.dots and rows <= 256 for xb, rows in dec.raster_blocks)
    assert squash(decoded_events(dec, model)) == squash(expected_events(ops, model))


def test_latvian_and_cyrillic_letters_survive_in_text_mode() -> None:
    model = get_model("generic-80")
    dec = decode(render(sample("test"), model, "lv").escpos, model_pages(model))
    by_text = {e.text: e for e in dec.of("text")}
    lv = "āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ"
    assert lv in by_text and by_text[lv].pages == (51,)  # CP1257 via ESC t 51
    assert CYRILLIC_LETTERS in by_text and by_text[CYRILLIC_LETTERS].pages == (46,)  # CP1251
    assert CYRILLIC_CAPITALS in by_text
    assert "€ 1 234,56 „citāts” – №" not in by_text  # № is in neither page with €: rastered
    assert all("?" not in t for t in dec.texts)


def test_payment_receipt_text_amounts_and_title() -> None:
    model = get_model("generic-80")
    doc = sample("payment")
    dec = decode(render(doc, model, "lv").escpos, model_pages(model))
    texts = [t.strip() for t in dec.texts]
    title = [e for e in dec.of("text") if e.text.strip() == "MAKSĀJUMA APLIECINĀJUMS"]
    assert title and title[0].size == "tall" and title[0].bold
    total = [t for t in texts if t.startswith("KOPĀ")]
    assert total and total[0].endswith("70,55 €")
    assert any(t.startswith("Komisijas maksa") and t.endswith("0,00 €") for t in texts)
    for line in doc.payment.terminal_lines:  # the terminal's lines, unchanged
        assert line in dec.texts
    assert any(t.endswith("42,18 €") for t in texts)
    assert "J*** B*****S" in " ".join(texts)
    assert any(t.startswith("Pārbaudes kods:") and doc.verify_code in t for t in texts)
    (qr,) = dec.of("qr")
    assert qr.text == doc.verify_url
    assert dec.of("cut")[-1].text == "partial"


def test_cp775_model_rasters_euro_lines_but_prints_latvian_as_text() -> None:
    model = get_model("epson-80-cp775")
    dec = decode(render(sample("payment"), model, "lv").escpos, model_pages(model))
    assert "MAKSĀJUMA APLIECINĀJUMS" in [t.strip() for t in dec.texts]
    assert dec.esc_t and set(dec.esc_t) <= {33, 17}
    assert not any("€" in t for t in dec.texts)  # CP775 has no €: those lines are rasters
    assert dec.of("raster")


def test_each_job_sets_its_page_after_init() -> None:
    """python-escpos 3.1 forgets the page after INIT; two jobs back to back must both decode."""
    model = get_model("generic-58")
    one = render(sample("test"), model, "lv").escpos
    dec = decode(one + one, model_pages(model))
    assert dec.inits == 2
    lv = "āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ"
    assert dec.texts.count(lv) == 2
    assert one.index(b"\x1bt") < one.index("ā".encode("cp1257"))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_other_languages(lang: str) -> None:
    model = get_model("generic-80")
    dec = decode(render(sample("payment"), model, lang).escpos, model_pages(model))
    texts = [t.strip() for t in dec.texts]
    assert "MAKSĀJUMA APLIECINĀJUMS" in texts  # the document's name stays Latvian
    assert ("PAYMENT CONFIRMATION" if lang == "en" else "ПОДТВЕРЖДЕНИЕ ОПЛАТЫ") in texts


def test_native_qr_only_where_the_model_supports_it() -> None:
    for name, model in load_models().items():
        data = render(sample("payment"), model, "lv").escpos
        assert (b"\x1d(k" in data) == model.native_qr, name
        assert b"\x1d(L" not in data, name  # never GS ( L graphics


@pytest.mark.parametrize("model_name", ["raster-80", "raster-58"])
def test_whole_raster_mode_has_no_text_and_a_readable_qr(model_name: str) -> None:
    model = get_model(model_name)
    doc = sample("payment")
    dec = decode(render(doc, model, "lv").escpos, model_pages(model))
    assert dec.texts == [] and dec.esc_t == []
    (img,) = [e.image for e in dec.of("raster")]
    assert doc.verify_url in read_code(img)
    assert all(rows <= 256 for _, rows in dec.raster_blocks)


def test_raster_qr_on_58mm_decodes_to_the_signed_url() -> None:
    model = get_model("generic-58")
    doc = sample("payment")
    dec = decode(render(doc, model, "lv").escpos, model_pages(model))
    codes = [c for e in dec.of("raster") for c in read_code(e.image)]
    assert doc.verify_url in codes


def test_unknown_slip_barcode_and_qr_carry_the_reference() -> None:
    doc = sample("unknown")
    for model_name in ("generic-80", "generic-58"):
        model = get_model(model_name)
        dec = decode(render(doc, model, "lv").escpos, model_pages(model))
        codes = [e.text for e in dec.of("qr") + dec.of("barcode")]
        codes += [c for e in dec.of("raster") for c in read_code(e.image)]
        assert doc.scan_payload in codes and doc.reference_code in codes, model_name
        assert "NEMAKSĀJIET VĒLREIZ" in " ".join(t.strip() for t in dec.texts)


def test_nfd_input_is_normalised() -> None:
    import unicodedata

    from printer.layout import Layout

    lay = Layout(columns=48, dots=576)
    lay.text(unicodedata.normalize("NFD", "Nekustamā īpašuma nodoklis"))
    model = get_model("generic-80")
    dec = decode(render_escpos(lay.ops, model), model_pages(model))
    assert dec.texts == ["Nekustamā īpašuma nodoklis"]


def test_cash_drawer_kick_only_when_asked() -> None:
    model = get_model("generic-80")
    ops = compose(sample("cash"), model, "lv")
    assert not decode(render_escpos(ops, model), model_pages(model)).of("drawer")
    assert decode(render_escpos(ops, model, kick_drawer=True), model_pages(model)).of("drawer")


def test_duplicate_keeps_number_and_says_dublikats() -> None:
    model = get_model("generic-58")
    orig = decode(render(sample("payment"), model, "lv").escpos, model_pages(model)).texts
    dup = decode(render(sample("duplicate"), model, "lv").escpos, model_pages(model)).texts
    number = [t for t in orig if "demo-zoseni-1.1-42" in t]
    assert number and all(n in dup for n in number)
    assert sum("DUBLIKĀTS" in t for t in dup) == 2  # banner on top, line at the end
    assert not any("DUBLIKĀTS" in t for t in orig)


def test_all_samples_render_on_all_models() -> None:
    for model in load_models().values():
        for name in SAMPLES:
            decode(render(sample(name), model, "lv").escpos, model_pages(model))
