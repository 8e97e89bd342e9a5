"""Build the configured terminal driver from the kiosk's config."""

from __future__ import annotations

from pathlib import Path

from common.clock import Clock
from kiosk.config import KioskConfig
from kiosk.terminal.base import TerminalDriver, TerminalError
from kiosk.terminal.envelope import Envelope
from kiosk.terminal.nexo import NexoDriver
from kiosk.terminal.simulator import SimulatorDriver
from kiosk.terminal.transport import HttpTransport, normalise_endpoint, ssl_context


def _secret(path: str, key: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise TerminalError(f"terminal.{key}: cannot read {path}: {exc.strerror}") from None


def sale_id(cfg: KioskConfig) -> str:
    return cfg.terminal.sale_id or cfg.kiosk.id


def driver_from_config(cfg: KioskConfig, *, clock: Clock | None = None) -> TerminalDriver:
    t = cfg.terminal
    side_timeout = max(t.connect_timeout_s * 2, 1.0)
    if t.driver == "simulator":
        return SimulatorDriver(sale_id=sale_id(cfg), poi_id=t.poi_id, delay_s=t.simulated_delay_s,
                               scenarios=t.scenarios, payment_timeout_s=t.payment_timeout_s,
                               side_timeout_s=side_timeout, clock=clock)
    if not t.endpoint:
        raise TerminalError("terminal.endpoint: required for the nexo driver")
    try:
        _, cloud = normalise_endpoint(t.endpoint)
    except ValueError as exc:
        raise TerminalError(f"terminal.endpoint: {exc}") from None
    envelope = None
    if t.passphrase_file or t.key_identifier:
        if not (t.passphrase_file and t.key_identifier):
            raise TerminalError("terminal.key_identifier and terminal.passphrase_file go together")
        envelope = Envelope(_secret(t.passphrase_file, "passphrase_file"), t.key_identifier,
                            t.key_version)
    api_key = _secret(t.api_key_file, "api_key_file") if t.api_key_file else ""
    if cloud and not api_key:
        raise TerminalError("terminal.api_key_file: the cloud endpoint (/sync) needs an API key")
    transport = HttpTransport(t.endpoint, envelope=envelope, api_key=api_key,
                              verify=ssl_context(verify=t.verify_certificate, ca_file=t.ca_file),
                              connect_timeout_s=t.connect_timeout_s)
    return NexoDriver(transport, sale_id=sale_id(cfg), poi_id=t.poi_id,
                      payment_timeout_s=t.payment_timeout_s, side_timeout_s=side_timeout,
                      clock=clock)
