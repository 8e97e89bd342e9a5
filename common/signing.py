"""Signed receipt QR payloads (docs/architecture.md, "Receipts"): Ed25519, verifiable offline with public keys.

Payload: `KV1~kid~kiosk_id~receipt_no~YYYYMMDDTHHMMSSZ~total_cents~EUR~C|N~lines_hash8~prev8~ksig`
optionally followed by `~skid~ssig` (a server countersignature over everything before it).
Binary fields are base64url without padding; `ksig` signs the UTF-8 text from `KV1` to `prev8`.
The QR holds `<verify_base><payload>`, e.g. `https://kac.cesis.lv/r/KV1~...`. No personal data:
only amounts, creditor ids and notice numbers (hashed), the receipt number and the kiosk.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = "KV1"
SEP = "~"
DEMO_KID_PREFIX = "demo-"
DEFAULT_VERIFY_BASE = "https://kac.cesis.lv/r/"
ZERO_PREV = bytes(8)  # prev8 of the first receipt of a kiosk generation
_TIME_FMT = "%Y%m%dT%H%M%SZ"

PublicKeys = Mapping[str, Ed25519PublicKey]


class VerificationError(Exception):
    """A payload that does not verify; `reason` is a stable code (malformed, unsupported-version,
    unknown-key, demo-key, bad-signature, bad-server-signature)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text: str) -> bytes:
    if not text or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
        raise VerificationError("malformed", "bad base64url field")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raise VerificationError("malformed", "bad base64url field") from None
    if b64u(data) != text:  # non-canonical: a changed last character could decode to the same bytes
        raise VerificationError("malformed", "non-canonical base64url field")
    return data


@dataclass(frozen=True)
class SignedLine:
    """One allocation as hashed into `lines_hash8`."""

    amount: int
    creditor_id: str
    document_no: str


