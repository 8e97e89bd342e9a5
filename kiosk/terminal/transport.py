"""How nexo messages reach a terminal: HTTPS (local or cloud) or an in-process simulator.

A transport answers one question per request: what came back, or whether the request certainly never
arrived (`NotDelivered`) versus may have arrived (`AnswerLost`). Only the first may be read as "not
charged"; the second must be resolved with TransactionStatus.
"""

from __future__ import annotations

import ssl
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from kiosk.terminal import messages
from kiosk.terminal.envelope import Envelope, EnvelopeError, is_sealed


class NotDelivered(Exception):
    """The request never reached the terminal (connection refused, TLS failed, auth refused)."""


class AnswerLost(Exception):
    """The request may have reached the terminal but no trustworthy answer came back."""


class Transport(Protocol):
    async def exchange(self, message: dict[str, Any], *, timeout_s: float,
                       lane: str = "side") -> dict[str, Any] | None:
        """Send one request, return the answer (None: an empty body, as Abort gets)."""

    async def aclose(self) -> None: ...


def normalise_endpoint(endpoint: str) -> tuple[str, bool]:
    """-> (url, cloud). A bare `https://host:8443` gets the local `/nexo` path."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"terminal endpoint must be an http(s) URL, got {endpoint!r}")
    path = parts.path.rstrip("/")
    if not path:
        endpoint = endpoint.rstrip("/") + "/nexo"
        path = "/nexo"
    return endpoint, path.endswith("/sync")


def ssl_context(*, verify: bool, ca_file: str = "") -> ssl.SSLContext | bool:
    if not verify:
        return False
    ctx = ssl.create_default_context(cafile=ca_file or None)
    return ctx


class HttpTransport:
    """nexo over httpx: `POST <endpoint>`; the envelope for local mode, an API key for cloud mode.

    Two clients: the payment's POST stays open for minutes while Abort and TransactionStatus go
    out beside it on their own connection (docs/architecture.md, "Card terminal").
    """

    def __init__(self, endpoint: str, *, envelope: Envelope | None = None, api_key: str = "",
                 verify: ssl.SSLContext | bool = True, connect_timeout_s: float = 5.0) -> None:
        self.url, self.cloud = normalise_endpoint(endpoint)
        self.envelope = envelope
        headers = {"Content-Type": "application/json"}
        if api_key:
            headers["X-API-Key"] = api_key
        self._connect_timeout_s = connect_timeout_s
        limits = httpx.Limits(max_keepalive_connections=2, max_connections=4)
        self._clients = {
            lane: httpx.AsyncClient(headers=headers, verify=verify, limits=limits, trust_env=False)
            for lane in ("pay", "side")
        }

    async def exchange(self, message: dict[str, Any], *, timeout_s: float,
                       lane: str = "side") -> dict[str, Any] | None:
        body = messages.dumps(message)
        if self.envelope is not None:
            (root, inner), = message.items()
            body = messages.dumps(self.envelope.seal(body, root, inner["MessageHeader"]))
        timeout = httpx.Timeout(timeout_s, connect=min(self._connect_timeout_s, timeout_s))
        try:
            resp = await self._clients[lane].post(self.url, content=body, timeout=timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise NotDelivered(type(exc).__name__) from None
        except httpx.HTTPError as exc:
            raise AnswerLost(type(exc).__name__) from None
        if resp.status_code in (401, 403):
            raise NotDelivered(f"HTTP {resp.status_code}")
        if resp.status_code >= 500 or resp.status_code not in (200, 204):
            raise AnswerLost(f"HTTP {resp.status_code}")
        if not resp.content.strip():
            return None
        try:
            answer: dict[str, Any] = messages.loads(resp.content)
        except ValueError:
            raise AnswerLost("answer is not JSON") from None
        if is_sealed(answer):
            if self.envelope is None:
                raise AnswerLost("sealed answer but no envelope key configured")
            try:
                opened: dict[str, Any] = messages.loads(self.envelope.open(answer))
                return opened
            except EnvelopeError as exc:
                raise AnswerLost(f"envelope: {exc}") from None
        if self.envelope is not None and messages.reject_detail(answer) is None:
            # An unsealed "approved" could be forged by anything on the network: not trusted.
            raise AnswerLost("unsealed answer on an encrypted link")
        return answer

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
