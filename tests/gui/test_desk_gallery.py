"""Every desk screen, in each of its gallery states, renders in Latvian, English and Russian
(what `kiosk gallery` draws): it stays on screen (a desk screen without a session would show
Home), and its title is in the language chosen, not the English source."""

from __future__ import annotations

from PIL import Image

from screens.gallery import gallery_name

DESK = ("desk_pin", "desk_home", "desk_find", "desk_person", "desk_cash", "desk_review",
        "desk_reprint")


def test_every_desk_screen_state_renders_in_three_languages(gui) -> None:
    shell = gui.shell
    titles: dict[tuple[str, str, str], str] = {}
    for lang in ("lv", "en", "ru"):
        for name in DESK:
            screen = shell.screens[name]
            for state in type(screen).gallery_states():
                shell.home()  # a new visit (without the full collection `gui.fresh` adds)
                gui.services.visit.set_language(lang)
                shell.go(name)
                if state.prepare is not None:
                    state.prepare(screen)
                gui.pump(3)
                assert shell.manager.current == name, (name, state.name, lang)
                titles[(name, state.name, lang)] = screen.ids.title.text
                if not state.name:  # one picture per screen and language to look at
                    shot = gui.screenshot("desk-gallery-" + gallery_name(
                        name, state.name, lang, False, False).removesuffix(".png"))
                    assert Image.open(shot).size == (1280, 800)
    gui.fresh()
    for (name, state, lang), title in titles.items():
        assert title, (name, state, lang)
        if lang != "en":
            assert title != titles[(name, state, "en")], (name, state, lang, title)
    assert any("ā" in t or "ē" in t for (_n, _s, lang), t in titles.items() if lang == "lv")
    assert any("и" in t for (_n, _s, lang), t in titles.items() if lang == "ru")
