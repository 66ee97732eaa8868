"""Loudness normalisation as data: what pass 1 measured, and the gain pass 2 applies.

Two-pass method. Pass 1 (`compile_loudness_pass`) plays the mixed audio alone through ffmpeg's
`ebur128` meter (BS.1770-4 integrated loudness, true peak). Pass 2 then applies a plain linear
gain of `target − measured` dB. That is exactly what `loudnorm … linear=true` does when it can,
with two differences, both measured:

* loudnorm silently switches to its dynamic mode (a compressor that pumps) whenever the gain
  would push the true peak over the ceiling — the usual case for quietly recorded speech. Reel
  keeps the linear gain and adds a true-peak-safe limiter (`alimiter` at 4× the sample rate, so
  it sees inter-sample peaks): only the loudest peaks are touched.
* loudnorm's own measurement (`print_format=json`) read 0.7 LU lower than `ebur128` and Reel's
  meter (`toolkit.media.loudness`, which the grader uses) on a 6 s test film, because of its 3 s
  look-ahead; `ebur128` agreed with Reel's meter to 0.05 LU, so pass 1 uses `ebur128`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from toolkit.film.plan.timeline import AudioMix

# Measured loudness at or below this is silence (BS.1770's absolute gate): no gain is applied.
SILENCE_LUFS = -70.0

# AAC encoding overshoots the limiter's peaks: by a few tenths of a dB for speech and music, but by
# 0.7–1.2 dB for a dense mix with sharp effects (a notification ping over music and a voice, +13 dB
# of gain: limited at -1.5 dBTP, the encoded film read -0.8 dBTP and failed `true-peak`). Measured
# on that film: a -2.5 dBTP limit encodes to -1.8 dBTP at the same loudness (-14.4 LUFS).
CODEC_MARGIN_DB = 1.5

# A gain this large only amplifies noise; quieter material is raised this far and no further.
MAX_GAIN_DB = 30.0

# The limiter works on audio oversampled this many times, so its ceiling is a true-peak ceiling.
LIMITER_OVERSAMPLE = 4


@dataclass(frozen=True, slots=True)
class LoudnessMeasurement:
    """What pass 1 measured: integrated loudness (LUFS), true peak (dBTP), loudness range (LU)
    and the relative gate (LUFS)."""

    integrated: float
    true_peak: float
    lra: float
    threshold: float

    @property
    def silent(self) -> bool:
        return not math.isfinite(self.integrated) or self.integrated <= SILENCE_LUFS


@dataclass(frozen=True, slots=True)
class AudioGain:
    """The linear gain pass 2 applies, and the limiter ceiling when the gain alone would clip.

    `limit_db` is a true-peak ceiling in dBTP, or None when no limiter is needed. Values are
    rounded to 0.01 dB so that the same measurement always yields the same command.
    """

    gain_db: float
    limit_db: float | None = None
    short_db: float = 0.0  # how far below the target the film lands because the gain hit MAX_GAIN_DB

    @classmethod
    def for_target(cls, measured: LoudnessMeasurement, mix: AudioMix) -> AudioGain:
        """The gain that brings `measured` to `mix.target_lufs` without exceeding `mix.true_peak`."""
        if measured.silent:
            return cls(0.0, None)
        wanted = mix.target_lufs - measured.integrated
        gain = min(wanted, MAX_GAIN_DB)
        ceiling = mix.true_peak - CODEC_MARGIN_DB
        peak = measured.true_peak + gain if math.isfinite(measured.true_peak) else -math.inf
        limit = round(ceiling, 2) if peak > ceiling else None
        return cls(round(gain, 2), limit, round(max(0.0, wanted - gain), 2))

    def corrected(self, measured: LoudnessMeasurement, mix: AudioMix) -> AudioGain:
        """This gain nudged by how far a measurement taken *after* it missed the target.

        Needed only with the limiter, which lowers loudness when peaks carry much of it.
        """
        if measured.silent:
            return self
        wanted = self.gain_db + mix.target_lufs - measured.integrated
        gain = min(wanted, MAX_GAIN_DB)
        return AudioGain(round(gain, 2), self.limit_db, round(max(0.0, wanted - gain), 2))

    def describe(self) -> str:
        """One line for logs: `+6.20 dB, limited at -1.50 dBTP`."""
        text = f"{self.gain_db:+.2f} dB"
        return text + (f", limited at {self.limit_db:.2f} dBTP" if self.limit_db is not None else "")
