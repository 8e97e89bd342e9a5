"""Receipts: the verification page the receipt QR opens (`/r/<payload>`) and the published list
of kiosk public keys (`/api/v1/receipt-keys`).

`create_app` mounts it with `build_router(keys, demo=...)`. The page is bilingual (lv/en), because
it is served without a visit language; its texts come from the catalogs (gateway.po).
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from common.i18n import N_, gettext
from common.schema import API_PREFIX
from common.signing import VerificationError, demo_keys_dir, load_public_keys, public_pem, verify
from gateway.services.kiosks import RegisteredKeys

# English msgids (gateway.po); the page shows Latvian and English together, because it is opened
# from a QR code with no visit language.
_MSGIDS = {
    "title": N_("Receipt check"),
    "valid": N_("The receipt is genuine"),
    "demo": N_("DEMO: signed with a public demo key, proves nothing"),
    "invalid": N_("The receipt is NOT valid"),
    "compare": N_("Compare with the paper"),
    "receipt": N_("Receipt no."),
    "kiosk": N_("Kiosk"),
    "time": N_("Time (UTC)"),
    "total": N_("Total"),
    "method": N_("Payment method"),
    "code": N_("Verification code"),
    "card": N_("card"),
    "cash": N_("cash"),
}
_REASON_TEXT = {
    "malformed": N_("Damaged code"),
    "unsupported-version": N_("Unknown version"),
    "unknown-key": N_("Unknown kiosk key"),
    "demo-key": N_("Demo key"),
    "bad-signature": N_("The signature does not match"),
    "bad-server-signature": N_("The server signature does not match"),
}


def _both(msgid: str) -> str:
    return f"{gettext(msgid, 'lv')} / {gettext(msgid, 'en')}"


def _t(key: str) -> str:
    return _both(_MSGIDS[key])


def _reason(code: str) -> str:
    return _both(_REASON_TEXT[code]) if code in _REASON_TEXT else code


_STYLE = ("body{font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em;font-size:1.1em}"
          ".ok{color:#0a5d1a}.bad{color:#a00000}.demo{background:#ffe9a8;padding:.5em}"
          "th{text-align:left;padding-right:1em}")
# The page runs no script and loads nothing: only its own inline style (by hash) is allowed, it
# cannot be framed, and the browser may not guess another content type (docs/architecture.md,
# "Receipts").
_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode("ascii")
    + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _page(body: str, status: int) -> HTMLResponse:
    doc = (
        "<!doctype html><html lang=\"lv\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(_t('title'))}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(_t('title'))}</h1>{body}</body></html>"
    )
    return HTMLResponse(doc, status_code=status, headers=_SECURITY_HEADERS)


def build_router(public_keys: Mapping[str, Ed25519PublicKey] | None = None, *, demo: bool = False,
                 server_keys: Mapping[str, Ed25519PublicKey] | None = None) -> APIRouter:
    """`public_keys`: kid -> key of every kiosk (old ones kept). `demo`: also trust the demo keys
    (the embedded demo gateway); demo-signed receipts are then shown, marked DEMO. `server_keys`:
    the gateway's own keys, the only ones whose countersignature the page accepts (none: no
    countersigned receipt is shown as valid)."""
    server: dict[str, Ed25519PublicKey] = dict(server_keys or {})
    keys: Mapping[str, Ed25519PublicKey]
    if isinstance(public_keys, RegisteredKeys):
        keys = public_keys  # a live view of the database's keys; create_app put the demo keys in it
    else:
        keys = dict(public_keys or {})
        if demo:
            keys.update(load_public_keys(demo_keys_dir()))
    router = APIRouter(tags=["receipt verification"])

    @router.get("/r/{payload}", response_class=HTMLResponse, summary="Verification page for a receipt QR",
                responses={400: {"description": "The receipt is not valid", "content": {"text/html": {}}},
                           404: {"description": "Signed with an unknown key", "content": {"text/html": {}}}})
    def verification_page(payload: str) -> HTMLResponse:
        try:
            rec = verify(payload, keys, allow_demo=demo, server_keys=server)
            owner = keys.owner(rec.kid) if isinstance(keys, RegisteredKeys) else None
            if owner is not None and owner != rec.kiosk_id:
                # A registered key signs only its own kiosk's receipts (docs/architecture.md, "Operations").
                raise VerificationError("unknown-key", rec.kid)
        except VerificationError as exc:
            reason = _reason(exc.reason)
            return _page(f"<p class=\"bad\"><strong>{html.escape(_t('invalid'))}</strong></p>"
                         f"<p>{html.escape(reason)}</p>", 404 if exc.reason == "unknown-key" else 400)
        euros = f"{rec.total_cents // 100},{rec.total_cents % 100:02d} €"
        rows = [
            (_t("receipt"), rec.receipt_no), (_t("kiosk"), rec.kiosk_id),
            (_t("time"), rec.time.strftime("%Y-%m-%d %H:%M:%S")), (_t("total"), euros),
            (_t("method"), _t("card") if rec.method == "C" else _t("cash")),
            # Today's code and the one receipts printed before the look-alike-free alphabet carry.
            (_t("code"), " / ".join(rec.codes)),
        ]
        table = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
        demo_note = f"<p class=\"demo\">{html.escape(_t('demo'))}</p>" if rec.demo else ""
        return _page(f"<p class=\"ok\"><strong>{html.escape(_t('valid'))}</strong></p>{demo_note}"
                     f"<p>{html.escape(_t('compare'))}</p><table>{table}</table>", 200)

    @router.get(f"{API_PREFIX}/receipt-keys", summary="Published public keys for receipt signatures")
    def receipt_keys() -> dict[str, list[dict[str, object]]]:
        return {"keys": [
            {"kid": kid, "alg": "Ed25519", "demo": kid.startswith("demo-"), "role": role,
             "public_key_pem": public_pem(key).decode("ascii")}
            for role, ring in (("kiosk", keys), ("server", server))
            for kid, key in sorted(ring.items())
        ]}

    return router
