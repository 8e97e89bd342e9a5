"""The local security envelope: published known-answer vectors and a round trip with the simulator."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest

from kiosk.terminal import messages
from kiosk.terminal.base import OutcomeStatus
from kiosk.terminal.envelope import DerivedKey, Envelope, EnvelopeError
from kiosk.terminal.sim_process import start_simulator

from .conftest import FIXTURES, POI, http_driver

VECTORS = [
    ("adyen_node_payment_sync_encrypted_success.json", "p@ssw0rd123456",
     "CryptoKeyIdentifier12345", 1),
    ("adyen_node_encrypted_event_notification.json", "P@ssw0rd123456", "Key123456789crypt", 1),
]


@pytest.mark.parametrize("name,passphrase,key_id,version", VECTORS)
def test_published_vector_decrypts_and_reseals_identically(name: str, passphrase: str,
                                                           key_id: str, version: int) -> None:
    wire = json.loads((FIXTURES / name).read_text())
    env = Envelope(passphrase, key_id, version)
    plain = env.open(wire)
    assert b"PaymentResponse" in plain
    # Known answer for our encryption too: same key, same nonce -> the published blob and HMAC.
    root = wire["SaleToPOIResponse"]
    nonce = base64.b64decode(root["SecurityTrailer"]["Nonce"])
    resealed = env.seal(plain, "SaleToPOIResponse", root["MessageHeader"], nonce=nonce)
    assert resealed["SaleToPOIResponse"]["NexoBlob"].replace("\\/", "/") == \
        root["NexoBlob"].replace("\\/", "/")
    assert resealed["SaleToPOIResponse"]["SecurityTrailer"]["Hmac"] == \
        root["SecurityTrailer"]["Hmac"]


def test_tampered_and_wrong_key_are_rejected() -> None:
    name, passphrase, key_id, version = VECTORS[0]
    wire = json.loads((FIXTURES / name).read_text())
    env = Envelope(passphrase, key_id, version)
    blob = bytearray(base64.b64decode(wire["SaleToPOIResponse"]["NexoBlob"]))
    blob[40] ^= 0x01  # flips a bit of the plaintext block after it: HMAC must catch it
    tampered = json.loads(json.dumps(wire))
    tampered["SaleToPOIResponse"]["NexoBlob"] = base64.b64encode(bytes(blob)).decode()
    with pytest.raises(EnvelopeError):
        env.open(tampered)
    bad_mac = json.loads(json.dumps(wire))
    bad_mac["SaleToPOIResponse"]["SecurityTrailer"]["Hmac"] = base64.b64encode(b"x" * 32).decode()
    with pytest.raises(EnvelopeError):
        env.open(bad_mac)
    with pytest.raises(EnvelopeError):
        Envelope("wrong-passphrase", key_id, version).open(wire)


def test_key_derivation_lengths() -> None:
    k = DerivedKey.from_passphrase("p@ssw0rd123456")
    assert (len(k.hmac_key), len(k.cipher_key), len(k.iv)) == (32, 32, 16)


@pytest.fixture(scope="module")
def sealed_sim(tmp_path_factory: pytest.TempPathFactory):
    secret = tmp_path_factory.mktemp("keys") / "passphrase"
    secret.write_text("kiosk-test-passphrase\n")
    secret.chmod(0o600)
    with start_simulator(slow_s=0.3, passphrase_file=secret, key_identifier="KioskKey1",
                         key_version=3) as proc:
        yield proc


def test_payment_round_trip_through_the_envelope(sealed_sim, sale_id: str) -> None:
    env = Envelope("kiosk-test-passphrase", "KioskKey1", 3)

    async def run() -> None:
        driver = http_driver(sealed_sim.nexo_url, sale_id, envelope=env)
        try:
            out = await driver.pay("E1", 1250, sale_txn_id="tx-e1")
            assert out.status is OutcomeStatus.APPROVED and out.amount_cents == 1250
            st = await driver.status("E1", "E2")
            assert st.status is OutcomeStatus.APPROVED
            # The wrong key: the terminal cannot open it, and we cannot trust its reply.
            wrong = http_driver(sealed_sim.nexo_url, sale_id,
                                envelope=Envelope("another", "KioskKey1", 3))
            out = await wrong.pay("E3", 100, sale_txn_id="tx-e3")
            assert out.status is OutcomeStatus.DECLINED and out.error_condition == "Reject"
            await wrong.aclose()
        finally:
            await driver.aclose()

    asyncio.run(run())


def test_simulator_rejects_tampered_and_clear_requests(sealed_sim, sale_id: str) -> None:
    env = Envelope("kiosk-test-passphrase", "KioskKey1", 3)
    req = messages.payment_request("F1", 500, sale_txn_id="t", timestamp="2026-01-01T00:00:00Z",
                                   sale_id=sale_id, poi_id=POI)
    hdr = req["SaleToPOIRequest"]["MessageHeader"]
    sealed = env.seal(messages.dumps(req), "SaleToPOIRequest", hdr)
    sealed["SaleToPOIRequest"]["SecurityTrailer"]["Hmac"] = base64.b64encode(b"\0" * 32).decode()
    with httpx.Client(trust_env=False) as client:
        r = client.post(sealed_sim.nexo_url, content=messages.dumps(sealed))
        assert messages.reject_detail(r.json()) == "Crypto error"
        r = client.post(sealed_sim.nexo_url, content=messages.dumps(req))
        assert messages.reject_detail(r.json()) == "Crypto error"
        # The good envelope still works and the response is sealed (HMAC checked on opening).
        ok = env.seal(messages.dumps(req), "SaleToPOIRequest", hdr)
        r = client.post(sealed_sim.nexo_url, content=messages.dumps(ok))
        body = r.json()
        assert "NexoBlob" in body["SaleToPOIResponse"]
        answer = messages.loads(env.open(body))
        assert answer["SaleToPOIResponse"]["PaymentResponse"]["Response"]["Result"] == "Success"
