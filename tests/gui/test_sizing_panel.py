"""Text and targets sized from the panel's physical size.

On the example config's panel (476 mm wide, 1920 px: 4.03 px/mm), full screen at 1920x1080 and in
a 1280x800 window, with normal and larger text, every text a resident reads has capitals at least
3 mm high and every button is at least 15 mm high and wide. Measured from the real widgets of every
resident screen in every gallery state (each configuration in its own process: one Kivy window per
process, its density from `[display]`), with the configured DPI and the bundled font's own cap
height. `kiosk gallery --config FILE` renders at the config's size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "kiosk.example.toml"
MIN_CAP_MM = 3.0
MIN_TARGET_MM = 15.0
# The librarian's desk is not the resident's journey (it has its own rules).
SKIP_SCREENS = ("desk",)


def _panel() -> tuple[int, int, float]:
    display = tomllib.loads(EXAMPLE.read_text("utf-8"))["display"]
    return int(display["width_px"]), int(display["height_px"]), float(display["panel_width_mm"])


def _config(tmp_path: Path, width: int, height: int) -> Path:
    full_w, _full_h, full_mm = _panel()
    mm = full_mm * width / full_w  # a window on the same panel: the same pixels per millimetre
    path = tmp_path / f"panel-{width}x{height}.toml"
    path.write_text(f"[kiosk]\ndata_dir = \"{tmp_path / 'data'}\"\n\n[display]\nwidth_px = {width}\n"
                    f"height_px = {height}\npanel_width_mm = {mm:.3f}\n", "utf-8")
    return path


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)], ids=["1920x1080", "1280x800"])
def test_text_and_targets_are_big_enough_on_the_example_panel(tmp_path: Path, size) -> None:
    cfg = _config(tmp_path, *size)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "SDL_"))}
    env["PYTHONPATH"] = str(ROOT)  # this tree's code, whatever the virtualenv points at
    proc = subprocess.run([sys.executable, __file__, str(cfg), str(tmp_path / "shots")],
                          capture_output=True, text=True, timeout=900, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n{size[0]}x{size[1]}: {report['labels']} texts, {report['buttons']} buttons in "
          f"{report['states']} screen states; smallest capitals {report['min_cap_mm']:.2f} mm, "
          f"smallest target {report['min_target_mm']:.1f} mm; window {report['window']}")
    assert report["window"] == list(size)
    assert report["states"] > 40 and report["labels"] > 200
    assert report["small_text"] == [], report["small_text"][:15]
    assert report["small_targets"] == [], report["small_targets"][:15]
    assert report["min_cap_mm"] >= MIN_CAP_MM and report["min_target_mm"] >= MIN_TARGET_MM
    # Regression: at 1920x1080 the top quarter of Home was empty (the choices stopped growing).
    assert report["home_blank_share"] < 0.06, report["home_blank_share"]


def probe(cfg_path: Path, shots: Path) -> dict:  # pragma: no cover - runs in the child process
    """Render every resident screen state (normal and larger text) and measure its widgets."""
    from kiosk.config import load
    from screens.kivy_env import apply_kivy_environment

    cfg = load(cfg_path)
    apply_kivy_environment(cfg, headless=True)
    from PIL import ImageFont

    from screens.app import configure_kivy

    configure_kivy(cfg, windowed=True)
    from kivy.base import EventLoop
    from kivy.uix.label import Label
    from kivy.uix.screenmanager import NoTransition

    from kiosk.speech import SilentSpeech
    from launcher.run import build_services
    from screens.fonts import font_files
    from screens.shell import Shell
    from screens.widgets import KButton

    files = font_files()
    cap = {}
    for bold, key in ((False, "regular"), (True, "bold")):
        font = ImageFont.truetype(str(files[key]), 1000)
        top, bottom = font.getbbox("H")[1], font.getbbox("H")[3]
        cap[bold] = (bottom - top) / 1000
    EventLoop.ensure_window()
    window = EventLoop.window
    try:
        from screens.gallery import gallery_config
    except ImportError:  # a tree without the gallery's config: the demo's services at this panel
        cfg = cfg.model_copy(update={"kiosk": cfg.kiosk.model_copy(
            update={"data_dir": str(shots / "data")}), "demo": True})
    else:
        cfg = gallery_config(cfg, str(shots / "data"))
    services = build_services(cfg, speech=SilentSpeech())
    if services.backend is not None:
        services.backend.ready.set()
    shell = Shell(services, transition=NoTransition())
    window.size = (cfg.display.width_px, cfg.display.height_px)
    window.add_widget(shell.root)
    px_per_mm = cfg.display.width_px / cfg.display.panel_width_mm

    def visible(w) -> bool:
        node = w
        while node is not None and node is not window:
            if node.opacity <= 0.01 or (node.width <= 1 or node.height <= 1):
                return False
            node = node.parent
        return node is window

    out = {"labels": 0, "buttons": 0, "states": 0, "small_text": [], "small_targets": [],
           "min_cap_mm": 99.0, "min_target_mm": 99.0, "window": list(window.size)}
    shots.mkdir(parents=True, exist_ok=True)
    for name, screen in shell.screens.items():
        if name.startswith(SKIP_SCREENS):
            continue
        for state in type(screen).gallery_states():
            for large in (False, True):
                shell.end_visit()
                services.visit.set_large_text(large)
                if name != "home":
                    shell.go(name)
                if state.prepare is not None:
                    state.prepare(screen)
                for _ in range(4):
                    EventLoop.idle()
                where = f"{name}.{state.name or '-'}{' large' if large else ''}"
                out["states"] += 1
                for w in shell.root.walk(restrict=True):
                    if not visible(w):
                        continue
                    if isinstance(w, KButton) and not w.disabled:
                        out["buttons"] += 1
                        side = min(w.width, w.height) / px_per_mm
                        out["min_target_mm"] = min(out["min_target_mm"], side)
                        if side < MIN_TARGET_MM - 0.05:
                            out["small_targets"].append(f"{where}: {w.label!r} {side:.1f} mm")
                    if isinstance(w, Label) and w.text.strip():
                        out["labels"] += 1
                        mm = w.font_size * cap[bool(w.bold)] / px_per_mm
                        out["min_cap_mm"] = min(out["min_cap_mm"], mm)
                        if mm < MIN_CAP_MM - 0.005:
                            out["small_text"].append(f"{where}: {w.text[:40]!r} {mm:.2f} mm")
                if name == "home" and not state.name and not large:
                    # The band left empty between the heading and the first choice.
                    above = screen.ids.get("place") or screen.ids.title
                    first = max(screen.ids.choices.children, key=lambda c: c.top)
                    out["home_blank_share"] = (above.y - first.top) / window.height
                if not state.name and name in ("home", "find", "confirm", "pay"):
                    window.screenshot(name=str(shots / f"{name}{'-large' if large else ''}-.png"))
    return out


if __name__ == "__main__":  # pragma: no cover - the child process
    print(json.dumps(probe(Path(sys.argv[1]), Path(sys.argv[2]))))
