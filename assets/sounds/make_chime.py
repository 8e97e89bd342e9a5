"""Regenerate chime.wav: a soft two-note chime (E6 then C6), 0.6 s, 22.05 kHz mono 16-bit.

Run `python assets/sounds/make_chime.py`; the WAV is committed, this documents how it was made.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050


def chime_frames() -> bytes:
    notes = ((1318.5, 0.0), (1046.5, 0.22))  # (Hz, start s)
    length = int(RATE * 0.6)
    samples = []
    for i in range(length):
        t = i / RATE
        v = 0.0
        for freq, start in notes:
            if t >= start:
                d = t - start
                # Soft attack, exponential decay, a quiet octave overtone: a bell, not a beep.
                env = min(1.0, d / 0.005) * math.exp(-d * 7.0)
                v += env * (math.sin(2 * math.pi * freq * d) + 0.25 * math.sin(4 * math.pi * freq * d))
        samples.append(int(max(-1.0, min(1.0, v * 0.4)) * 32767))
    return struct.pack(f"<{len(samples)}h", *samples)


def write(path: Path) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(chime_frames())


if __name__ == "__main__":
    write(Path(__file__).with_name("chime.wav"))
