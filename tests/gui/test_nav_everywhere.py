"""Every resident screen of the gallery, in each of its states, has Back (where there is a previous
step), "Start over" and the language switch: the payment screens and the
application wizard alike. A language is switched by a real tap from the wizard's own screens."""

from __future__ import annotations

from typing import Any

from common.i18n import gettext

# Screens (or screen.state) without a previous step to go back to, and why.
NO_BACK = {
    "home": "the start itself",
    "pay": "the terminal is working: Cancel is the way out",
    "outcome": "the payment is over (a failure offers its own way back to the list)",
    "application_done": "the application is sent",
}
# Without "Start over", and why.
NO_START_OVER = {
    "home": "the start itself",
    "pay": "the terminal is working: Cancel is the way out",
    "outcome.paid": "paid: Finish is the only way on",
    "outcome.paid-awaiting": "paid: Finish is the only way on",
    "outcome.print-failed": "paid: Finish is the only way on",
}


def _nav(screen: Any) -> Any:
    """The screen's bar of helpers: the nav bar, or on the questions and the review the wizard's
    bar (the same buttons, with Next)."""
    bars = [w for w in screen.walk() if type(w).__name__ in ("NavBar", "WizardBar")]
    assert len(bars) == 1, (screen.name, bars)
    return bars[0]


def _languages(screen: Any) -> Any:
    bars = [w for w in screen.walk() if type(w).__name__ == "LanguageBar"]
    assert len(bars) == 1, (screen.name, bars)
    return bars[0]


def _shown(widget: Any) -> bool:
    return widget.get_root_window() is not None and widget.opacity == 1 and not widget.disabled


def test_every_resident_screen_state_has_back_start_over_and_languages(gui) -> None:
    checked = []
    for name, screen in gui.shell.screens.items():
        if name.startswith("desk_") or name == "home":
            continue
        for state in type(screen).gallery_states():
            gui.fresh()
            gui.go(name)
            if state.prepare is not None:
                state.prepare(screen)
            gui.pump(3)
            key = f"{name}.{state.name}" if state.name else name
            nav = _nav(screen)
            langs = [b for b in _languages(screen).children if _shown(b)]
            assert sorted(b.lang for b in langs) == ["en", "ru"], key
            if name not in NO_START_OVER and key not in NO_START_OVER:
                assert _shown(nav.ids.start_over), key
            if name not in NO_BACK:
                assert _shown(nav.ids.back), key
            checked.append(key)
    assert {"form_step.choice", "form_review", "privacy", "application"} <= set(checked)
    gui.fresh()
    home = gui.screen("home")
    assert sorted(home.language_buttons) == ["en", "lv", "ru"]


def test_wizard_screens_switch_language_and_start_over_by_taps(gui) -> None:
    from screens.form_step import _demo

    step = gui.go("form_step")
    _demo(step, "heating-allowance", "heating_type")
    gui.pump(3)
    nav, languages = _nav(step), _languages(step)
    question_lv = step.question
    gui.tap(next(b for b in languages.children if b.lang == "en"))
    assert gui.services.visit.language == "en" and step.question != question_lv
    assert nav.ids.start_over.label == "Start over"
    gui.screenshot("wizard-bar-en")
    gui.tap(next(b for b in languages.children if b.lang == "lv"))
    assert step.question == question_lv
    gui.tap(nav.ids.start_over)
    assert gui.shell.manager.current == "home"
    assert gui.screen("home").ids.title.text == gettext("Welcome! What would you like to do?", "lv")
    from screens.wizard import wizard_of

    assert wizard_of(gui.services) is None  # the answers went with the visit
