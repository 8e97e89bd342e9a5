"""What the gateway is configured with: its version and the applications' settings (form
definitions and the key that encrypts answers at rest)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from common.clock import RIGA
from common.forms.definition import FormDefinition
from common.forms.loading import default_forms_dir, load_forms
from common.personal_code import compact as compact_personal_code

log = logging.getLogger(__name__)

VERSION = "1.0.0"
KEY_ENV = "KAC_APPLICATIONS_KEY_FILE"


def local_date(moment: datetime) -> date:
    """The calendar day in Riga at `moment`: due dates and date rules count Latvian days."""
    return moment.astimezone(RIGA).date()


ENV_MAX_BODY = "KAC_GATEWAY_MAX_BODY_BYTES"
ENV_PUBLIC_DOCS = "KAC_GATEWAY_PUBLIC_DOCS"
ENV_SERVER_KEYS = "KAC_GATEWAY_SERVER_KEYS"
ENV_BODY_TIMEOUT = "KAC_GATEWAY_BODY_TIMEOUT_S"
# The largest legitimate body is an application with long answers (a few kB); 256 KiB leaves room
# and keeps what one request can make the server hold small (docs/architecture.md, "API rules").
DEFAULT_MAX_BODY = 256 * 1024
# A kiosk sends a few kB in well under a second even on a poor rural line; a body still arriving
# after this is refused (408), so no request opened long ago completes on an old decision.
DEFAULT_BODY_TIMEOUT_S = 30
# The whole request head (request line and every header): a kiosk's is under 1 KiB. Bounded in the
# server we run (h11) and checked again by the guard for any other ASGI server (431).
MAX_HEADER_BYTES = 16 * 1024


@dataclass(frozen=True)
class GatewaySettings:
    """How the gateway guards itself: the body size limit, whether `/docs` and `/openapi.json` are
    served (off in production; on for the demo and tests), and the folder of the gateway's own public
    receipt keys, the only keys whose countersignature `/r/` accepts."""

    max_body_bytes: int = DEFAULT_MAX_BODY
    public_docs: bool = False
    server_keys: Path | None = None
    body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> GatewaySettings:
        """From $KAC_GATEWAY_MAX_BODY_BYTES, $KAC_GATEWAY_PUBLIC_DOCS (1/0), $KAC_GATEWAY_SERVER_KEYS,
        $KAC_GATEWAY_BODY_TIMEOUT_S (seconds a request's body may take to arrive, 1-600)."""
        env = dict(os.environ) if env is None else env
        raw_max = env.get(ENV_MAX_BODY, "").strip()
        if raw_max and (not raw_max.isdigit() or not 1024 <= int(raw_max) <= 64 * 1024 * 1024):
            raise ValueError(f"{ENV_MAX_BODY}={raw_max!r}: a number of bytes from 1024 to 67108864")
        raw_timeout = env.get(ENV_BODY_TIMEOUT, "").strip()
        if raw_timeout and (not raw_timeout.isdigit() or not 1 <= int(raw_timeout) <= 600):
            raise ValueError(f"{ENV_BODY_TIMEOUT}={raw_timeout!r}: a number of seconds from 1 to 600")
        docs = env.get(ENV_PUBLIC_DOCS, "").strip().lower()
        if docs not in ("", "0", "1", "true", "false", "yes", "no", "on", "off"):
            raise ValueError(f"{ENV_PUBLIC_DOCS}={docs!r}: use 1 or 0")
        keys = env.get(ENV_SERVER_KEYS, "").strip()
        return cls(max_body_bytes=int(raw_max) if raw_max else DEFAULT_MAX_BODY,
                   public_docs=docs in ("1", "true", "yes", "on"),
                   server_keys=Path(keys) if keys else None,
                   body_timeout_s=int(raw_timeout) if raw_timeout else DEFAULT_BODY_TIMEOUT_S)


@dataclass
class ApplicationsSettings:
    """Form definitions by service code, and the answers key (Fernet: AES-128-CBC + HMAC-SHA-256)."""

    forms: dict[str, FormDefinition]
    fernet: Fernet
    pepper: bytes

    @classmethod
    def load(cls, forms_dir: Path | None = None, key_file: Path | None = None) -> ApplicationsSettings:
        """Shipped forms (or `forms_dir`); key from `key_file`, $KAC_APPLICATIONS_KEY_FILE or
        <user data>/gateway-applications.key, created 0600 when missing."""
        forms, errors = load_forms(forms_dir or default_forms_dir())
        for err in errors:  # definitions are not personal data; the path and reason help IT
            log.error("form definition skipped: %s", err)
        key = _load_or_create_key(key_file or _default_key_file())
        pepper = hmac.new(key, b"kac-applications-subject-v1", hashlib.sha256).digest()
        return cls(forms=forms, fernet=Fernet(key), pepper=pepper)

    def encrypt(self, answers: dict[str, Any]) -> str:
        raw = json.dumps(answers, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return self.fernet.encrypt(raw).decode("ascii")

    def decrypt(self, token: str) -> dict[str, Any]:
        answers: dict[str, Any] = json.loads(self.fernet.decrypt(token.encode("ascii")))
        return answers

    def subject_hmac(self, code: str) -> str:
        """A keyed hash of a personal code, to correlate applications without storing the code."""
        digits = compact_personal_code(code).replace("-", "")
        return hmac.new(self.pepper, digits.encode("ascii", "replace"), hashlib.sha256).hexdigest()


def _default_key_file() -> Path:
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env)
    from common.paths import user_data_dir

    return user_data_dir() / "gateway-applications.key"


def _load_or_create_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key
