"""Runs the real KioskApp in its own process (an App cannot be restarted in-process)
and drives it from a scenario on the same asyncio loop; prints one JSON line of findings.

    python tests/gui/drive_app.py locked|demo
"""

from __future__ import annotations

import asyncio
import json
import sys

from kiosk.config import parse
from kiosk.speech import SilentSpeech
from launcher.run import build_services
from screens.kivy_env import apply_kivy_environment


def main(mode: str) -> int:
    locked = mode == "locked"
    data = {"display": {"lockdown": True, "fullscreen": False}} if locked else {}
    # Demo services (demo signing key), but locked down as the config says.
    cfg = parse(data, demo=True)
    apply_kivy_environment(cfg, headless=True)
    from screens import app as app_mod

    app_mod.configure_kivy(cfg, windowed=True)
    from kivy.base import EventLoop
    from kivy.clock import Clock
    from kivy.config import Config
    from kivy.core.window import Window

    services = build_services(cfg, speech=SilentSpeech())
    app = app_mod.KioskApp(services)
    found: dict[str, object] = {"mode": mode}

    async def frames(n: int = 3) -> None:
        for _ in range(n):
            await asyncio.sleep(1 / 30)

    async def scenario() -> None:
        try:
            while not app.ready:
                await asyncio.sleep(0.01)
            found["inputs"] = [k for k, _ in Config.items("input")]
            found["show_cursor"] = Window.show_cursor
            app.shell.go("librarian")
            await frames()
            # An error in a UI callback: logged, back to Home, the app keeps running.
            Clock.schedule_once(lambda _dt: 1 / 0, 0)
            await frames(5)
            found["after_error_screen"] = app.shell.manager.current
            found["after_error_running"] = EventLoop.status == "started"
            # Escape (as SDL delivers it), F1, and a window-manager close request.
            Window.dispatch("on_key_down", 27, 41, None, [])
            Window.dispatch("on_keyboard", 27, 41, None, [])
            await frames()
            found["after_escape_running"] = EventLoop.status == "started"
            Window.dispatch("on_keyboard", 282, 58, None, [])
            await frames()
            found["settings_opened"] = app._app_settings is not None
            found["close_refused"] = bool(Window.dispatch("on_request_close"))
            await frames()
            found["after_close_running"] = EventLoop.status == "started"
            found["root_on_window"] = app.root is not None and app.root.parent is Window
        finally:
            print(json.dumps(found), flush=True)
            if EventLoop.status == "started":
                app.stop()

    async def run() -> None:
        task = asyncio.get_running_loop().create_task(scenario())
        await app.async_run(async_lib="asyncio")
        await asyncio.wait_for(task, 5)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
