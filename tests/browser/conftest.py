"""Browser tests: Chromium from Debian's packages (`chromium`, `chromium-driver`, installed by the
Makefile's DEB_TEST) driven by Selenium, against a real uvicorn gateway on loopback.

Without Chromium the tests skip on a developer's machine, and FAIL when CI=true: CI must not pass
by skipping them.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import make_driver

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gateway"))  # gw_helpers

ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts" / "browser"
CHROMIUM = ("chromium", "chromium-browser")
DRIVER = ("chromedriver",)


def _find(names: tuple[str, ...], extra: tuple[str, ...] = ()) -> str | None:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return next((p for p in extra if Path(p).exists()), None)


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing: `make setup` installs Debian's chromium and chromium-driver")
    pytest.skip(f"{what} is missing (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="session")
def chromium_paths() -> tuple[str, str]:
    browser = _find(CHROMIUM, ("/usr/lib/chromium/chromium",))
    driver = _find(DRIVER, ("/usr/lib/chromium/chromedriver",))
    try:
        import selenium  # noqa: F401
    except ImportError:
        _missing("selenium (the test extra)")
    if browser is None:
        _missing("Chromium")
    if driver is None:
        _missing("chromedriver")
    assert browser and driver
    return browser, driver


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(chromium_paths: tuple[str, str], downloads: Path) -> Iterator[Any]:
    """Chromium with JavaScript switched off: the page must work without it."""
    driver = make_driver(chromium_paths, downloads, javascript=False)
    yield driver
    driver.quit()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
