"""Reading a screen's plain-language text aloud.

espeak-ng (lv, ru, en voices) through an asyncio subprocess when it is installed and speech is
enabled in `[accessibility]`; otherwise a silent backend that only remembers what it was asked to
say (the tests read that). Plyer's Linux TTS is avoided on purpose: it takes no language argument
and its flite branch is broken.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

# espeak-ng voice per UI language.
VOICES = {"lv": "lv", "en": "en", "ru": "ru"}


# Called once when an utterance ends: said, stopped, replaced or failed (the screens show a sign
# while a text is being read).
Done = Callable[[], None]


class Speech(Protocol):
    def speak(self, text: str, lang: str, done: Done | None = None) -> None:
        """Start saying text (stopping whatever is being said); returns at once; `done` is called
        when this utterance ends."""

    def stop(self) -> None:
        """Stop speaking now (screen change, visit end)."""

    async def aclose(self) -> None:
        """Stop and release the backend at app exit."""


class SilentSpeech:
    """No audio; keeps the last utterances so tests and the gallery can check them."""

    name = "silent"

    def __init__(self) -> None:
        self.spoken: list[tuple[str, str]] = []

    def speak(self, text: str, lang: str, done: Done | None = None) -> None:
        self.spoken.append((lang, text))
        del self.spoken[:-20]
        if done is not None:  # nothing is heard: the utterance is over at once
            done()

    def stop(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


class EspeakSpeech:
    """`espeak-ng -v <lang> -s <rate> <text>`; one utterance at a time, killed on the next."""

    name = "espeak-ng"

    def __init__(self, executable: str, *, rate: int = 140) -> None:
        self.executable = executable
        self.rate = rate
        self._proc: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._done: Done | None = None

    def speak(self, text: str, lang: str, done: Done | None = None) -> None:
        self.stop()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.warning("speech requested outside the event loop; ignored")
            if done is not None:
                done()
            return
        self._done = done
        task = self._task = loop.create_task(self.say(text, lang))
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None] | None = None) -> None:
        if task is not None and task is not self._task:
            return  # an utterance stopped before: its `done` was called by stop()
        done, self._done = self._done, None
        if done is not None:
            done()

    async def say(self, text: str, lang: str) -> None:
        """Say text and wait until it has been said."""
        voice = VOICES.get(lang, "en")
        try:
            self._proc = await asyncio.create_subprocess_exec(
                self.executable, "-v", voice, "-s", str(self.rate), "--", text,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )
            await self._proc.wait()
        except OSError as exc:
            log.warning("espeak-ng failed: %s", exc)

    def stop(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._proc = None
        self._task = None
        self._finished()

    async def aclose(self) -> None:
        proc = self._proc
        self.stop()
        if proc is not None:
            with contextlib.suppress(Exception):
                await proc.wait()


def make_speech(enabled: bool, executable: str | None = None) -> Speech:
    """espeak-ng when enabled and installed, else silent (never an error: speech is an extra)."""
    if not enabled:
        return SilentSpeech()
    exe = executable or shutil.which("espeak-ng")
    if not exe:
        log.info("speech enabled but espeak-ng is not installed; speech is silent")
        return SilentSpeech()
    return EspeakSpeech(exe)
