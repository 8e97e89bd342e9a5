"""The gallery: every registered screen, in each of its gallery states, as PNG.

`kiosk gallery` (launcher.gallery) renders every registered screen, in each of its gallery states, headless to
`DIR/<screen>[.<state>]-<lang>[-large][-contrast].png`. Normal text and contrast are always
rendered; --large-text and --high-contrast add those variants (and their combination).
No Kivy import at module level: the CLI imports this module before Kivy's environment is set.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import KioskConfig
    from kiosk.services import Services


def gallery_name(screen: str, state: str, lang: str, large: bool, contrast: bool) -> str:
    return (f"{screen}{'.' + state if state else ''}-{lang}"
            f"{'-large' if large else ''}{'-contrast' if contrast else ''}.png")


def gallery_config(cfg: KioskConfig, scratch: str) -> KioskConfig:
    """What a production config means for the pictures: its panel (`[display]` size and mm), its
    place, languages and accessibility; the demo's gateway, terminal and printer, because the
    gallery never talks to the real ones (`kiosk gallery --config FILE`)."""
    from kiosk.config import KioskConfig

    kiosk = cfg.kiosk.model_copy(update={"data_dir": scratch, "signing_key_file": ""})
    display = cfg.display.model_copy(update={"fullscreen": False, "lockdown": False})
    return KioskConfig().model_copy(update={
        "kiosk": kiosk, "display": display, "accessibility": cfg.accessibility,
        "timeouts": cfg.timeouts, "demo": True})


def render(cfg: KioskConfig, out: Path, langs: list[str], *,
           build_services: Callable[..., Services], large_text: bool = False,
           high_contrast: bool = False) -> list[Path]:
    """Render every screen state; `build_services(cfg, speech=...)` comes from the composition root."""
    from kiosk.speech import SilentSpeech
    from screens.kivy_env import apply_kivy_environment

    if "kivy" not in sys.modules:
        apply_kivy_environment(cfg, headless=True)
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
        from screens.app import configure_kivy

        configure_kivy(cfg, windowed=True)
    from kivy.base import EventLoop
    from kivy.uix.screenmanager import NoTransition

    from screens.shell import Shell

    EventLoop.ensure_window()
    window = EventLoop.window
    # Demo data in a throw-away folder: the gallery never touches a running kiosk's journal,
    # gateway file or terminal lock.
    import tempfile

    scratch = tempfile.mkdtemp(prefix="kac-gallery-")
    cfg = gallery_config(cfg, scratch)
    services = build_services(cfg, speech=SilentSpeech())
    if services.backend is not None:
        # A fresh scratch folder has nothing to recover: show the kiosk as residents see it.
        services.backend.ready.set()
    shell = Shell(services, transition=NoTransition())
    for child in list(window.children):
        window.remove_widget(child)
    window.size = (cfg.display.width_px, cfg.display.height_px)
    window.add_widget(shell.root)

    def pump(n: int = 3) -> None:
        for _ in range(n):
            EventLoop.idle()

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    variants = list(itertools.product((False, True) if large_text else (False,),
                                      (False, True) if high_contrast else (False,)))
    for name, screen in shell.screens.items():
        for state in type(screen).gallery_states():
            for lang, (large, contrast) in itertools.product(langs, variants):
                shell.end_visit()
                services.visit.set_language(lang)
                services.visit.set_large_text(large)
                services.visit.set_high_contrast(contrast)
                if name != "home":
                    shell.go(name)
                if state.prepare is not None:
                    state.prepare(screen)
                pump()
                target = out / gallery_name(name, state.name, lang, large, contrast)
                shot = window.screenshot(name=str(target.with_suffix("")) + "-.png")
                os.replace(shot, target)
                written.append(target)
    shell.end_visit()
    window.remove_widget(shell.root)
    return written
