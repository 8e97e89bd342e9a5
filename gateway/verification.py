"""Receipt verification for the gateway: the page the receipt QR opens (`/r/<payload>`) and the
published list of kiosk public keys (`/api/v1/receipt-keys`).

The lead mounts it with `app.include_router(build_router(keys, demo=...))`. Only printer.signing and
FastAPI are imported, so the gateway shares no other kiosk code. The page is bilingual (lv/en) and
fixed, because it is served without a visit language; its texts live in _TEXT below.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from printer.signing import (
    Ed25519PublicKey, VerificationError, demo_keys_dir, load_public_keys, public_pem, verify,
)

_TEXT = {
    "title": "Maksājuma apliecinājuma pārbaude / Receipt check",
    "valid": "Apliecinājums ir īsts / The receipt is genuine",
    "demo": "DEMO: parakstīts ar publisku demonstrācijas atslēgu, neko neapliecina / "
            "DEMO: signed with a public demo key, proves nothing",
    "invalid": "Apliecinājums NAV derīgs / The receipt is NOT valid",
    "compare": "Salīdziniet ar papīru / Compare with the paper",
    "receipt": "Apliecinājuma Nr. / Receipt no.",
    "kiosk": "Kiosks / Kiosk",
    "time": "Laiks (UTC) / Time (UTC)",
    "total": "Summa / Total",
    "method": "Maksājuma veids / Method",
    "code": "Pārbaudes kods / Verification code",
    "card": "karte / card",
    "cash": "skaidra nauda / cash",
}
_REASONS = {
    "malformed": "Bojāts kods / Damaged code",
    "unsupported-version": "Nezināma versija / Unknown version",
    "unknown-key": "Nezināma kioska atslēga / Unknown kiosk key",
    "demo-key": "Demonstrācijas atslēga / Demo key",
    "bad-signature": "Paraksts neatbilst / Signature does not match",
    "bad-server-signature": "Servera paraksts neatbilst / Server signature does not match",
}


def _page(body: str, status: int) -> HTMLResponse:
    doc = (
        "<!doctype html><html lang=\"lv\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(_TEXT['title'])}</title>"
        "<style>body{font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em;font-size:1.1em}"
        ".ok{color:#0a5d1a}.bad{color:#a00000}.demo{background:#ffe9a8;padding:.5em}"
        "th{text-align:left;padding-right:1em}</style></head><body>"
        f"<h1>{html.escape(_TEXT['title'])}</h1>{body}</body></html>"
    )
    return HTMLResponse(doc, status_code=status, headers={"Cache-Control": "no-store"})


def build_router(public_keys: Mapping[str, Ed25519PublicKey] | None = None, *, demo: bool = False) -> APIRouter:
    """`public_keys`: kid -> key of every kiosk (old ones kept). `demo`: also trust the demo keys
    (the embedded demo gateway); demo-signed receipts are then shown, marked DEMO."""
    keys: dict[str, Ed25519PublicKey] = dict(public_keys or {})
    if demo:
        keys.update(load_public_keys(demo_keys_dir()))
    router = APIRouter(tags=["receipt verification"])

    @router.get("/r/{payload}", response_class=HTMLResponse, summary="Verification page for a receipt QR")
    def verification_page(payload: str) -> HTMLResponse:
        try:
            rec = verify(payload, keys, allow_demo=demo)
        except VerificationError as exc:
            reason = _REASONS.get(exc.reason, exc.reason)
            return _page(f"<p class=\"bad\"><strong>{html.escape(_TEXT['invalid'])}</strong></p>"
                         f"<p>{html.escape(reason)}</p>", 404 if exc.reason == "unknown-key" else 400)
        euros = f"{rec.total_cents // 100},{rec.total_cents % 100:02d} €"
        rows = [
            (_TEXT["receipt"], rec.receipt_no), (_TEXT["kiosk"], rec.kiosk_id),
            (_TEXT["time"], rec.time.strftime("%Y-%m-%d %H:%M:%S")), (_TEXT["total"], euros),
            (_TEXT["method"], _TEXT["card"] if rec.method == "C" else _TEXT["cash"]),
            (_TEXT["code"], rec.short_code),
        ]
        table = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
        demo_note = f"<p class=\"demo\">{html.escape(_TEXT['demo'])}</p>" if rec.demo else ""
        return _page(f"<p class=\"ok\"><strong>{html.escape(_TEXT['valid'])}</strong></p>{demo_note}"
                     f"<p>{html.escape(_TEXT['compare'])}</p><table>{table}</table>", 200)

    @router.get("/api/v1/receipt-keys", summary="Published public keys for receipt signatures")
    def receipt_keys() -> dict[str, list[dict[str, object]]]:
        return {"keys": [
            {"kid": kid, "alg": "Ed25519", "demo": kid.startswith("demo-"),
             "public_key_pem": public_pem(key).decode("ascii")}
            for kid, key in sorted(keys.items())
        ]}

    return router
