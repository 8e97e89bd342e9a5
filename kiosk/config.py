"""The kiosk's TOML configuration: every key has a default; errors name the key.

One pydantic model per section, strict types (TOML already has types: "5" is not a number) and no
unknown keys or sections, so a typo is an error naming it instead of a silently ignored setting.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ConfigError(Exception):
    """An invalid config file; `str()` names the file, the key and what is wrong."""

    def __init__(self, path: Path | None, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        where = f"{path}: " if path else ""
        super().__init__("\n".join(f"{where}{key}: {msg}" for key, msg in problems))


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class KioskSection(Section):
    id: str = "demo-zoseni-1"
    location: str = "zoseni"
    location_name: str = "Zosēnu bibliotēka"  # printed on receipts, shown to residents
    municipality: str = "Cēsu novada pašvaldība"
    # Data protection officer's contact, named in the privacy notice before an application is sent.
    dpo_contact: str = "Cēsu novada pašvaldības datu aizsardzības speciālists, dati@cesunovads.lv"
    # Bumped when a kiosk is re-provisioned (new disk), so receipt numbers and terminal
    # ServiceIDs never repeat (docs/architecture.md, "Money and receipt states").
    generation: int = Field(default=1, ge=1, le=1295)
    data_dir: str = ""  # empty: the per-user data folder
    languages: list[Literal["lv", "en", "ru"]] = ["lv", "en", "ru"]
    default_language: Literal["lv", "en", "ru"] = "lv"
    signing_key_file: str = ""  # Ed25519 private key (PEM, mode 0600); empty in the demo


class GatewaySection(Section):
    url: str = ""  # empty: the embedded demo gateway
    token_file: str = ""
    timeout_s: float = Field(default=10.0, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    retry_backoff_s: float = Field(default=0.5, ge=0)
    # How often postings and applications queued while the gateway was down are sent again.
    outbox_retry_s: float = Field(default=60.0, gt=0)
    # A posting still failing after this many attempts goes to manual review (`kiosk journal
    # list`); one the gateway refuses for good goes there at once.
    post_max_attempts: int = Field(default=2880, ge=1)


class TerminalSection(Section):
    driver: Literal["simulator", "nexo"] = "simulator"
    endpoint: str = ""
    poi_id: str = "SIM-POI-1"
    sale_id: str = ""
    key_identifier: str = ""
    key_version: int = 0
    passphrase_file: str = ""
    api_key_file: str = ""
    payment_timeout_s: float = Field(default=120.0, gt=0)
    status_retry_s: float = Field(default=5.0, gt=0)
    recovery_deadline_s: float = Field(default=300.0, gt=0)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    lock_file: str = ""  # empty: <data_dir>/terminal.lock
    scenarios: bool = False  # demo simulator: apply the cent-based outcomes
    simulated_delay_s: float = Field(default=2.0, ge=0)
    verify_certificate: bool = True
    ca_file: str = ""


class PrinterSection(Section):
    model: str = "generic-80"
    device: Literal["preview", "usb", "network", "serial", "file", "cups"] = "preview"
    host: str = ""
    port: int = 9100
    usb_vendor: int = 0
    usb_product: int = 0
    serial_port: str = ""
    baudrate: int = 19200
    path: str = ""  # device "file": where the bytes go
    cups_printer: str = ""
    spool_dir: str = ""  # preview/spool; empty: <data_dir>/spool
    # Printed jobs are kept this long, then removed (previews only for the visit that printed
    # them); the journal and the signature chain, the proof, are never removed from the spool.
    spool_retention_days: int = Field(default=30, ge=1)
    raster_only: bool = False
    cash_drawer: bool = False
    timeout_s: float = Field(default=5.0, gt=0)
    models_file: str = ""  # empty: the shipped config/printers.toml
    verify_url_base: str = "https://kac.cesis.lv/r/"  # receipt QR = this + signed payload


class TimeoutsSection(Section):
    inactivity_warning_s: float = Field(default=90.0, gt=0)
    inactivity_reset_s: float = Field(default=30.0, gt=0)
    reservation_ttl_s: float = Field(default=600.0, gt=0)


class DisplaySection(Section):
    # None = decided by the mode: the demo runs windowed, a configured kiosk full-screen.
    fullscreen: bool | None = None
    lockdown: bool | None = None
    width_px: int = Field(default=1280, ge=320)
    height_px: int = Field(default=800, ge=240)
    # Physical panel width; with width_px it gives the density so dp/sp are real millimetres.
    panel_width_mm: float = Field(default=0.0, ge=0)


class AccessibilitySection(Section):
    speech: bool = False
    large_text_scale: float = Field(default=1.5, ge=1.0, le=3.0)
    # The smallest text any screen may show, as the font's em height on the panel (the
    # accessibility check in tests/gui walks every screen against it; [display] gives the mm).
    min_text_mm: float = Field(default=3.0, gt=0, le=20)
    high_contrast: bool = False


class JournalSection(Section):
    path: str = ""  # empty: <data_dir>/journal.sqlite3
    retention_days: int = Field(default=30, ge=1)


class DeskSection(Section):
    """The librarian's desk (docs/architecture.md, "The librarian's desk")."""

    # Where on Home a long press opens the PIN pad; nothing a resident taps lives there.
    corner: Literal["top-left", "top-right", "bottom-left", "bottom-right"] = "top-left"
    hold_s: float = Field(default=3.0, ge=1.0, le=30.0)
    # The desk locks itself after this long without a touch (also on "Lock" and on Home); a
    # countdown shows for the last part of it.
    inactivity_lock_s: float = Field(default=60.0, gt=0)
    # A lookup by person, cash, or the desk entered from a resident screen asks for the PIN
    # again once it was neither typed nor used for this long (like sudo's timestamp).
    pin_fresh_s: float = Field(default=120.0, gt=0)


