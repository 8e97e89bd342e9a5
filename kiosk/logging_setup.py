"""Structured log lines on stderr, which systemd hands to the journal (docs/architecture.md,
"Running unattended").

One line per record, `key=value` (or JSON) with the level, the logger and the message; under
systemd (JOURNAL_STREAM set) each line starts with the syslog priority `<N>` so journald files it
at the right level, and carries no time stamp (the journal keeps its own). journald rotates.

No personal data: messages are written without payloads by the code, and as a second line of
defence a filter masks anything shaped like a Latvian personal code, a card number or an IBAN
before a line leaves the process. The last ERROR line (masked, short) is kept for the heartbeat.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from typing import TextIO

# Old codes DDMMYY-CNNNN (with or without the hyphen) and new 32xxxx-xxxxx codes; 13-19 digit
# card numbers; Latvian IBANs. Digits inside longer words (UUIDs, receipt numbers) are left.
_PERSONAL = re.compile(
    r"(?<![\w-])(?:\d{6}-?\d{5}|\d{13,19}|LV\d{2}[A-Z]{4}\d{13})(?![\w-])"
)
MASK = "[masked]"
LAST_ERROR_MAX = 200

# syslog priorities for the `<N>` prefix journald reads (sd-daemon(3)).
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


def mask_personal(text: str) -> str:
    return _PERSONAL.sub(MASK, text)


def _quote(value: str) -> str:
    if value and not any(c in value for c in ' "=\n\\'):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class StructuredFormatter(logging.Formatter):
    """`level=INFO logger=kiosk.backend msg="..."` (or one JSON object), masked, one line."""

    def __init__(self, fmt: str = "keyvalue", *, journald: bool = False) -> None:
        super().__init__()
        self.style_name = fmt
        self.journald = journald

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, str] = {}
        if not self.journald:
            fields["ts"] = self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
        fields["level"] = record.levelname
        fields["logger"] = record.name
        msg = record.getMessage()
        if record.name == "kivy":
            # Kivy's provider probes append whole tracebacks to one message: the first line says it.
            msg = msg.split("\n", 1)[0]
        fields["msg"] = mask_personal(msg)
        if record.exc_info:
            # The exception's type and message only; a traceback can quote a payload.
            exc = record.exc_info[1]
            fields["exc"] = mask_personal(f"{type(exc).__name__}: {exc}")
            fields["where"] = _where(record)
        if self.style_name == "json":
            line = json.dumps(fields, ensure_ascii=False)
        else:
            line = " ".join(f"{k}={_quote(v)}" for k, v in fields.items())
        if self.journald:
            prio = _PRIORITY.get(record.levelno, 6 if record.levelno < logging.WARNING else 3)
            line = f"<{prio}>{line}"
        return line


def _where(record: logging.LogRecord) -> str:
    """file:line of the innermost frame of the exception (for support, without locals)."""
    tb = record.exc_info[2] if record.exc_info else None
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return ""
    return f"{os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}"


class LastError(logging.Handler):
    """Remembers the latest ERROR or worse (masked, at most 200 characters) for the heartbeat."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.text = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < self.level:
            return
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__})"
        self.text = mask_personal(text)[:LAST_ERROR_MAX]


LAST_ERROR = LastError()


def under_journald() -> bool:
    """systemd sets JOURNAL_STREAM when stderr is connected to the journal (systemd.exec(5))."""
    return bool(os.environ.get("JOURNAL_STREAM"))


def configure(fmt: str = "keyvalue", *, level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Replace the root logger's handlers with one structured stderr handler and LAST_ERROR."""
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(StructuredFormatter(fmt, journald=under_journald()))
    root.addHandler(handler)
    root.addHandler(LAST_ERROR)
    root.setLevel(level)
