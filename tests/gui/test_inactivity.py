"""Inactivity: warning after 90 s, "I need more time", reset 30 s later; busy stops the countdown."""

from __future__ import annotations

from kivy.metrics import Metrics

WARN = 90.0
RESET = 30.0


def _warning_on_screen(gui) -> bool:
    w = gui.shell.root.warning
    return gui.shell.root.warning_visible and w is not None and w.parent is gui.shell.root


def test_timeouts_come_from_config(gui):
    assert gui.shell.idle.warning_s == gui.services.config.timeouts.inactivity_warning_s == WARN
    assert gui.shell.idle.reset_s == gui.services.config.timeouts.inactivity_reset_s == RESET


def test_untouched_home_never_warns(gui, fake_clock):
    fake_clock.advance(WARN * 5)
    assert not _warning_on_screen(gui)


def test_warning_then_more_time_then_reset(gui, fake_clock):
    home = gui.screen("home")
    base_scale = Metrics.fontscale
    gui.tap(home.language_buttons["en"])
    gui.tap(home.ids.large_text)
    gui.tap(home.choices["librarian"])
    assert gui.shell.manager.current == "librarian"

    fake_clock.advance(WARN - 1)
    assert not _warning_on_screen(gui)
    fake_clock.advance(2)
    assert _warning_on_screen(gui)
    # Audible too: the warning is spoken in the visit's language.
    assert gui.services.speech.spoken[-1] == ("en", "Are you still there? Touch the screen if you need more time.")

    gui.tap(gui.shell.root.warning.ids.more_time)
    assert not _warning_on_screen(gui)
    assert gui.services.visit.language == "en" and gui.services.visit.large_text
    assert gui.shell.manager.current == "librarian"

    fake_clock.advance(WARN + 1)
    assert _warning_on_screen(gui)
    fake_clock.advance(RESET - 2)
    assert gui.services.visit.language == "en"  # not yet
    fake_clock.advance(3)
    visit = gui.services.visit
    assert not _warning_on_screen(gui)
    assert gui.shell.manager.current == "home"
    assert visit.language == "lv" and not visit.large_text and not visit.high_contrast
    assert Metrics.fontscale == base_scale
    assert home.ids.title.text == "Laipni lūdzam! Ko vēlaties darīt?"
    assert gui.shell.history == []


def test_any_touch_during_the_warning_keeps_the_visit(gui, fake_clock):
    home = gui.screen("home")
    gui.tap(home.language_buttons["ru"])
    fake_clock.advance(WARN + 1)
    assert _warning_on_screen(gui)
    gui.tap(gui.shell.root.warning.ids.message)
    assert not _warning_on_screen(gui)
    fake_clock.advance(RESET + 1)
    assert gui.services.visit.language == "ru"


def test_no_countdown_while_busy(gui, fake_clock):
    home = gui.screen("home")
    visit = gui.services.visit
    gui.tap(home.language_buttons["en"])
    with visit.busy_while("terminal"):
        fake_clock.advance(WARN + RESET + 60)
        assert not _warning_on_screen(gui)
        assert visit.language == "en"
    # Counting starts again from the end of the busy period.
    fake_clock.advance(WARN - 1)
    assert not _warning_on_screen(gui)
    fake_clock.advance(2)
    assert _warning_on_screen(gui)
    # Busy arriving during the warning withdraws it.
    visit.set_busy("printer")
    gui.pump()
    assert not _warning_on_screen(gui)
    fake_clock.advance(RESET * 3)
    assert visit.language == "en"
    visit.set_busy("printer", False)


def test_key_presses_count_as_activity(gui, fake_clock):
    gui.tap(gui.screen("home").language_buttons["en"])
    fake_clock.advance(WARN - 10)
    gui.press_key(ord("a"), "a")
    fake_clock.advance(20)
    assert not _warning_on_screen(gui)


def _is_widget(o: object, widget: type) -> bool:
    try:
        return isinstance(o, widget)
    except ReferenceError:  # a dead weak proxy among the objects raises on __class__
        return False


def test_soak_many_visits_keep_observers_and_widgets_constant(gui):
    import gc

    from kivy.uix.widget import Widget

    from screens.widgets import TR

    home = gui.screen("home")
    tr = gui.services.translator
    visit = gui.services.visit

    def counts():
        gc.collect()
        widgets = sum(1 for o in gc.get_objects() if _is_widget(o, Widget))
        return (tr.observer_count, visit.observer_count, len(TR.get_property_observers("_")),
                len(TR.get_property_observers("lang")), widgets)

    def one_visit(lang):
        gui.tap(home.language_buttons[lang], frames=1)
        gui.tap(home.ids.large_text, frames=1)
        gui.tap(home.choices["librarian"], frames=1)
        gui.shell.end_visit()
        gui.pump(1)

    while gui.shell.screens.build_next():  # every screen built first (screens.screen_set)
        pass
    for lang in ("en", "ru", "lv"):  # a keyboard keeps one layout per language once shown
        one_visit(lang)
    before = counts()
    for i in range(20):
        one_visit(("en", "ru", "lv")[i % 3])
    assert counts() == before
