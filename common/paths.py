"""Where the product's shipped data and the kiosk's own runtime data live."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def assets_dir() -> Path:
    """The shipped `assets/` folder (fonts, catalogs, sounds, images)."""
    return Path(str(resources.files("common.assets")))


def config_data_dir() -> Path:
    """The shipped `config/` folder (examples, printer models, form definitions)."""
    return Path(str(resources.files("common.config_data")))


def locale_dir() -> Path:
    return assets_dir() / "locale"


def fonts_dir() -> Path:
    return assets_dir() / "fonts"


def user_data_dir() -> Path:
    """Per-user data folder (XDG), for the demo's journal, database and spool.

    KIOSK_DATA_DIR overrides it (tests, several demo instances side by side).
    """
    override = os.environ.get("KIOSK_DATA_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kac-kiosk"


def system_config_file() -> Path:
    """The config a provisioned kiosk reads when no --config is given."""
    return Path(os.environ.get("KIOSK_SYSTEM_CONFIG", "/etc/kac-kiosk/kiosk.toml"))
