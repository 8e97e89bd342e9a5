"""The simulator two ways: an HTTP server process (`kiosk terminal simulate`) and an in-process driver.

The server speaks HTTP/1.1 through h11 on asyncio streams rather than an ASGI server, because two
scenarios need what ASGI cannot express: never answering (,95) and dropping the connection after the
payment went through (,96).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

import h11

from kiosk.terminal import messages
from kiosk.terminal.envelope import Envelope, EnvelopeError, is_sealed
from kiosk.terminal.nexo import NexoDriver
from kiosk.terminal.sim_terminal import DropConnection, SimTerminal, reject
from kiosk.terminal.transport import AnswerLost

log = logging.getLogger("kiosk.terminal.simulator")

MAX_BODY = 256 * 1024


class LocalTransport:
    """In-process transport to a SimTerminal; JSON goes through bytes so amounts stay exact."""

    def __init__(self, terminal: SimTerminal) -> None:
        self.terminal = terminal

    async def exchange(self, message: dict[str, Any], *, timeout_s: float,
                       lane: str = "side") -> dict[str, Any] | None:
        wire = messages.loads(messages.dumps(message))
        try:
            answer = await asyncio.wait_for(self.terminal.handle(wire), timeout=timeout_s)
        except TimeoutError:
            raise AnswerLost("timeout") from None
        except DropConnection:
            raise AnswerLost("connection dropped") from None
        return None if answer is None else messages.loads(messages.dumps(answer))

    async def aclose(self) -> None:
        return None


class SimulatorDriver(NexoDriver):
    """The demo's terminal: approves after a short visible pause; cent scenarios when enabled."""

    def __init__(self, *, sale_id: str = "KIOSK", poi_id: str = "SIM-POI-1",
                 delay_s: float = 2.0, scenarios: bool = False, slow_s: float = 5.0,
                 payment_timeout_s: float = 130.0, side_timeout_s: float = 10.0,
                 clock: Any = None) -> None:
        self.terminal = SimTerminal(poi_id=poi_id, scenarios=scenarios, approve_delay_s=delay_s,
                                    slow_s=slow_s)
        super().__init__(LocalTransport(self.terminal), sale_id=sale_id, poi_id=poi_id,
                         payment_timeout_s=payment_timeout_s, side_timeout_s=side_timeout_s,
                         clock=clock)


class SimulatorServer:
    def __init__(self, terminal: SimTerminal, *, envelope: Envelope | None = None,
                 api_key: str = "") -> None:
        self.terminal = terminal
        self.envelope = envelope
        self.api_key = api_key

    async def _answer(self, request: h11.Request, body: bytes) -> tuple[int, bytes | None]:
        """-> (HTTP status, body); body None means drop the connection without answering."""
        path = request.target.decode("ascii", "replace").split("?")[0]
        if request.method != b"POST" or path not in ("/nexo", "/sync"):
            return 404, b""
        if path == "/sync" and self.api_key:
            headers = {k.lower(): v for k, v in request.headers}
            if headers.get(b"x-api-key", b"").decode() != self.api_key:
                return 401, b"Unauthorized"
        try:
            message = messages.loads(body)
        except ValueError:
            return 200, messages.dumps(reject("Invalid JSON"))
        sealed = is_sealed(message)
        if self.envelope is not None:
            if not sealed:
                return 200, messages.dumps(reject("Crypto error"))
            try:
                message = messages.loads(self.envelope.open(message))
            except (EnvelopeError, ValueError):
                return 200, messages.dumps(reject("Crypto error"))
        elif sealed:
            return 200, messages.dumps(reject("Crypto error"))
        try:
            answer = await self.terminal.handle(message)
        except DropConnection:
            return 200, None
        if answer is None:
            return 200, b""
        plain = messages.dumps(answer)
        if self.envelope is not None and "SaleToPOIResponse" in answer:
            hdr = answer["SaleToPOIResponse"]["MessageHeader"]
            return 200, messages.dumps(self.envelope.seal(plain, "SaleToPOIResponse", hdr))
        return 200, plain

    async def serve_connection(self, reader: asyncio.StreamReader,
                               writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        request: h11.Request | None = None
        body = b""
        try:
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    data = await reader.read(65536)
                    conn.receive_data(data)
                    if not data and conn.their_state is not h11.DONE:
                        return
                    continue
                if isinstance(event, h11.Request):
                    request, body = event, b""
                elif isinstance(event, h11.Data):
                    body += event.data
                    if len(body) > MAX_BODY:
                        return
                elif isinstance(event, h11.EndOfMessage) and request is not None:
                    status, payload = await self._answer(request, body)
                    if payload is None:
                        return  # answer lost: close without a response
                    headers = [("Content-Type", "application/json"),
                               ("Content-Length", str(len(payload)))]
                    writer.write(conn.send(h11.Response(status_code=status, headers=headers)))
                    writer.write(conn.send(h11.Data(data=payload)) if payload else b"")
                    writer.write(conn.send(h11.EndOfMessage()))
                    await writer.drain()
                    if conn.our_state is h11.MUST_CLOSE:
                        return
                    conn.start_next_cycle()
                elif isinstance(event, (h11.ConnectionClosed, h11.PAUSED)):
                    return
        except (h11.RemoteProtocolError, h11.LocalProtocolError, ConnectionError):
            return
        finally:
            writer.close()


async def serve(host: str, port: int, *, terminal: SimTerminal, envelope: Envelope | None = None,
                api_key: str = "", ssl_context: ssl.SSLContext | None = None,
                ready: Any = None) -> None:
    server_obj = SimulatorServer(terminal, envelope=envelope, api_key=api_key)
    server = await asyncio.start_server(server_obj.serve_connection, host, port, ssl=ssl_context)
    sock_port = server.sockets[0].getsockname()[1]
    scheme = "https" if ssl_context else "http"
    if ready is not None:
        ready(f"{scheme}://{host}:{sock_port}")
    async with server:
        await server.serve_forever()
