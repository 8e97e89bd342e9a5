"""Tap to next screen: a real tap through Kivy's input path to the first frame that shows the
next screen, for every transition of the payment and application paths, beside a bare Kivy
screen switch measured in the same window in the same run (docs/architecture.md, "Running
unattended").

The real KioskApp (demo services: the embedded gateway, the terminal simulator, the preview
printer) runs headless on its asyncio loop. A tap is a touch posted to Kivy's EventLoop (down, one
frame, up) — the path SDL's events take; the clock starts when the "up" is posted (the release is
what a button acts on) and stops at the first `on_flip` after which the next screen is current.
Typing digits and letters is not timed (keys are dispatched to the keypad). Each path is walked
`--rounds` times; reported per transition: p50 and p95 in ms, and the ratio of the worst p95 to the
bare switch's p95.

    .venv/bin/python bench/bench_tap.py [--rounds 20] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BOUND_MS = 100.0  # the bound for p95 on this software-rendered machine


def pct(values: list[float], q: float) -> float:
    vs = sorted(values)
    return vs[min(len(vs) - 1, round(q * (len(vs) - 1)))]


class Bench:
    def __init__(self, app: Any, *, rest_frames: int = 4) -> None:
        from kivy.core.window import Window

        self.app = app
        self.rest_frames = rest_frames
        self.window = Window
        self.samples: dict[str, list[float]] = {}
        self._waiting: tuple[Callable[[], bool], asyncio.Future[float]] | None = None
        Window.bind(on_flip=self._flip)

    def _flip(self, *_a: Any) -> None:
        if self._waiting is not None:
            cond, fut = self._waiting
            if not fut.done() and cond():
                fut.set_result(time.perf_counter())

    async def frames(self, n: int = 1) -> None:
        for _ in range(n):
            await asyncio.sleep(1 / 60)

    async def tap(self, widget: Any, name: str, done: Callable[[], bool] | None,
                  timeout: float = 20.0) -> None:
        """Tap `widget`; with `done`, time the release to the first frame where done() holds."""
        from kivy.base import EventLoop

        from screens.smoke import SyntheticTouch

        # A resident taps once the screen has slid into place (SlideTransition, 0.25 s).
        manager = self.app.shell.manager
        while manager.transition.is_active:
            await asyncio.sleep(0.005)
        await self.frames(1)
        if widget.disabled or widget.get_root_window() is None:
            raise RuntimeError(f"{name}: {widget!r} is not tappable")
        touch = SyntheticTouch(*widget.to_window(*widget.center))
        EventLoop.post_dispatch_input("begin", touch)
        await self.frames(self.rest_frames)  # a finger rests ~60 ms
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if done is not None:
            self._waiting = (done, fut)
        t0 = time.perf_counter()
        EventLoop.post_dispatch_input("end", touch)
        if done is None:
            await self.frames(1)
            return
        try:
            t1 = await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            shell = self.app.shell
            notice = getattr(shell.current, "notice_code", "")
            raise RuntimeError(f"{name}: not done within {timeout} s (on {shell.manager.current}"
                               f"{', notice ' + notice if notice else ''})") from None
        finally:
            self._waiting = None
        self.samples.setdefault(name, []).append((t1 - t0) * 1000)

    async def until(self, cond: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what} (on {self.app.shell.manager.current})")
            await asyncio.sleep(0.01)

    def on(self, name: str) -> Callable[[], bool]:
        return lambda: self.app.shell.manager.current == name


async def payment_path(b: Bench, notice: str, check: str) -> None:
    shell = b.app.shell
    home, find, invoices = shell.screens["home"], shell.screens["find"], shell.screens["invoices"]
    confirm, outcome = shell.screens["confirm"], shell.screens["outcome"]
    await b.until(lambda: home.payments_ready, "payments ready")
    await b.tap(home.choices["pay"], "home -> find", b.on("find"))
    for d in notice + check:
        find.ids.keypad.dispatch("on_key", d)
    await b.frames(1)
    await b.tap(find.ids.find, "find -> invoices (gateway search)", b.on("invoices"))
    await b.tap(invoices.ids.add_another, "invoices -> find (add another)", b.on("find"))
    for d in notice + check:  # the same invoice again: already in the cart, back to the list
        find.ids.keypad.dispatch("on_key", d)
    await b.tap(find.ids.find, "find -> invoices (gateway search)", b.on("invoices"))
    await b.tap(invoices.ids.proceed, "invoices -> confirm", b.on("confirm"))
    await b.tap(confirm.ids.pay, "confirm -> pay", b.on("pay"))
    await b.until(b.on("outcome"), "the terminal's answer")
    await b.until(lambda: not outcome.printing if hasattr(outcome, "printing") else True, "printing")
    await b.frames(2)
    await b.tap(outcome.buttons["done"], "outcome -> home", b.on("home"))


async def application_path(b: Bench) -> None:
    shell = b.app.shell
    home, catalogue = shell.screens["home"], shell.screens["application"]
    step, review = shell.screens["form_step"], shell.screens["form_review"]
    privacy, done = shell.screens["privacy"], shell.screens["application_done"]
    await b.tap(home.choices["apply"], "home -> application list", b.on("application"))
    await b.until(lambda: catalogue.state == "list" and "general-application" in catalogue.buttons,
                  "the form list")
    await b.frames(1)
    await b.tap(catalogue.buttons["general-application"], "application list -> first question",
                b.on("form_step"))
    answers = {"subject": "Ceļš", "text": "Lūdzu salabot bedri.", "full_name": "Anna Ozola",
               "phone": "20000000", "email": "anna@example.lv"}
    for _ in range(12):
        if shell.manager.current != "form_step":
            break
        code = step.field.code if step.field is not None else ""
        if code in answers:
            src = step.numpad if step.numpad.parent is not None else step.keyboard
            for ch in answers[code]:
                src.dispatch("on_key", ch)
        elif step.toggles:
            await b.frames(1)
            await b.tap(next(iter(step.toggles.values())), "choice", None)
        await b.frames(1)
        before = step.field
        await b.tap(step.ids.nav.ids.next_button, "question -> next question",
                    lambda before=before: shell.manager.current != "form_step" or step.field is not before)
    await b.until(b.on("form_review"), "the review")
    b.samples.setdefault("question -> review", []).append(b.samples["question -> next question"].pop())
    await b.tap(review.ids.nav.ids.next_button, "review -> privacy notice", b.on("privacy"))
    await b.tap(privacy.ids.send, "privacy -> done (gateway send)", b.on("application_done"))
    await b.until(lambda: not done.printing, "the acknowledgement printed")
    await b.frames(1)
    await b.tap(done.ids.finish, "done -> home", b.on("home"))


async def bare_switch(b: Bench, rounds: int) -> None:
    """The same window and GL context, a bare ScreenManager with one Button per Screen."""
    from kivy.uix.button import Button
    from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

    root = b.app.root
    b.window.remove_widget(root)
    sm = ScreenManager(transition=NoTransition())
    buttons = {}
    for name, other in (("a", "b"), ("b", "a")):
        scr = Screen(name=name)
        btn = Button(text=f"Labdien {name}", font_size=32)
        btn.bind(on_release=lambda _b, other=other: setattr(sm, "current", other))
        scr.add_widget(btn)
        sm.add_widget(scr)
        buttons[name] = btn
    b.window.add_widget(sm)
    await b.frames(3)
    for _ in range(rounds * 2):
        here = sm.current
        there = "b" if here == "a" else "a"
        await b.tap(buttons[here], "bare Kivy screen switch", lambda there=there: sm.current == there)
    b.window.remove_widget(sm)
    b.window.add_widget(root)
    await b.frames(3)


def headless_demo_app(prefix: str, *, simulated_delay_s: float) -> tuple[Any, Any]:
    """The real KioskApp on the demo's services in a fresh data folder, headless at 1280x800, quiet
    logs: (app, services). Shared by this bench and bench_soak."""
    import logging

    from kiosk.logging_setup import configure as configure_logging

    configure_logging(level=logging.WARNING)
    data = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["KIOSK_DATA_DIR"] = str(data)
    from kiosk.config import parse
    from kiosk.speech import SilentSpeech
    from launcher.run import build_services
    from screens.kivy_env import apply_kivy_environment

    cfg = parse({"kiosk": {"data_dir": str(data)},
                 "terminal": {"simulated_delay_s": simulated_delay_s},
                 "display": {"width_px": 1280, "height_px": 800, "panel_width_mm": 270.0}}, demo=True)
    apply_kivy_environment(cfg, headless=True)
    os.environ["SDL_VIDEODRIVER"] = "offscreen"
    from screens import app as app_mod

    app_mod.configure_kivy(cfg, windowed=True)
    services = build_services(cfg, speech=SilentSpeech())
    return app_mod.KioskApp(services), services


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20, help="walks of each path (default 20)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    app, services = headless_demo_app("kac-bench-tap-", simulated_delay_s=0.05)
    from gateway.demo_data import DEMO_INVOICES

    unpaid = [i for i in DEMO_INVOICES if i.total_cents > i.paid_cents]
    errors: list[str] = []

    async def scenario() -> None:
        try:
            await services.backend.start()
            while not app.ready:
                await asyncio.sleep(0.01)
            b = Bench(app)
            for r in range(args.rounds):
                inv = unpaid[r % len(unpaid)]
                await payment_path(b, inv.notice_number, inv.check_value)
                await application_path(b)
            await bare_switch(b, args.rounds)
            report(b.samples, args.json)
        except Exception as exc:  # reported, then the app stops
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            app.stop()

    async def run() -> None:
        task = asyncio.get_running_loop().create_task(scenario())
        await app.async_run(async_lib="asyncio")
        await task

    asyncio.run(run())
    if errors:
        print("bench_tap failed: " + errors[0], file=sys.stderr)
        return 1
    return 0


def report(samples: dict[str, list[float]], out: Path | None) -> None:
    bare = samples.pop("bare Kivy screen switch")
    samples.pop("choice", None)
    bare95 = pct(bare, 0.95)
    rows = {name: {"n": len(v), "p50_ms": round(statistics.median(v), 1),
                   "p95_ms": round(pct(v, 0.95), 1), "p95_ratio": round(pct(v, 0.95) / bare95, 2)}
            for name, v in samples.items()}
    print(f"{'transition':40s} {'n':>4s} {'p50 ms':>8s} {'p95 ms':>8s} {'p95/bare':>9s}")
    for name, r in rows.items():
        flag = "" if r["p95_ms"] <= BOUND_MS else f"  > {BOUND_MS:g} ms"
        print(f"{name:40s} {r['n']:4d} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['p95_ratio']:8.2f}x{flag}")
    print(f"{'bare Kivy screen switch':40s} {len(bare):4d} {statistics.median(bare):8.1f} {bare95:8.1f}")
    worst = max(rows.items(), key=lambda kv: kv[1]["p95_ms"])
    tap_only = {k: v for k, v in rows.items() if "gateway" not in k}
    worst_tap = max(tap_only.items(), key=lambda kv: kv[1]["p95_ms"])
    print(f"worst p95: {worst[0]} {worst[1]['p95_ms']} ms ({worst[1]['p95_ratio']}x bare); "
          f"worst without a gateway round trip: {worst_tap[0]} {worst_tap[1]['p95_ms']} ms "
          f"({worst_tap[1]['p95_ratio']}x bare); bound {BOUND_MS:g} ms")
    if out is not None:
        out.write_text(json.dumps({"transitions": rows, "bare_p50_ms": statistics.median(bare),
                                   "bare_p95_ms": bare95}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
