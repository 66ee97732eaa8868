"""Speech with known timing, synthesised by espeak-ng (tests and bench/align_accuracy.py).

espeak-ng's command line gives no word times, so timing is made known by construction: each piece
(a sentence, or a single word) is synthesised on its own, its leading and trailing digital silence
cut off, and the pieces are joined with silences of known length. The onset of every piece is
then exact. `sentences` gives natural sentences (exact sentence onsets, i.e. of each sentence's
first word); `words` gives every word spoken on its own (every word onset exact, less natural).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

RATE = 22050  # espeak-ng's own output rate


def require_espeak() -> str:
    """The espeak-ng executable; skips the test without it unless REEL_REQUIRE_ESPEAK=1 (CI), which fails it."""
    found = shutil.which("espeak-ng")
    if found is None:
        if os.environ.get("REEL_REQUIRE_ESPEAK") == "1":
            pytest.fail("REEL_REQUIRE_ESPEAK=1 but espeak-ng is not installed (apt-get install espeak-ng)")
        pytest.skip("espeak-ng is not installed: the speech tests need it to make speech with known timing")
    return found


@dataclass(frozen=True)
class Spoken:
    """A synthesised file and the exact onset and end (seconds) of each piece in it."""

    path: Path
    pieces: tuple[str, ...]
    onsets: tuple[float, ...]
    ends: tuple[float, ...]
    duration: float


def _piece(text: str, rate: int, voice: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "p.wav"
        subprocess.run([require_espeak(), "-v", voice, "-s", str(rate), "-w", str(out), text], check=True,
                       capture_output=True)
        with wave.open(str(out)) as w:
            assert w.getframerate() == RATE and w.getnchannels() == 1
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    loud = np.flatnonzero(np.abs(samples) > 64)  # about -54 dBFS: where the voice starts and stops
    return samples[loud[0]:loud[-1] + 1] if len(loud) else samples[:0]


def join(path: Path, pieces: list[str], *, gap: float, lead: float = 0.5, rate: int = 175,
         voice: str = "en-us", gaps: list[float] | None = None) -> Spoken:
    """Synthesise each piece and join them: `lead` seconds of silence, then piece, gap, piece...
    (`gaps[i]` after piece i when given), then `lead` again. Written as 16-bit mono WAV."""
    parts = [np.zeros(round(lead * RATE), np.int16)]
    onsets, ends = [], []
    at = lead
    for i, text in enumerate(pieces):
        sound = _piece(text, rate, voice)
        onsets.append(at)
        at += len(sound) / RATE
        ends.append(at)
        pause = gaps[i] if gaps is not None else gap
        parts += [sound, np.zeros(round(pause * RATE), np.int16)]
        at += round(pause * RATE) / RATE
    parts.append(np.zeros(round(lead * RATE), np.int16))
    audio = np.concatenate(parts)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(audio.tobytes())
    return Spoken(path, tuple(pieces), tuple(onsets), tuple(ends), len(audio) / RATE)
