"""The plain-Python visit state and the speech backends (a real subprocess for espeak-ng)."""

from __future__ import annotations

import asyncio
import stat

from common.i18n import Translator
from kiosk.speech import EspeakSpeech, SilentSpeech, make_speech
from kiosk.visit import Visit


def test_wipe_cancels_tasks_and_restores_defaults():
    async def scenario():
        tr = Translator("lv")
        visit = Visit(tr, default_language="lv")
        seen: list[str] = []

        def on_change(what: str) -> None:
            seen.append(what)

        visit.observe(on_change)
        visit.set_language("ru")
        visit.set_large_text(True)
        visit.set_high_contrast(True)
        visit.data["cart"] = ["x"]
        task = visit.spawn(asyncio.sleep(3600))
        assert visit.task_count == 1
        visit.wipe()
        await asyncio.sleep(0)
        assert task.cancelled()
        assert (visit.language, visit.large_text, visit.high_contrast, visit.data) == ("lv", False, False, {})
        assert seen == ["large_text", "high_contrast", "wiped"]

    asyncio.run(scenario())


def test_busy_reasons_nest():
    visit = Visit(Translator("lv"))
    with visit.busy_while("terminal"):
        visit.set_busy("printer")
        visit.set_busy("terminal", False)
        assert visit.busy
        visit.set_busy("printer", False)
    assert not visit.busy


def test_make_speech_is_silent_unless_enabled_and_installed(tmp_path):
    assert isinstance(make_speech(False), SilentSpeech)
    assert isinstance(make_speech(True, executable=None), (SilentSpeech, EspeakSpeech))


def test_espeak_backend_runs_the_program_with_the_language_voice(tmp_path):
    log = tmp_path / "args.txt"
    fake = tmp_path / "espeak-ng"
    fake.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> "{log}"\necho >> "{log}"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)

    async def scenario():
        speech = make_speech(True, executable=str(fake))
        assert isinstance(speech, EspeakSpeech)
        await speech.say("Labdien, -v x", "lv")
        speech.speak("Здравствуйте", "ru")
        await asyncio.sleep(0)
        await speech._task
        await speech.aclose()

    asyncio.run(scenario())
    lines = log.read_text().splitlines()
    assert lines[0] == "-v|lv|-s|140|--|Labdien, -v x|"
    assert lines[1] == "-v|ru|-s|140|--|Здравствуйте|"
