"""Signed QR payloads: sign/verify in-process and through the real `kiosk receipt` CLI."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zxingcpp
from escpos_decode import decode, model_pages
from PIL import Image

from common.signing import (
    SignedLine,
    Signer,
    VerificationError,
    countersign,
    demo_keys_dir,
    demo_signer,
    generate_kiosk_key,
    load_public_keys,
    sign,
    verify,
)
from printer.samples import sample, signed_payment

WHEN = datetime(2026, 11, 27, 9, 41, 5, tzinfo=UTC)
LINES = [SignedLine(4218, "CESIS-NIN", "2026000457"), SignedLine(1975, "CESU-UDENS", "UK-118204")]


def kiosk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, env=env,
                          timeout=60)


def flip(text: str, index: int) -> str:
    c = text[index]
    new = str((int(c) + 1) % 10) if c.isdigit() else ("B" if c != "B" else "C")
    return text[:index] + new + text[index + 1:]


def test_sign_and_verify_roundtrip(tmp_path: Path) -> None:
    signer = generate_kiosk_key(tmp_path / "cesis-k1-2026.key.pem")
    assert stat.S_IMODE(os.stat(tmp_path / "cesis-k1-2026.key.pem").st_mode) == 0o600
    keys = load_public_keys(tmp_path)
    s = sign(signer, kiosk_id="cesis-k1", receipt_no="cesis-k1.1-7", time=WHEN, total_cents=6193,
             method="C", lines=LINES, verify_base="https://verify.example.lv/r/")
    assert s.url.startswith("https://verify.example.lv/r/KV1~cesis-k1-2026~cesis-k1~cesis-k1.1-7~20261127T094105Z~6193~EUR~C~")
    assert len(s.payload.split("~")) == 11 and len(s.url) < 220
    rec = verify(s.url, keys)
    assert (rec.receipt_no, rec.total_cents, rec.method, rec.demo) == ("cesis-k1.1-7", 6193, "C", False)
    assert rec.short_code == s.short_code and len(s.short_code) == 12  # 4-3-3: XXXX-XXX-XXX
    # Every single changed character of the signed part is caught.
    for i in range(len("KV1~"), len(s.payload)):
        if s.payload[i] == "~":
            continue
        with pytest.raises(VerificationError):
            verify(flip(s.payload, i), keys)


def test_no_personal_data_and_chain() -> None:
    doc = signed_payment()
    assert "J*** B" not in doc.verify_url and "Nekustam" not in doc.verify_url
    s1 = sign(demo_signer(), kiosk_id="k", receipt_no="k.1-1", time=WHEN, total_cents=1, method="N", lines=LINES)
    s2 = sign(demo_signer(), kiosk_id="k", receipt_no="k.1-2", time=WHEN, total_cents=1, method="N", lines=LINES,
              prev_ksig=s1.ksig)
    assert s1.payload.split("~")[9] == "AAAAAAAAAAA"  # first of the chain
    assert s2.payload.split("~")[9] != s1.payload.split("~")[9]


def test_demo_key_needs_allow_demo_and_unknown_key_fails(tmp_path: Path) -> None:
    demo_keys = load_public_keys(demo_keys_dir())
    s = sign(demo_signer(), kiosk_id="demo-zoseni-1", receipt_no="x.1-1", time=WHEN, total_cents=5, method="N",
             lines=LINES)
    with pytest.raises(VerificationError) as e:
        verify(s.url, demo_keys)
    assert e.value.reason == "demo-key"
    assert verify(s.url, demo_keys, allow_demo=True).demo
    other = Signer(kid="cesis-k9-2026", private_key=generate_kiosk_key(tmp_path / "a.key.pem").private_key)
    s2 = sign(other, kiosk_id="k", receipt_no="k.1-1", time=WHEN, total_cents=5, method="N", lines=LINES)
    with pytest.raises(VerificationError) as e:
        verify(s2.payload, demo_keys, allow_demo=True)
    assert e.value.reason == "unknown-key"
    with pytest.raises(VerificationError) as e:
        verify("https://kac.cesis.lv/r/KV1~x~y", demo_keys)
    assert e.value.reason == "malformed"


def test_server_countersignature(tmp_path: Path) -> None:
    kiosk_signer = generate_kiosk_key(tmp_path / "k1-2026.key.pem")
    server = generate_kiosk_key(tmp_path / "srv-2026.key.pem")
    keys = load_public_keys(tmp_path)
    s = sign(kiosk_signer, kiosk_id="k1", receipt_no="k1.1-1", time=WHEN, total_cents=100, method="C", lines=LINES)
    both = countersign(s.payload, server)
    assert verify(both, keys).server_kid == "srv-2026"
    with pytest.raises(VerificationError) as e:
        verify(both[:-3] + ("AAA" if both[-3:] != "AAA" else "BBB"), keys)
    assert e.value.reason == "bad-server-signature"


def test_cli_verifies_the_qr_of_a_rendered_receipt(tmp_path: Path, cli_env: dict[str, str]) -> None:
    """render (58 mm, raster QR) -> decode bytes -> read the QR image -> `kiosk receipt verify`."""
    out = tmp_path / "r.bin"
    r = kiosk("receipt", "render", "--sample", "payment", "--width", "58", "--format", "escpos", "--out", str(out),
              env=cli_env)
    assert r.returncode == 0, r.stderr
    from printer.models import get_model

    dec = decode(out.read_bytes(), model_pages(get_model("generic-58")))
    urls = [res.text for ev in dec.of("raster") for res in zxingcpp.read_barcodes(ev.image.convert("L"))
            if res.text.startswith("https://")]
    assert len(urls) == 1
    url = urls[0]
    ok = kiosk("receipt", "verify", "--demo", url, env=cli_env)
    assert ok.returncode == 0, ok.stderr
    assert "demo-zoseni-1.1-42" in ok.stdout and "70,55 €" in ok.stdout and "DEMO" in ok.stdout
    plain = kiosk("receipt", "verify", url, env=cli_env)
    assert plain.returncode != 0 and "demo-key" in plain.stderr
    payload_start = url.index("KV1~")
    # One changed character in the amount, and one in the signature.
    total_at = payload_start + url[payload_start:].index("~7055~") + 1
    bad = kiosk("receipt", "verify", "--demo", flip(url, total_at), env=cli_env)
    assert bad.returncode == 1 and "bad-signature" in bad.stderr
    bad2 = kiosk("receipt", "verify", "--demo", flip(url, len(url) - 5), env=cli_env)
    assert bad2.returncode == 1 and "NOT VALID" in bad2.stderr


def test_cli_native_qr_payload_and_own_keys(tmp_path: Path, cli_env: dict[str, str]) -> None:
    from printer.models import get_model

    out = tmp_path / "r80.bin"
    assert kiosk("receipt", "render", "--sample", "cash", "--printer-model", "generic-80", "--format", "escpos",
                 "--out", str(out), env=cli_env).returncode == 0
    (qr,) = decode(out.read_bytes(), model_pages(get_model("generic-80"))).of("qr")
    assert kiosk("receipt", "verify", "--demo", qr.text, env=cli_env).returncode == 0
    signer = generate_kiosk_key(tmp_path / "keys" / "cesis-k2-2026.key.pem")
    own = sign(signer, kiosk_id="cesis-k2", receipt_no="cesis-k2.1-1", time=WHEN, total_cents=250, method="N",
               lines=LINES)
    good = kiosk("receipt", "verify", "--keys", str(tmp_path / "keys"), own.url, env=cli_env)
    assert good.returncode == 0 and "cesis-k2.1-1" in good.stdout and "DEMO" not in good.stdout
    unknown = kiosk("receipt", "verify", "--demo", own.url, env=cli_env)
    assert unknown.returncode == 1 and "unknown-key" in unknown.stderr


def test_cli_server_keys_refuse_a_kiosk_key_as_countersigner(tmp_path: Path,
                                                              cli_env: dict[str, str]) -> None:
    """Regression: `kiosk receipt verify --keys` took any key of the folder as the gateway's
    countersignature, so a kiosk could confirm its own receipt. With `--server-keys` only the
    gateway's keys countersign."""
    kiosk_signer = generate_kiosk_key(tmp_path / "keys" / "k1-2026.key.pem")
    other_kiosk = generate_kiosk_key(tmp_path / "keys" / "k2-2026.key.pem")
    server = generate_kiosk_key(tmp_path / "server" / "srv-2026.key.pem")
    s = sign(kiosk_signer, kiosk_id="k1", receipt_no="k1.1-1", time=WHEN, total_cents=100, method="C",
             lines=LINES)
    forged = countersign(s.payload, other_kiosk)
    genuine = countersign(s.payload, server)
    keys, servers = str(tmp_path / "keys"), str(tmp_path / "server")
    bad = kiosk("receipt", "verify", "--keys", keys, "--server-keys", servers, forged, env=cli_env)
    assert bad.returncode == 1 and "bad-server-signature" in bad.stderr, bad.stdout + bad.stderr
    good = kiosk("receipt", "verify", "--keys", keys, "--server-keys", servers, genuine, env=cli_env)
    assert good.returncode == 0 and "srv-2026" in good.stdout, good.stderr


def test_cli_render_png(tmp_path: Path, cli_env: dict[str, str]) -> None:
    out = tmp_path / "a.png"
    r = kiosk("receipt", "render", "--sample", "application", "--width", "80", "--format", "png", "--out", str(out),
              env=cli_env)
    assert r.returncode == 0, r.stderr
    assert Image.open(out).width > 576
    bad = kiosk("receipt", "render", "--sample", "payment", "--printer-model", "nope", "--out", str(out), env=cli_env)
    assert bad.returncode == 2 and "unknown printer model" in bad.stderr


def test_sample_receipt_uses_demo_key() -> None:
    doc = sample("payment")
    assert doc.demo and "~demo-2026~" in doc.verify_url
