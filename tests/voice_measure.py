"""Speaker-ish measures of a voice (tests/test_voice_disguise.py and bench/voice_disguise.py).

Three views of who is speaking, each taken on the voiced frames only (same words in every file
compared, so what differs is the voice, not what is said):

- `pitch`: median fundamental frequency (Hz), by normalised autocorrelation of 40 ms frames.
- `formants`: median F1, F2, F3 (Hz), from the roots of a 12th-order LPC fit at 11.025 kHz
  (poles above 90 Hz with bandwidth under 400 Hz) — the resonances of the vocal tract.
- `envelope`: mean mel-cepstrum (coefficients 1–12, level c0 left out) — the spectral envelope
  speaker-recognition features are built on; `envelope_distance` is the Euclidean distance
  between two such means.

Plain numpy/scipy on decoded samples; the audio is read with Reel's own ffmpeg.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.fft import dct
from scipy.signal import lfilter

from toolkit.settings import Settings

RATE = 11025
_FRAME = 0.040
_HOP = 0.010


def read(path: Path, *, start: float = 0.0, seconds: float | None = None) -> np.ndarray:
    """The file's sound as mono float samples at `RATE`."""
    args = [Settings().ffmpeg, "-v", "error", "-ss", f"{start:.3f}", "-i", str(path)]
    if seconds is not None:
        args += ["-t", f"{seconds:.3f}"]
    args += ["-map", "0:a:0", "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"]
    raw = subprocess.run(args, check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.float32).astype(np.float64)


def _frames(x: np.ndarray) -> np.ndarray:
    n, hop = round(_FRAME * RATE), round(_HOP * RATE)
    if len(x) < n:
        return np.zeros((0, n))
    idx = np.arange(n)[None, :] + hop * np.arange((len(x) - n) // hop + 1)[:, None]
    return x[idx]


def _voiced(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: f0 (Hz, 0 where unvoiced) and whether it is voiced."""
    energy = np.sqrt((frames ** 2).mean(axis=1))
    loud = energy > max(energy.max(), 1e-9) * 0.05
    lo, hi = int(RATE / 400), int(RATE / 60)
    w = frames - frames.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(w, 2 * w.shape[1], axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :hi + 1]
    ac = ac / np.maximum(ac[:, :1], 1e-12)
    best = ac[:, lo:hi + 1].max(axis=1)
    # the shortest lag nearly as strong as the best: a period, not a multiple of it (no octave errors)
    first = lo + np.argmax(ac[:, lo:hi + 1] >= 0.85 * best[:, None], axis=1)
    lag = np.array([f + int(np.argmax(row[f:f + lo])) for f, row in zip(first, ac, strict=True)])
    peak = ac[np.arange(len(lag)), lag]
    voiced = loud & (peak > 0.5)
    return np.where(voiced, RATE / lag, 0.0), voiced


def periodicity(x: np.ndarray) -> float:
    """Median normalised autocorrelation peak (60–400 Hz) over the loud frames: 1 for a perfectly
    periodic voice; lower where the harmonics are blurred (what the disguise's smear does, and no
    pitch shift restores)."""
    frames = _frames(x)
    energy = np.sqrt((frames ** 2).mean(axis=1))
    loud = frames[energy > max(energy.max(), 1e-9) * 0.05]
    lo, hi = int(RATE / 400), int(RATE / 60)
    w = loud - loud.mean(axis=1, keepdims=True)
    ac = np.fft.irfft(np.abs(np.fft.rfft(w, 2 * w.shape[1], axis=1)) ** 2, axis=1)[:, :hi + 1]
    return float(np.median(ac[:, lo:].max(axis=1) / np.maximum(ac[:, 0], 1e-12)))


@dataclass(frozen=True)
class Voice:
    """What the measures see of one recording (see the module docstring)."""

    pitch: float
    formants: tuple[float, float, float]
    envelope: np.ndarray
    voiced_frames: int


def _lpc_formants(frame: np.ndarray) -> list[float]:
    x = lfilter([1, -0.97], [1], frame) * np.hamming(len(frame))
    order = 12
    r = np.correlate(x, x, "full")[len(x) - 1:len(x) + order]
    if r[0] <= 0:
        return []
    # Levinson-Durbin
    a = np.zeros(order + 1)
    a[0], err = 1.0, r[0]
    for i in range(1, order + 1):
        k = -(r[i] + a[1:i] @ r[i - 1:0:-1]) / err
        a[1:i + 1] = a[1:i + 1] + k * np.concatenate([a[i - 1:0:-1], [1.0]])
        err *= 1 - k * k
        if err <= 0:
            return []
    roots = np.roots(a)
    roots = roots[np.imag(roots) > 0]
    freq = np.angle(roots) * RATE / (2 * np.pi)
    bw = -np.log(np.abs(roots)) * RATE / np.pi
    return sorted(f for f, b in zip(freq, bw, strict=True) if f > 90 and b < 400)


def _mel_bank(n_fft: int, bands: int = 26) -> np.ndarray:
    mel = np.linspace(0, 2595 * np.log10(1 + (RATE / 2) / 700), bands + 2)
    hz = 700 * (10 ** (mel / 2595) - 1)
    bins = np.floor((n_fft + 1) * hz / RATE).astype(int)
    bank = np.zeros((bands, n_fft // 2 + 1))
    for m in range(1, bands + 1):
        left, mid, right = bins[m - 1], bins[m], bins[m + 1]
        bank[m - 1, left:mid] = (np.arange(left, mid) - left) / max(mid - left, 1)
        bank[m - 1, mid:right] = (right - np.arange(mid, right)) / max(right - mid, 1)
    return bank


def measure(x: np.ndarray) -> Voice:
    """The voice in mono samples at `RATE`."""
    frames = _frames(x)
    f0, voiced = _voiced(frames)
    chosen = frames[voiced]
    pitch = float(np.median(f0[voiced])) if voiced.any() else 0.0
    found = [f for f in (_lpc_formants(fr) for fr in chosen) if len(f) >= 3]
    formants = tuple(float(v) for v in np.median(np.array([f[:3] for f in found]), axis=0)) if found else (0., 0., 0.)
    n_fft = 512
    power = np.abs(np.fft.rfft(chosen * np.hamming(chosen.shape[1]), n_fft, axis=1)) ** 2 if len(chosen) else \
        np.zeros((1, n_fft // 2 + 1))
    logmel = np.log(power @ _mel_bank(n_fft).T + 1e-10)
    ceps = dct(logmel, type=2, norm="ortho", axis=1)[:, 1:13]
    return Voice(pitch, formants, ceps.mean(axis=0), int(voiced.sum()))  # type: ignore[arg-type]


def envelope_distance(a: Voice, b: Voice) -> float:
    """Euclidean distance between two voices' mean mel-cepstra (0: the same envelope)."""
    return float(np.linalg.norm(a.envelope - b.envelope))


def semitones(a: float, b: float) -> float:
    """How far `b` is from `a`, in semitones (positive: higher)."""
    return float(12 * np.log2(b / a))
