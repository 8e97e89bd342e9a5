"""Rows built and removed while the theme flips must not be called once dead.

A row removed from a screen is freed only at the next garbage collection; until then its kv rules
stay bound to the global theme (and translator). If the automatic collector fires inside such a
row's own rule while the theme flips, Kivy sets the value on a dead weak proxy and the flip dies
with `ReferenceError` (about one toggle in a hundred in the 480-visit run). The collector's timing
is left to chance in production; here it is pinned to that worst moment, so the defect shows on
the first flip instead of one in a hundred (docs/architecture.md, "Screens").
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kivy.lang import Builder
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from screens.theme import HIGH_CONTRAST, NORMAL
from screens.widgets import THEME, TR, KButton, KLabel, KToggle

CYCLES = 1000

# A row as the screens build them: theme and translator in its own kv, shared widgets inside.
Builder.load_string('''
<ThemeTestRow@BoxLayout>:
    size_hint_y: None
    height: max(texts.height, edit.height) + theme.gap
    spacing: theme.gap
    canvas.before:
        Color:
            rgba: theme.outline
        Line:
            points: [self.x, self.y, self.right, self.y]
    BoxLayout:
        id: texts
        orientation: "vertical"
        size_hint_y: None
        height: self.minimum_height
        KLabel:
            text: tr._("Payer: {name}", name="J*** B*****Š")
            role: "muted"
            font_size: theme.font_small
        KLabel:
            text: "ā č ē ģ ī ķ ļ ņ š ū ž"
    KButton:
        id: edit
        role: "secondary"
        label: tr._("Edit")
''')


def _choices() -> ScrollView:
    """The choice toggles of a question: a box that sizes itself (a reference cycle) in a scroller."""
    box = BoxLayout(orientation="vertical", size_hint_y=None)
    box.bind(minimum_height=box.setter("height"))
    for i in range(3):
        box.add_widget(KToggle(label=f"Izvēle {i}", active=i == 1))
    scroll = ScrollView(do_scroll_x=False)
    scroll.add_widget(box)
    return scroll


def _rows() -> list[Widget]:
    from kivy.factory import Factory

    return [Factory.ThemeTestRow(), Factory.ThemeTestRow(), _choices(),
            KLabel(text="Kopā: 12,50 €", role="warning"), KButton(label="Turpināt")]


def _detached(element: Any) -> bool:
    try:
        return element.get_root_window() is None
    except (AttributeError, ReferenceError):
        return False


class Flip:
    """Armed while a global change (contrast, language, text size) is being dispatched."""

    armed = False

    def __init__(self, visit: Any) -> None:
        self.visit = visit

    def __call__(self, what: str, value: Any) -> None:
        Flip.armed = True
        try:
            getattr(self.visit, f"set_{what}")(value)
        finally:
            Flip.armed = False


@contextmanager
def collector_inside_removed_rows() -> Iterator[None]:
    """During a global change, while the automatic collector is on, run it inside every kv rule of
    a removed widget, between evaluating the rule and setting its value: the moment the run hit by
    chance."""
    from kivy.lang import builder

    original = builder.call_fn

    def call_fn(args: Any, instance: Any, value: Any) -> None:
        element, key, expr, rule, idmap = args
        rule.count += 1
        result = eval(expr, idmap)
        if Flip.armed and gc.isenabled() and _detached(element):
            gc.collect()
        setattr(element, key, result)

    builder.call_fn = call_fn
    gc.collect()
    gc.freeze()  # collections then look only at objects made by the test: 1,000 cycles stay fast
    try:
        yield
    finally:
        builder.call_fn = original
        gc.unfreeze()


def _dead_bindings(dispatcher: Any, name: str) -> int:
    """Observers of `dispatcher.name` that point at a widget that no longer exists."""
    dead = 0
    for obs in dispatcher.get_property_observers(name, args=True):
        callback, args = obs[0], obs[1]
        if getattr(callback, "is_dead", lambda: False)():
            dead += 1
            continue
        for arg in args or ():
            for item in arg if isinstance(arg, (list, tuple)) else (arg,):
                try:
                    getattr(item, "uid", None)
                except ReferenceError:
                    dead += 1
                    break
    return dead


def _observers() -> tuple[int, ...]:
    names = ("palette", "outline", "gap", "font_small")
    return (*(len(THEME.get_property_observers(n)) for n in names),
            len(TR.get_property_observers("_")), len(TR.get_property_observers("lang")))


def _widgets() -> int:
    return sum(1 for o in gc.get_objects() if issubclass(type(o), Widget))  # a proxy may be dead


def test_theme_bindings_survive_build_remove_toggle_cycles(gui):
    visit = gui.services.visit
    flip = Flip(visit)
    holder = BoxLayout(orientation="vertical")
    gui.shell.root.add_widget(holder)
    # Pooled, like the invoice cards: off screen for a while, then shown again.
    pooled = KButton(label="Maksāt", role="primary")
    removed: list[weakref.ref[Widget]] = []
    counts: list[tuple[Any, ...]] = []
    try:
        with collector_inside_removed_rows():
            for cycle in range(CYCLES):
                rows = _rows()
                for row in rows:
                    holder.add_widget(row)
                if cycle % 50 == 0:
                    holder.add_widget(pooled)
                    gui.pump(1)  # drawn at least now and then, canvas rules included
                    holder.remove_widget(pooled)
                holder.clear_widgets()
                removed.extend(weakref.ref(w) for row in rows for w in row.walk(restrict=True))
                del rows, row
                flip("high_contrast", not visit.high_contrast)  # the shell flips the theme
                if cycle % 25 == 0:
                    flip("language", ("en", "ru", "lv")[cycle // 25 % 3])
                    flip("large_text", not visit.large_text)
                if cycle in (100, CYCLES - 1):  # 100: every language seen (pages built once)
                    gc.unfreeze()  # count everything, and let everything be collected
                    gc.collect()
                    flip("high_contrast", not visit.high_contrast)
                    flip("high_contrast", not visit.high_contrast)
                    counts.append((_observers(), _widgets()))
                    gc.freeze()
        gc.collect()
        assert sum(1 for r in removed if r() is not None) == 0, "removed widgets still referenced"
        assert len(removed) > CYCLES * 10
        for name in ("palette", "outline", "gap", "font_small"):
            assert _dead_bindings(THEME, name) == 0, name
        assert _dead_bindings(TR, "_") == 0
        assert counts[0] == counts[1], counts  # flat: observers and widgets

        # The theme still works for what is on screen and for what comes back from a pool.
        visit.set_high_contrast(True)
        live = KLabel(text="Sveiki", role="fg")
        holder.add_widget(live)
        holder.add_widget(pooled)
        assert tuple(live.color) == HIGH_CONTRAST["fg"]
        assert tuple(pooled.color) == HIGH_CONTRAST["ink_primary"]
        visit.set_high_contrast(False)
        assert tuple(live.color) == NORMAL["fg"]
        assert tuple(pooled.color) == NORMAL["ink_primary"]
    finally:
        holder.clear_widgets()
        gui.shell.root.remove_widget(holder)
        gui.fresh()
