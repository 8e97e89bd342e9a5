from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "_artifacts" / "printer"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["KIOSK_DATA_DIR"] = str(tmp_path / "data")
    env["KIOSK_SYSTEM_CONFIG"] = str(tmp_path / "no-system-config.toml")
    env["PYTHONPATH"] = str(ROOT)
    return env
