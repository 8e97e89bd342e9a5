"""The package a kiosk installs carries no server: the gateway's libraries come with the `gateway`
extra (and `demo`, which runs the gateway in-process), never with the base install; the commands
that need them say which extra to install (docs/architecture.md, "Running unattended")."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from launcher.gateway_extra import GATEWAY_MODULES

ROOT = Path(__file__).resolve().parents[2]
SERVER = {"fastapi", "uvicorn", "sqlalchemy", "alembic", "starlette", "jinja2", "argon2-cffi", "psycopg"}
# The distribution's name of each module `launcher.gateway_extra` looks for.
DISTRIBUTION = {"argon2": "argon2-cffi"}


def _project() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_base_install_has_no_server_libraries() -> None:
    base = _names(_project()["dependencies"])
    assert not base & SERVER, sorted(base & SERVER)
    assert {"fastapi", "uvicorn", "sqlalchemy", "alembic"}.isdisjoint(base)


def test_the_gateway_demo_and_test_extras_carry_the_gateway() -> None:
    extras = _project()["optional-dependencies"]
    gateway = _names(extras["gateway"])
    assert {"fastapi", "uvicorn", "sqlalchemy", "alembic", "jinja2", "argon2-cffi"} <= gateway
    assert gateway <= _names(extras["demo"]), "the demo runs the gateway in the kiosk's process"
    assert gateway <= _names(extras["test"]), "the tests run the gateway"
    assert {DISTRIBUTION.get(m, m) for m in GATEWAY_MODULES} == gateway


def _with_gateway_hidden(*argv: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`kiosk ARGV` in a Python where the gateway's libraries cannot be imported (as after a base install)."""
    code = ("import sys\n"
            f"for name in {GATEWAY_MODULES!r}: sys.modules[name] = None\n"
            "from launcher.cli import main\n"
            f"sys.exit(main({list(argv)!r}))\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "KIOSK_DATA_DIR": str(tmp_path / "data"), "KIOSK_SYSTEM_CONFIG": str(tmp_path / "none.toml")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("argv", [
    ("gateway", "migrate", "--db", "sqlite:///never.sqlite3"),
    ("gateway", "--help"),
    ("run",),  # no config: the embedded demo
    ("gallery", "--out", "gallery-out"),
])
def test_commands_that_need_the_gateway_name_the_extra(argv: tuple[str, ...], tmp_path: Path) -> None:
    proc = _with_gateway_hidden(*argv, tmp_path=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Install the gateway extra: pip install 'kac-kiosk[gateway]'" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "never.sqlite3").exists()


def test_a_configured_kiosk_checks_its_config_without_the_gateway(tmp_path: Path) -> None:
    example = ROOT / "config" / "kiosk.example.toml"
    proc = _with_gateway_hidden("config", "check", str(example), tmp_path=tmp_path)
    assert proc.returncode == 0 and ": OK (kiosk zoseni-1" in proc.stdout, proc.stdout + proc.stderr
