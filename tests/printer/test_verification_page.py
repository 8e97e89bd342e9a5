"""The gateway's verification router (page for the QR URL, published keys)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from common.signing import generate_kiosk_key, load_public_keys, sign
from gateway.routes.receipts import build_router
from printer.samples import WHEN, signed_payment


def client(keys=None, demo=False) -> TestClient:
    app = FastAPI()
    app.include_router(build_router(keys, demo=demo))
    return TestClient(app)


def test_demo_receipt_page_and_keys() -> None:
    doc = signed_payment()
    path = doc.verify_url.split("kac.cesis.lv", 1)[1]
    c = client(demo=True)
    r = c.get(path)
    assert r.status_code == 200
    assert "demo-zoseni-1.1-42" in r.text and "70,55 €" in r.text and "DEMO" in r.text
    assert doc.verify_code in r.text
    keys = c.get("/api/v1/receipt-keys").json()["keys"]
    assert keys[0]["kid"] == "demo-2026" and keys[0]["demo"] and "BEGIN PUBLIC KEY" in keys[0]["public_key_pem"]
    # A production gateway does not trust the demo key.
    assert client(demo=False).get(path).status_code == 400


def test_real_key_and_tampering(tmp_path: Path) -> None:
    signer = generate_kiosk_key(tmp_path / "cesis-k1-2026.key.pem")
    s = sign(signer, kiosk_id="cesis-k1", receipt_no="cesis-k1.1-9", time=WHEN, total_cents=1234, method="N",
             lines=[])
    c = client(load_public_keys(tmp_path))
    ok = c.get("/r/" + s.payload)
    assert ok.status_code == 200 and "12,34 €" in ok.text and "DEMO" not in ok.text
    bad = c.get("/r/" + s.payload.replace("~1234~", "~1235~"))
    assert bad.status_code == 400 and "NAV derīgs" in bad.text
    assert client({}).get("/r/" + s.payload).status_code == 404
    assert "<script>" not in c.get("/r/<script>alert(1)</script>").text
