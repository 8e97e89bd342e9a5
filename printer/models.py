"""Printer models from config/printers.toml: profile, width, the fixed code pages and features."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from common.paths import config_data_dir


class UnknownModelError(KeyError):
    pass


@dataclass(frozen=True)
class PrinterModel:
    name: str
    profile: str
    dots: int
    columns: int
    latvian_codepage: str = ""
    latvian_esc_t: int = 0
    russian_codepage: str = ""
    russian_esc_t: int = 0
    native_qr: bool = False
    native_barcode: bool = False
    raster_only: bool = False
    partial_cut: bool = False
    description: str = ""

    @property
    def pages(self) -> list[tuple[str, int]]:
        """(codec, ESC t slot) in the order text is tried: Latvian first, then Russian."""
        out = []
        if self.latvian_codepage:
            out.append((self.latvian_codepage, self.latvian_esc_t))
        if self.russian_codepage:
            out.append((self.russian_codepage, self.russian_esc_t))
        return out

    @property
    def paper_mm(self) -> int:
        return 58 if self.dots <= 384 else 80

    def with_raster_only(self) -> PrinterModel:
        from dataclasses import replace

        return replace(self, raster_only=True, native_qr=False, native_barcode=False)


def default_models_file() -> Path:
    return config_data_dir() / "printers.toml"


def load_models(path: Path | str | None = None) -> dict[str, PrinterModel]:
    data = tomllib.loads(Path(path or default_models_file()).read_text("utf-8"))
    models = {}
    for name, raw in data.get("models", {}).items():
        for key in ("profile", "dots", "columns"):
            if key not in raw:
                raise ValueError(f"printers.toml: models.{name}.{key} is required")
        if raw["columns"] * 12 > raw["dots"]:
            raise ValueError(f"printers.toml: models.{name}: {raw['columns']} columns do not fit {raw['dots']} dots")
        models[name] = PrinterModel(name=name, **raw)
    return models


def get_model(name: str, models_file: Path | str | None = None) -> PrinterModel:
    models = load_models(models_file)
    try:
        return models[name]
    except KeyError:
        raise UnknownModelError(f"unknown printer model {name!r} (known: {', '.join(sorted(models))})") from None


def model_for_width(width_mm: int) -> PrinterModel:
    """The generic model for a paper width (58 or 80), for previews and samples."""
    return get_model("generic-58" if width_mm == 58 else "generic-80")
