"""Adyen's local security envelope for nexo messages (docs/architecture.md, "Card terminal").

Key material is PBKDF2-HMAC-SHA1 over the passphrase (fixed salt, 4000 rounds, 80 bytes) split into
an HMAC key, an AES-256 key and an IV. Each message gets a random 16-byte nonce; the clear JSON is
encrypted with AES-256-CBC (PKCS#7) under IV xor nonce and authenticated with HMAC-SHA256 over the
*plaintext*. The MessageHeader travels in clear beside the blob so the terminal can route it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SALT = b"AdyenNexoV1Salt"
ROUNDS = 4000
CRYPTO_VERSION = 1


class EnvelopeError(Exception):
    """An envelope we cannot open: wrong key, tampered blob or HMAC, malformed trailer."""


@dataclass(frozen=True)
class DerivedKey:
    hmac_key: bytes
    cipher_key: bytes
    iv: bytes

    @classmethod
    def from_passphrase(cls, passphrase: str) -> DerivedKey:
        km = hashlib.pbkdf2_hmac("sha1", passphrase.encode("utf-8"), SALT, ROUNDS, 80)
        return cls(hmac_key=km[0:32], cipher_key=km[32:64], iv=km[64:80])


class Envelope:
    def __init__(self, passphrase: str, key_identifier: str, key_version: int) -> None:
        if not passphrase or not key_identifier:
            raise EnvelopeError("the envelope needs a passphrase and a key identifier")
        self.key = DerivedKey.from_passphrase(passphrase)
        self.key_identifier = key_identifier
        self.key_version = key_version

    def _cipher(self, nonce: bytes) -> Cipher[modes.CBC]:
        if len(nonce) != 16:
            raise EnvelopeError("nonce must be 16 bytes")
        iv = bytes(a ^ b for a, b in zip(self.key.iv, nonce, strict=True))
        return Cipher(algorithms.AES(self.key.cipher_key), modes.CBC(iv))

    def seal(self, plaintext: bytes, root: str, message_header: dict[str, Any],
             *, nonce: bytes | None = None) -> dict[str, Any]:
        """Clear message bytes -> the wire form `{root: {MessageHeader, NexoBlob, SecurityTrailer}}`."""
        nonce = nonce if nonce is not None else os.urandom(16)
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        enc = self._cipher(nonce).encryptor()
        blob = enc.update(padded) + enc.finalize()
        mac = hmac.new(self.key.hmac_key, plaintext, hashlib.sha256).digest()
        return {root: {
            "MessageHeader": message_header,
            "NexoBlob": base64.b64encode(blob).decode("ascii"),
            "SecurityTrailer": {
                "AdyenCryptoVersion": CRYPTO_VERSION,
                "KeyIdentifier": self.key_identifier,
                "KeyVersion": self.key_version,
                "Nonce": base64.b64encode(nonce).decode("ascii"),
                "Hmac": base64.b64encode(mac).decode("ascii"),
            },
        }}

    def open(self, wire: dict[str, Any]) -> bytes:
        """The wire form -> the clear message bytes; raises EnvelopeError unless the HMAC matches."""
        try:
            (_root_name, root), = wire.items()
            trailer = root["SecurityTrailer"]
            blob = base64.b64decode(root["NexoBlob"], validate=True)
            nonce = base64.b64decode(trailer["Nonce"], validate=True)
            mac = base64.b64decode(trailer["Hmac"], validate=True)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EnvelopeError(f"malformed envelope: {type(exc).__name__}") from None
        if trailer.get("KeyIdentifier") != self.key_identifier or \
                int(trailer.get("KeyVersion", -1)) != int(self.key_version):
            raise EnvelopeError("envelope sealed with another key")
        try:
            dec = self._cipher(nonce).decryptor()
            padded = dec.update(blob) + dec.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            plaintext = unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise EnvelopeError("cannot decrypt the envelope") from None
        expected = hmac.new(self.key.hmac_key, plaintext, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, mac):
            raise EnvelopeError("HMAC mismatch")
        return plaintext


def is_sealed(wire: Any) -> bool:
    if not isinstance(wire, dict) or len(wire) != 1:
        return False
    root = next(iter(wire.values()))
    return isinstance(root, dict) and "NexoBlob" in root
