"""Below the UI (common/, kiosk/, printer/, gateway/, launcher/) nothing imports Kivy at import time
(docs/architecture.md, "Layers"); the UI package itself imports none until a screen is built.

Each package is walked in a fresh subprocess and every module imported; packages not written yet
are skipped. A module that fails to import for another reason fails the test (with its error).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import importlib, json, pkgutil, sys
pkg_name = sys.argv[1]
try:
    pkg = importlib.import_module(pkg_name)
except ModuleNotFoundError as exc:
    if exc.name == pkg_name:
        print(json.dumps({"missing": True})); raise SystemExit(0)
    raise
imported, errors = [pkg_name], {}
for info in pkgutil.walk_packages(pkg.__path__, pkg_name + "."):
    if info.name.endswith(".__main__"):
        continue
    if ".migrations." in info.name:  # Alembic scripts: loaded only by Alembic, with its context
        continue
    try:
        importlib.import_module(info.name)
        imported.append(info.name)
    except Exception as exc:
        errors[info.name] = repr(exc)
kivy = sorted(m for m in sys.modules if m == "kivy" or m.startswith("kivy."))
print(json.dumps({"missing": False, "imported": imported, "errors": errors, "kivy": kivy}))
"""


@pytest.mark.parametrize("package", ["common", "kiosk", "printer", "gateway", "launcher"])
def test_core_package_imports_no_kivy(package):
    proc = subprocess.run([sys.executable, "-c", PROBE, package], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["missing"]:
        pytest.skip(f"package {package} does not exist yet")
    assert result["errors"] == {}
    assert result["kivy"] == [], f"Kivy loaded by importing {package}: {result['kivy'][:5]}"
    if package == "kiosk":
        assert {"kiosk.services", "kiosk.visit", "kiosk.speech"} <= set(result["imported"])


def test_the_probe_would_see_kivy():
    proc = subprocess.run([sys.executable, "-c", "import screens.app, sys; print('kivy' in sys.modules)"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"KIVY_NO_ARGS": "1", "KIVY_NO_CONFIG": "1", "KIVY_LOG_MODE": "PYTHON",
                               "PATH": "/usr/bin:/bin"})
    assert proc.stdout.strip() == "True", proc.stderr[-2000:]
