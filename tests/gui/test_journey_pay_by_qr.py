"""A resident pays two invoices by scanning their EPC QR codes
with a keyboard-wedge scanner, and the paper receipt stands as proof on its own.

Walked on the real screens with the embedded gateway, the simulated terminal and the preview
printer; the receipt is read back from its ESC/POS bytes: one local time on the whole slip (the
terminal's lines too), the card part in the resident's language (asked of the terminal, never
rewritten), each invoice's payee and object, a check code without look-alike characters and one
line saying how to check it; the QR verifies and its code matches the printed one.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

from payment_path_helpers import ready_backend, run, until
from test_wedge_scanner import epc_of, type_keys, wedge_keys

from common.clock import RIGA
from common.signing import CODE_ALPHABET, demo_keys_dir, load_public_keys, verify
from gateway.demo_data import demo_invoice

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "printer"))
from escpos_decode import decode, model_pages

# Invoices no other test pays (the harness's demo gateway lives for the whole test session).
PAPERS = {"lv": ("2026000500", "2026000507"), "ru": ("2026000633", "2026000710")}


def _current(gui) -> str:
    return gui.shell.manager.current


def _receipt_texts(gui, receipt_no: str) -> tuple[list[str], list[str]]:
    backend = gui.services.backend
    job = decode(backend.printer.spool.data(receipt_no), model_pages(backend.printer.model))
    return [t.strip() for t in job.texts], [e.text for e in job.of("qr")]


def _walk_and_pay(gui, lang: str) -> tuple[list[str], list[str], object]:
    nin, other = PAPERS[lang]  # a property tax (a cadastral number), then a water bill or rent

    async def scenario():
        await ready_backend(gui)
        home = gui.screen("home")
        if lang != "lv":
            gui.tap(home.language_buttons[lang])
        gui.screenshot(f"journey-qr-{lang}-01-home")
        gui.tap(home.choices["pay"])
        assert _current(gui) == "find"
        # The first paper's QR, the scanner set to CRLF; the second's with LF (Ctrl+J).
        type_keys(gui, wedge_keys(epc_of(nin), "crlf"), gap_s=0.002)
        invoices = gui.screen("invoices")
        await until(gui, lambda: _current(gui) == "invoices" and invoices.count == 1, what="first")
        gui.screenshot(f"journey-qr-{lang}-02-invoices")
        gui.tap(invoices.ids.add_another)
        type_keys(gui, wedge_keys(epc_of(other), "lf"), gap_s=0.002)
        await until(gui, lambda: _current(gui) == "invoices" and invoices.count == 2, what="second")
        gui.tap(invoices.ids.proceed)
        assert _current(gui) == "confirm"
        gui.screenshot(f"journey-qr-{lang}-03-confirm")
        gui.tap(gui.screen("confirm").ids.pay)
        await until(gui, lambda: _current(gui) == "outcome", what="outcome")
        outcome = gui.screen("outcome")
        await until(gui, lambda: outcome.ids.preview.texture is not None, what="receipt preview")
        gui.screenshot(f"journey-qr-{lang}-04-receipt")
        assert outcome.kind == "paid" and outcome.result.printed
        assert outcome.buttons["done"].symbol == "\u2713"  # a check mark: it worked
        texts, qrs = _receipt_texts(gui, outcome.result.receipt_no)
        return texts, qrs, outcome

    return run(scenario())


def _one_local_time(texts: list[str], time_label: str, date_label: str) -> None:
    header = next(t for t in texts if re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d$", t))
    paid = datetime.strptime(header[-16:], "%d.%m.%Y %H:%M").replace(tzinfo=RIGA)
    card_time = next(t for t in texts if t.startswith(time_label + ":"))
    card_date = next(t for t in texts if t.startswith(date_label + ":"))
    card = datetime.strptime(f"{card_date.split(': ')[1]} {card_time.split(': ')[1]}",
                             "%d.%m.%Y %H:%M:%S").replace(tzinfo=RIGA)
    # The same moment, in the same (local) time: at most a minute apart, never hours.
    assert abs((card - paid).total_seconds()) < 120, (header, card_date, card_time)


def test_journey_pay_by_qr_scan_and_the_receipt_proves_it(gui) -> None:
    texts, qrs, _outcome = _walk_and_pay(gui, "lv")
    joined = "\n".join(texts)

    # One local time: the kiosk's header and the terminal's own lines agree.
    _one_local_time(texts, "Laiks", "Datums")
    # The card part in Latvian, as the terminal printed it (asked for with CustomerLanguage).
    assert "KARTES ĪPAŠNIEKA KOPIJA" in texts and "APSTIPRINĀTS" in texts
    assert "CARDHOLDER COPY" not in texts

    # Each invoice names its payee and its object.
    nin, water = (demo_invoice(n) for n in PAPERS["lv"])
    assert "Saņēmējs: Cēsu novada pašvaldība" in texts
    assert f"Kadastra numurs: {nin.object_ref}" in texts
    assert "Saņēmējs: SIA Vinda" in texts
    assert f"Objekts: {water.object_ref}" in texts

    # The check code: no look-alike characters, and the QR's signature gives the same code.
    line = next(t for t in texts if t.startswith("Pārbaudes kods: "))
    code = line.split(": ", 1)[1]
    assert re.fullmatch(rf"[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{3}}-[{CODE_ALPHABET}]{{3}}", code)
    assert not set(code) & set("0OQD1ILJSBZGU")  # one of each look-alike pair only
    keys = load_public_keys(demo_keys_dir())
    rec = verify(qrs[0], keys, allow_demo=True)
    assert rec.short_code == code and rec.matches_code(code.lower().replace("-", " "))
    # One line (wrapped on paper) saying where and how to check it.
    assert "Pārbaudei noskenējiet QR kodu ar tālruni: lapa kac.cesis.lv parāda" in joined.replace("\n", " ")


def test_journey_receipt_card_part_in_russian(gui) -> None:
    texts, _qrs, _outcome = _walk_and_pay(gui, "ru")
    # Russian text on a CP1257/CP775 printer goes out as raster lines; the terminal's lines that
    # are text must not be its English ones, and its time is local.
    assert "CARDHOLDER COPY" not in texts and "APPROVED" not in texts
