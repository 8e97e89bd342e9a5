"""The real app in its own process: `kiosk run --smoke`, a bad config, lock-down, the gallery."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "SDL_"))}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env["KIOSK_DATA_DIR"] = str(tmp_path / "data")
    env["KIOSK_SYSTEM_CONFIG"] = str(tmp_path / "no-system-config.toml")
    return env


def _kiosk(*args: str, tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=ROOT, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=timeout)


def test_kiosk_run_smoke_starts_taps_and_screenshots(tmp_path):
    out = tmp_path / "smoke.png"
    proc = _kiosk("run", "--smoke", str(out), tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "smoke test passed" in proc.stdout
    img = Image.open(out).convert("RGB")
    assert img.size == (1280, 800)
    # Back to normal contrast after the two taps: the light paper background, the DEMO banner.
    # (5, 400) is the screen's left padding: paper, not a button.
    assert sum(img.getpixel((5, 400))) > 600
    assert img.getpixel((5, 5)) != img.getpixel((5, 400))
    assert len(set(img.resize((64, 40)).getdata())) > 10  # something was drawn, not a blank frame


def test_invalid_named_config_exits_2_naming_the_key(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[timeouts]\ninactivity_warning_s = "soon"\n', encoding="utf-8")
    proc = _kiosk("run", "--config", str(bad), "--smoke", str(tmp_path / "x.png"), tmp_path=tmp_path)
    assert proc.returncode == 2
    assert "timeouts.inactivity_warning_s" in proc.stderr
    assert not (tmp_path / "x.png").exists()


def _drive(mode: str, tmp_path: Path) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "drive_app.py"), mode], cwd=ROOT,
                          env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, proc.stderr[-3000:]
    return json.loads(lines[-1])


def test_locked_kiosk_survives_escape_f1_close_and_ui_errors(tmp_path):
    found = _drive("locked", tmp_path)
    assert found["inputs"] == ["mouse"]  # exactly one input provider: no double taps
    assert found["show_cursor"] is False
    assert found["after_error_screen"] == "home" and found["after_error_running"]
    assert found["after_escape_running"]
    assert found["settings_opened"] is False
    assert found["close_refused"] is True
    assert found["after_close_running"] and found["root_on_window"]


def test_demo_can_be_closed(tmp_path):
    found = _drive("demo", tmp_path)
    assert found["after_error_screen"] == "home"
    assert found["after_escape_running"] is False  # Escape closes the windowed demo


def test_gallery_renders_every_screen(tmp_path):
    out = tmp_path / "gallery"
    # Latvian with its high-contrast variants: every screen and state, in bounded time.
    proc = _kiosk("gallery", "--out", str(out), "--lang", "lv", "--high-contrast",
                  tmp_path=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = sorted(p.name for p in out.glob("*.png"))
    for expected in ("home-lv.png", "home-lv-contrast.png", "librarian-lv.png",
                     "home.idle-warning-lv-contrast.png"):
        assert expected in names
    assert not any(n.endswith(("-en.png", "-ru.png", "-en-contrast.png", "-ru-contrast.png"))
                   for n in names)
    assert not any("-large" in n for n in names)
    assert f"{len(names)} screenshots" in proc.stdout
    a, b = (Image.open(out / n).convert("RGB") for n in ("home-lv.png", "home-lv-contrast.png"))
    assert a.getpixel((640, 400)) != b.getpixel((640, 400))
