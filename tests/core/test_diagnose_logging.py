"""Structured logs for the journal (docs/architecture.md, "Running unattended"): one line per
record, journald priorities under systemd, personal data masked, the last error kept."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

from kiosk.logging_setup import LAST_ERROR, LastError, StructuredFormatter, configure, mask_personal

ROOT = Path(__file__).resolve().parents[2]


def _record(msg: str, *args: object, level: int = logging.INFO, exc: BaseException | None = None
            ) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("kiosk.payments.card", level, __file__, 1, msg, args, exc_info)


def test_key_value_line_with_quotes_and_no_newlines():
    line = StructuredFormatter("keyvalue").format(_record('paid "%s"\nnext', "12,50 €"))
    assert re.fullmatch(r'ts=\S+ level=INFO logger=kiosk\.payments\.card msg="paid \\"12,50 €\\"\\nnext"',
                        line), line


def test_json_lines_and_journald_priorities():
    fmt = StructuredFormatter("json", journald=True)
    line = fmt.format(_record("printer offline", level=logging.ERROR))
    assert line.startswith("<3>{")
    assert json.loads(line[3:]) == {"level": "ERROR", "logger": "kiosk.payments.card",
                                    "msg": "printer offline"}  # no ts: the journal keeps its own
    assert fmt.format(_record("x", level=logging.WARNING)).startswith("<4>")
    assert StructuredFormatter("keyvalue", journald=True).format(_record("x")).startswith("<6>level=INFO")


def test_personal_codes_cards_and_ibans_are_masked_but_receipt_numbers_stay():
    text = ("payer 010180-10006 and 32123456789 card 4111111111111111 to LV80BANK0000435195001 "
            "receipt zoseni-1.1-000042 txn 8e03978e-40d5-43e8-bc93-6894a57f9324 amount 1250")
    masked = mask_personal(text)
    for secret in ("010180-10006", "32123456789", "4111111111111111", "LV80BANK0000435195001"):
        assert secret not in masked
    assert masked.count("[masked]") == 4
    assert "zoseni-1.1-000042" in masked and "8e03978e-40d5-43e8-bc93-6894a57f9324" in masked
    assert "amount 1250" in masked


def test_exception_lines_have_type_and_place_but_no_traceback_text():
    try:
        raise ValueError("bad answer for 010180-10006")
    except ValueError as exc:
        line = StructuredFormatter().format(_record("posting failed", level=logging.ERROR, exc=exc))
    assert "exc=\"ValueError: bad answer for [masked]\"" in line
    assert re.search(r"where=test_diagnose_logging\.py:\d+", line)
    assert "Traceback" not in line and "\n" not in line


def test_last_error_keeps_the_latest_error_masked_and_short():
    h = LastError()
    h.handle(_record("fine", level=logging.INFO))
    assert h.text == ""
    h.handle(_record("gateway refused 010180-10006 " + "x" * 300, level=logging.ERROR))
    assert h.text.startswith("kiosk.payments.card: gateway refused [masked] ") and len(h.text) == 200


def test_configure_replaces_handlers_once():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        buf = io.StringIO()
        configure("keyvalue", stream=buf)
        configure("keyvalue", stream=buf)
        assert LAST_ERROR in root.handlers and len(root.handlers) == 2
        logging.getLogger("kiosk.x").warning("hello 010180-10006")
        assert buf.getvalue().count("\n") == 1 and "msg=\"hello [masked]\"" in buf.getvalue()
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_kiosk_run_under_systemd_writes_only_structured_lines(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "SDL_"))}
    env.pop("DISPLAY", None)
    env.update(KIOSK_DATA_DIR=str(tmp_path / "data"), KIOSK_SYSTEM_CONFIG=str(tmp_path / "none"),
               JOURNAL_STREAM="8:12345")  # what systemd sets when stderr goes to the journal
    proc = subprocess.run([sys.executable, "-m", "kiosk", "run", "--smoke", str(tmp_path / "s.png")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    assert len(lines) > 5
    bad = [ln for ln in lines if not re.match(r"^<[2-7]>level=[A-Z]+ logger=\S+ msg=", ln)]
    assert bad == []
    assert any("logger=screens.smoke" in ln and "home screen ready" in ln for ln in lines)