class ServiceSection(Section):
    """Running unattended under systemd (docs/architecture.md, "Running unattended")."""

    # Local time (Europe/Riga) of the daily restart on an idle Home; "" = never.
    nightly_restart: str = Field(default="03:30", pattern=r"^$|^([01][0-9]|2[0-3]):[0-5][0-9]$")
    # How long after nightly_restart an idle Home may still start it; then the night is skipped.
    nightly_restart_window_min: float = Field(default=120.0, gt=0, le=1440)
    # How often the kiosk reports its health to the gateway (POST /api/v1/kiosk-status).
    heartbeat_s: float = Field(default=60.0, ge=5)
    # Log lines on stderr (the journal under systemd): "keyvalue" or "json".
    log_format: Literal["keyvalue", "json"] = "keyvalue"


class KioskConfig(Section):
    kiosk: KioskSection = KioskSection()
    gateway: GatewaySection = GatewaySection()
    terminal: TerminalSection = TerminalSection()
    printer: PrinterSection = PrinterSection()
    timeouts: TimeoutsSection = TimeoutsSection()
    display: DisplaySection = DisplaySection()
    accessibility: AccessibilitySection = AccessibilitySection()
    journal: JournalSection = JournalSection()
    service: ServiceSection = ServiceSection()
    desk: DeskSection = DeskSection()
    # Set by load(), not by the file: True when no config file was given (the demo).
    demo: bool = Field(default=True, exclude=True)
    source: str = Field(default="", exclude=True)

    @property
    def embedded_gateway(self) -> bool:
        return not self.gateway.url

    @property
    def fullscreen(self) -> bool:
        return (not self.demo) if self.display.fullscreen is None else self.display.fullscreen

    @property
    def lockdown(self) -> bool:
        return (not self.demo) if self.display.lockdown is None else self.display.lockdown

    def data_dir(self) -> Path:
        from common.paths import user_data_dir

        return Path(self.kiosk.data_dir) if self.kiosk.data_dir else user_data_dir()


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    out = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            msg = "unknown section" if len(err["loc"]) == 1 else "unknown key"
        else:
            got = err.get("input")
            msg = f"{err['msg']} (got {got!r})" if not isinstance(got, dict) else err["msg"]
        out.append((key, msg))
    return out


def parse(data: dict[str, Any], *, path: Path | None = None, demo: bool = False) -> KioskConfig:
    if "demo" in data or "source" in data:
        bad = "demo" if "demo" in data else "source"
        raise ConfigError(path, [(bad, "unknown section")])
    try:
        cfg = KioskConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(path, _problems(exc)) from None
    return cfg.model_copy(update={"demo": demo, "source": str(path or "")})


def load(path: Path | str | None) -> KioskConfig:
    """Load a config file; None = the system config if it exists, else the demo defaults.

    A named (or system) file that is invalid raises ConfigError: never a silent fall-back to the demo.
    """
    from common.paths import system_config_file

    if path is None:
        sys_file = system_config_file()
        if not sys_file.exists():
            return KioskConfig()
        path = sys_file
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, [("(file)", exc.strerror or str(exc))]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, [("(file)", "not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [("(syntax)", str(exc))]) from None
    return parse(data, path=path, demo=False)
