"""A production kiosk (a gateway URL in its config) never loads the gateway's stack: FastAPI,
SQLAlchemy, Alembic, uvicorn, Jinja2, argon2 and `gateway` load only for the embedded demo
(docs/architecture.md, "Running unattended"). Checked on the real `kiosk run --smoke` with
`python -X importtime`, and once more where those libraries cannot be imported at all, as after
`pip install kac-kiosk` without the `gateway` extra."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("fastapi", "sqlalchemy", "starlette", "alembic", "uvicorn", "jinja2", "argon2", "gateway")


def _imported(stderr: str) -> set[str]:
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "SDL_"))}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.update(KIOSK_DATA_DIR=str(tmp_path / "demo-data"),
               KIOSK_SYSTEM_CONFIG=str(tmp_path / "none.toml"))
    return env


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "kiosk", "run", *args,
                           "--smoke", str(tmp_path / "smoke.png")],
                          cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=120)


def _production_config(tmp_path: Path) -> Path:
    from common.signing import generate_kiosk_key

    generate_kiosk_key(tmp_path / "prod-1.pem")
    (tmp_path / "token").write_text("t\n")
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f"""[kiosk]
id = "prod-1"
data_dir = "{tmp_path / 'data'}"
signing_key_file = "{tmp_path / 'prod-1.pem'}"
[gateway]
url = "http://127.0.0.1:9"
token_file = "{tmp_path / 'token'}"
retries = 0
[display]
fullscreen = false
""", encoding="utf-8")
    return cfg


def test_production_run_imports_no_gateway_stack(tmp_path):
    proc = _run(tmp_path, "--config", str(_production_config(tmp_path)))
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = _imported(proc.stderr)
    assert "kivy" in names and "kiosk" in names  # the check sees what was imported
    assert names.isdisjoint(HEAVY), sorted(names & set(HEAVY))


def test_the_demo_loads_the_gateway_in_process(tmp_path):
    proc = _run(tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {"fastapi", "sqlalchemy", "gateway"} <= _imported(proc.stderr)


def test_production_run_needs_no_gateway_library(tmp_path):
    """`kiosk run --config` where FastAPI, SQLAlchemy, Alembic, uvicorn, Jinja2 and argon2 cannot be
    imported (a None in sys.modules refuses the import): the kiosk starts all the same."""
    from launcher.gateway_extra import GATEWAY_MODULES

    code = ("import sys\n"
            f"for name in {(*GATEWAY_MODULES, 'starlette')!r}: sys.modules[name] = None\n"
            "from launcher.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", code, "run", "--config", str(_production_config(tmp_path)),
                           "--smoke", str(tmp_path / "smoke.png")],
                          cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "smoke.png").exists()
