"""Starting Debian's Chromium under Selenium for the browser tests (headless, downloads allowed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def make_driver(paths: tuple[str, str], downloads: Path, *, javascript: bool = True) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = paths[0]
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--lang=lv", "--no-first-run", "--disable-extensions"):
        opts.add_argument(arg)
    prefs: dict[str, Any] = {"download.default_directory": str(downloads), "download.prompt_for_download": False,
                             "intl.accept_languages": "lv,en"}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    opts.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service(paths[1]), options=opts)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver
