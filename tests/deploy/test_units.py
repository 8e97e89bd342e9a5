"""deploy/: the systemd units, the kiosk's user and the printer rules (docs/install.md).

`systemd-analyze verify` must run here: CI installs systemd and cage (Makefile DEB_TEST), so a
missing binary is a failure, not a skip.
"""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PREFIX = "/opt/kac-kiosk/venv"  # where docs/install.md puts the kiosk's virtualenv


def _unit(name: str) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read(DEPLOY / name, encoding="utf-8")
    return cp


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed: `make setup` (Makefile DEB_TEST) installs it"
    return path


def test_systemd_analyze_verify_passes_on_every_unit(tmp_path):
    analyze = _tool("systemd-analyze")
    _tool("cage")  # the kiosk unit's ExecStart: verify checks that it is executable
    units = sorted(DEPLOY.glob("*.service"))
    assert {u.name for u in units} >= {"kac-kiosk.service", "kac-gateway.service"}
    if Path(PREFIX, "bin", "kiosk").exists():
        paths = [str(u) for u in units]  # an installed kiosk: the files as shipped
    else:
        # This checkout's virtualenv stands in for /opt/kac-kiosk/venv; nothing else changes.
        paths = []
        for u in units:
            text = u.read_text(encoding="utf-8")
            changed = [ln for ln in text.splitlines() if PREFIX in ln]
            assert all(ln.startswith(("ExecStart=", "#", "Documentation=")) for ln in changed), changed
            copy = tmp_path / u.name
            copy.write_text(text.replace(PREFIX + "/bin", str(Path(sys.executable).parent)),
                            encoding="utf-8")
            paths.append(str(copy))
    proc = subprocess.run([analyze, "verify", *paths], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    # Warnings (an unknown key, a bad value) do not change the exit code: none is allowed.
    assert proc.stderr.strip() == "", proc.stderr


def test_kiosk_unit_is_a_watched_hardened_cage_session_on_tty1():
    s = _unit("kac-kiosk.service")["Service"]
    assert s["Type"] == "notify" and s["NotifyAccess"] == "all"  # the kiosk is cage's child
    assert int(s["WatchdogSec"]) > 0 and s["Restart"] == "always"
    assert s["ExecStart"].startswith("/usr/bin/cage ")
    assert " -s " not in s["ExecStart"]  # no VT switching for residents
    assert s["TTYPath"] == "/dev/tty1" and s["PAMName"] == "login" and s["User"] == "kac-kiosk"
    for key, value in (("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
                       ("NoNewPrivileges", "yes"), ("StateDirectory", "kac-kiosk")):
        assert s[key] == value, key
    u = _unit("kac-kiosk.service")["Unit"]
    assert u["Conflicts"] == "getty@tty1.service"
    # Back-off: quick restarts, then the slow path after the start limit.
    assert int(u["StartLimitBurst"]) > 1 and u["OnFailure"] == "kac-kiosk-backoff.service"
    backoff = _unit("kac-kiosk-backoff.service")["Service"]
    assert "sleep" in (DEPLOY / "kac-kiosk-backoff.service").read_text()
    assert backoff["Type"] == "oneshot"


def test_gateway_unit_runs_on_postgresql_hardened():
    s = _unit("kac-gateway.service")["Service"]
    assert "postgresql+psycopg://" in s["ExecStart"] and "--db" in s["ExecStart"]
    assert "postgresql.service" in _unit("kac-gateway.service")["Unit"]["After"]
    for key, value in (("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
                       ("NoNewPrivileges", "yes"), ("StateDirectory", "kac-gateway"),
                       ("Restart", "always")):
        assert s[key] == value, key
    assert "password" not in s["ExecStart"].lower() and ":" not in s["ExecStart"].split("://")[1].split("@")[0]


def test_the_kiosk_user_can_do_nothing_else(tmp_path):
    sysusers = _tool("systemd-sysusers")
    (tmp_path / "etc").mkdir()
    proc = subprocess.run([sysusers, f"--root={tmp_path}", str(DEPLOY / "kac-kiosk.sysusers")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    [user] = [ln.split(":") for ln in (tmp_path / "etc/passwd").read_text().splitlines()]
    assert user[0] == "kac-kiosk" and user[6] == "/usr/sbin/nologin"
    assert int(user[2]) < 1000  # a system user: no login screen lists it
    [shadow] = (tmp_path / "etc/shadow").read_text().splitlines()
    assert shadow.split(":")[1].startswith("!")  # no password
    groups = [ln.split(":") for ln in (tmp_path / "etc/group").read_text().splitlines()]
    assert groups == [["kac-kiosk", "x", user[3], ""]]  # its own group only: no sudo, no video


def test_udev_rules_give_printers_to_the_kiosk_group_only():
    rules = [ln for ln in (DEPLOY / "60-kac-printers.rules").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert rules
    pair = re.compile(r'^[A-Za-z_{}]+(==|!=|=|\+=)"[^"]*"$')
    for rule in rules:
        parts = [p.strip() for p in re.split(r',\s*(?=[A-Z])', rule)]
        assert all(pair.match(p) for p in parts), rule
        assert 'MODE="0660"' in rule or "chmod 0660" in rule, rule
        assert "kac-kiosk" in rule, rule
        assert "0666" not in rule
    assert any('SUBSYSTEM=="usbmisc"' in r for r in rules)  # /dev/usb/lp*
    assert any("ID_USB_INTERFACES}==\"*:0701??:*\"" in r for r in rules)  # the USB printer class