def lines_hash8(lines: Iterable[SignedLine]) -> bytes:
    canon = json.dumps(
        [{"amount": ln.amount, "creditor_id": ln.creditor_id, "document_no": ln.document_no} for ln in lines],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(canon.encode("utf-8")).digest()[:8]


def prev8(prev_ksig: bytes | None) -> bytes:
    return hashlib.sha256(prev_ksig).digest()[:8] if prev_ksig else ZERO_PREV


# The short code's characters: none that a reader takes for another, on paper or when typing it
# (no 0/O/Q/D-like pairs, 1/I/L/J, 2/Z, 5/S, 6/G, 8/B, U/V): docs/architecture.md, "Receipts".
CODE_ALPHABET = "23456789ACEFHKMNPRTVWXY"
CODE_LENGTH = 10


def short_code(ksig: bytes) -> str:
    """The 10-character code printed under the QR, for people to compare or type, grouped 4-3-3
    (`7KM4-PX9-C3T`-like) so it is never mistaken for an earlier receipt's 5-5 code."""
    n = int.from_bytes(hashlib.sha256(ksig).digest(), "big")
    chars = []
    for _ in range(CODE_LENGTH):
        n, r = divmod(n, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[r])
    code = "".join(chars)
    return f"{code[:4]}-{code[4:7]}-{code[7:]}"


def legacy_short_code(ksig: bytes) -> str:
    """The code receipts printed before the look-alike-free alphabet carry (base32, 5-5): still
    shown by the verifiers, so an old paper can be compared as before."""
    code = base64.b32encode(hashlib.sha256(ksig).digest()).decode("ascii")[:10]
    return f"{code[:5]}-{code[5:]}"


def _code_key(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


@dataclass(frozen=True)
class Signer:
    kid: str
    private_key: Ed25519PrivateKey

    @property
    def demo(self) -> bool:
        return self.kid.startswith(DEMO_KID_PREFIX)

    @classmethod
    def from_pem_file(cls, path: Path | str, kid: str | None = None) -> Signer:
        """Load `<kid>.key.pem` (the kid is the file name before `.key.pem` unless given)."""
        path = Path(path)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path}: not an Ed25519 private key")
        return cls(kid=kid or _kid_from_name(path.name), private_key=key)


@dataclass(frozen=True)
class SignedReceipt:
    payload: str
    url: str
    short_code: str
    ksig: bytes


@dataclass(frozen=True)
class VerifiedReceipt:
    kid: str
    kiosk_id: str
    receipt_no: str
    time: datetime
    total_cents: int
    currency: str
    method: str  # "C" card, "N" cash (naudā)
    lines_hash8: str
    prev8: str
    short_code: str
    demo: bool
    server_kid: str = ""
    legacy_code: str = ""  # the code an earlier receipt printed for the same signature

    @property
    def codes(self) -> tuple[str, ...]:
        """Every code a genuine paper of this signature may show (today's first)."""
        return (self.short_code, self.legacy_code) if self.legacy_code else (self.short_code,)

    def matches_code(self, text: str) -> bool:
        """A code read off the paper or typed (any case, dashes or spaces) matches this receipt."""
        return _code_key(text) in {_code_key(c) for c in self.codes}


def _check_field(name: str, value: str) -> str:
    if not value or SEP in value or any(c.isspace() for c in value) or not value.isascii():
        raise ValueError(f"{name} {value!r} cannot go into a receipt payload")
    return value


def sign(
    signer: Signer,
    *,
    kiosk_id: str,
    receipt_no: str,
    time: datetime,
    total_cents: int,
    method: str,
    lines: Iterable[SignedLine],
    prev_ksig: bytes | None = None,
    verify_base: str = DEFAULT_VERIFY_BASE,
) -> SignedReceipt:
    """Sign one receipt; `prev_ksig` is the previous receipt's signature (the chain), None for the first."""
    if method not in ("C", "N"):
        raise ValueError("method is 'C' (card) or 'N' (cash)")
    if time.tzinfo is None:
        raise ValueError("time must be timezone-aware")
    body = SEP.join([
        VERSION, _check_field("kid", signer.kid), _check_field("kiosk_id", kiosk_id),
        _check_field("receipt_no", receipt_no), time.astimezone(UTC).strftime(_TIME_FMT),
        str(int(total_cents)), "EUR", method, b64u(lines_hash8(lines)), b64u(prev8(prev_ksig)),
    ])
    ksig = signer.private_key.sign(body.encode("ascii"))
    payload = body + SEP + b64u(ksig)
    return SignedReceipt(payload=payload, url=verify_base + payload, short_code=short_code(ksig), ksig=ksig)


def countersign(payload: str, server: Signer) -> str:
    """The server's countersignature appended to a kiosk payload (after the payment is confirmed)."""
    return payload + SEP + server.kid + SEP + b64u(server.private_key.sign(payload.encode("ascii")))


def extract_payload(text: str) -> str:
    """The payload from a scanned QR: a full URL (`.../r/KV1~...`) or the bare payload."""
    text = text.strip()
    idx = text.find(VERSION + SEP)
    if idx < 0:
        raise VerificationError("malformed", "no KV1 payload")
    return text[idx:].split("?")[0].split("#")[0]


def verify(
    text: str, public_keys: PublicKeys, *, allow_demo: bool = False, server_keys: PublicKeys | None = None
) -> VerifiedReceipt:
    """Verify a scanned payload (or its URL) offline; raise VerificationError(reason) if it fails.

    `server_keys`: when given, only these may countersign and none of them signs as a kiosk, so a
    kiosk's key cannot pass for the server's confirmation; without it any of `public_keys` may
    countersign (an offline check with one folder of keys).
    """
    payload = extract_payload(text)
    if not payload.isascii():
        raise VerificationError("malformed", "non-ASCII characters")
    parts = payload.split(SEP)
    if parts[0] != VERSION:
        raise VerificationError("unsupported-version", parts[0])
    if len(parts) not in (11, 13):
        raise VerificationError("malformed", f"{len(parts)} fields")
    _, kid, kiosk_id, receipt_no, ts, total, currency, method, lh, pv, ksig_text = parts[:11]
    try:
        when = datetime.strptime(ts, _TIME_FMT).replace(tzinfo=UTC)
        total_cents = int(total)
    except ValueError:
        raise VerificationError("malformed", "bad time or amount") from None
    if not total.isdigit() or currency != "EUR" or method not in ("C", "N"):
        raise VerificationError("malformed", "bad amount, currency or method")
    lh_bytes, pv_bytes, ksig = unb64u(lh), unb64u(pv), unb64u(ksig_text)
    if len(lh_bytes) != 8 or len(pv_bytes) != 8 or len(ksig) != 64:
        raise VerificationError("malformed", "bad field length")
    demo = kid.startswith(DEMO_KID_PREFIX)
    if demo and not allow_demo:
        raise VerificationError("demo-key", f"{kid} is a public demo key (use --demo to accept it)")
    key = public_keys.get(kid) if server_keys is None or kid not in server_keys else None
    if key is None:
        raise VerificationError("unknown-key", kid)
    body = SEP.join(parts[:10])
    try:
        key.verify(ksig, body.encode("ascii"))
    except InvalidSignature:
        raise VerificationError("bad-signature", f"signature does not match key {kid}") from None
    server_kid = ""
    if len(parts) == 13:
        server_kid, ssig_text = parts[11], parts[12]
        if server_kid.startswith(DEMO_KID_PREFIX) and not allow_demo:
            raise VerificationError("demo-key", server_kid)
        if server_keys is not None and server_kid not in server_keys:
            raise VerificationError("bad-server-signature", f"{server_kid} is not a server key")
        skey = (public_keys if server_keys is None else server_keys).get(server_kid)
        if skey is None:
            raise VerificationError("unknown-key", server_kid)
        try:
            skey.verify(unb64u(ssig_text), SEP.join(parts[:11]).encode("ascii"))
        except InvalidSignature:
            raise VerificationError("bad-server-signature", server_kid) from None
    return VerifiedReceipt(
        kid=kid, kiosk_id=kiosk_id, receipt_no=receipt_no, time=when, total_cents=total_cents,
        currency=currency, method=method, lines_hash8=lh, prev8=pv, short_code=short_code(ksig),
        demo=demo, server_kid=server_kid, legacy_code=legacy_short_code(ksig),
    )


# --- keys on disk: <kid>.key.pem (private, 0600) and <kid>.pub.pem (public) -----------------------

def _kid_from_name(name: str) -> str:
    for suffix in (".key.pem", ".pub.pem", ".pem"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def generate_kiosk_key(path: Path | str, kid: str | None = None) -> Signer:
    """Write a new private key (mode 0600, never world-readable even briefly) and its `.pub.pem`."""
    path = Path(path)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.chmod(path, 0o600)
    signer = Signer(kid=kid or _kid_from_name(path.name), private_key=key)
    pub_path = path.with_name(f"{signer.kid}.pub.pem")
    pub_path.write_bytes(public_pem(key.public_key()))
    return signer


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_keys(path: Path | str) -> dict[str, Ed25519PublicKey]:
    """kid -> key from a `<kid>.pub.pem` file or every `*.pub.pem` in a folder."""
    path = Path(path)
    files = sorted(path.glob("*.pub.pem")) if path.is_dir() else [path]
    keys: dict[str, Ed25519PublicKey] = {}
    for f in files:
        key = serialization.load_pem_public_key(f.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{f}: not an Ed25519 public key")
        keys[_kid_from_name(f.name)] = key
    return keys


def demo_keys_dir() -> Path:
    from common.paths import config_data_dir

    return config_data_dir() / "demo-keys"


def demo_signer() -> Signer:
    """The demo kiosk's signer: its private key is public on purpose (docs/architecture.md,
    "The embedded demo")."""
    files = sorted(demo_keys_dir().glob(f"{DEMO_KID_PREFIX}*.key.pem"))
    if not files:
        raise FileNotFoundError(f"no demo key in {demo_keys_dir()}")
    return Signer.from_pem_file(files[-1])


def is_public_demo_key(signer: Signer) -> bool:
    """Whether `signer` holds one of the public demo keys, under whatever file name or kid: a
    receipt signed with it proves nothing, since anyone can sign with it."""
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    mine = signer.private_key.public_key().public_bytes(*raw)
    return signer.demo or any(key.public_bytes(*raw) == mine
                              for key in load_public_keys(demo_keys_dir()).values())


def load_signer(signing_key_file: str, *, demo: bool) -> Signer:
    """The kiosk's signer from `[kiosk] signing_key_file`; the demo key only in the demo."""
    if signing_key_file:
        return Signer.from_pem_file(signing_key_file)
    if not demo:
        raise ValueError("kiosk.signing_key_file: required outside the demo")
    return demo_signer()
