"""Sound checks from the audio pass: presence, loudness, true peak, silent gaps (standards §3)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from toolkit.grade.checks.base import CheckSpec, flag, number, unavailable
from toolkit.grade.measure import SILENCE_DB, SILENCE_MIN_S
from toolkit.grade.moments import TimeSpan
from toolkit.grade.results import Observation

if TYPE_CHECKING:
    from toolkit.grade.context import GradeContext
    from toolkit.grade.measure import AudioMeasurements, Measurements
    from toolkit.media.probe import MediaInfo


def _no_audio(check: str, info: MediaInfo, m: Measurements) -> Observation | None:
    if not info.has_audio:
        return unavailable(check, "the clip has no audio track")
    if m.audio is None:
        return unavailable(check, m.audio_problem or "the audio could not be decoded")
    return None


def _audio_present(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    has_stream = info.has_audio
    decodes = m.audio is not None
    audible = decodes and m.audio is not None and m.audio.loudness.integrated is not None
    notes = []
    if not has_stream:
        notes.append("the file has no audio track at all")
    elif not decodes:
        notes.append(m.audio_problem or "the audio track could not be decoded")
    elif not audible:
        notes.append("the audio track is silent (quieter than −70 LUFS throughout)")
    return Observation("audio-present", {"present": bool(audible), "has_stream": has_stream,
                                         "silent": bool(decodes and not audible)}, notes=tuple(notes))


def _loudness(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    missing = _no_audio("loudness", info, m)
    if missing is not None:
        return missing
    audio: AudioMeasurements = m.audio  # type: ignore[assignment]
    ld = audio.loudness
    if ld.integrated is None:
        return unavailable("loudness", "the audio is silent (quieter than −70 LUFS), so it has no loudness")
    values = {"integrated": round(ld.integrated, 2), "lra": round(ld.lra, 2),
              "max_short_term": _finite(ld.max_short_term), "max_momentary": _finite(ld.max_momentary)}
    return Observation("loudness", values)


def _true_peak(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    missing = _no_audio("true-peak", info, m)
    if missing is not None:
        return missing
    ld = m.audio.loudness  # type: ignore[union-attr]
    if not math.isfinite(ld.true_peak):
        return unavailable("true-peak", "the audio is digital silence")
    notes = []
    if info.audio is not None and info.audio.codec == "aac":
        notes.append("AAC at 128 kb/s or less can overshoot by ~0.5 dB when decoded: aim for −1.5 dBTP")
    return Observation("true-peak", {"true_peak": round(ld.true_peak, 2), "sample_peak": round(ld.sample_peak, 2)},
                       notes=tuple(notes))


def _silence(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    missing = _no_audio("silence", info, m)
    if missing is not None:
        return missing
    gaps = m.audio.silences  # type: ignore[union-attr]
    spans = tuple(TimeSpan(round(a, 2), round(b, 2), "silent") for a, b in gaps)
    longest = max((s.seconds for s in spans), default=0.0)
    values = {"longest_gap": round(longest, 2), "gaps": len(spans),
              "total": round(sum(s.seconds for s in spans), 2)}
    return Observation("silence", values, spans=spans,
                       notes=(f"silence = below {SILENCE_DB:g} dBFS for at least {SILENCE_MIN_S:g} s",))


def _finite(value: float | None) -> float | None:
    return round(value, 2) if value is not None and math.isfinite(value) else None


SPECS: tuple[CheckSpec, ...] = (
    CheckSpec("audio-present", "Audio present", "The clip has an audio track with sound in it.", "present", {
        "present": flag("an audio track that decodes and is not silent"),
        "has_stream": flag("the file has an audio track"),
        "silent": flag("the track exists but is silent"),
    }, _audio_present),
    CheckSpec("loudness", "Loudness", "Integrated loudness (ITU-R BS.1770-4 / EBU R 128).", "integrated", {
        "integrated": number("LUFS", "programme loudness"),
        "lra": number("LU", "loudness range (descriptive only under 60 s)"),
        "max_short_term": number("LUFS", "loudest 3-second window"),
        "max_momentary": number("LUFS", "loudest 400 ms window"),
    }, _loudness),
    CheckSpec("true-peak", "True peak", "Highest inter-sample peak (4× oversampled).", "true_peak", {
        "true_peak": number("dBTP"), "sample_peak": number("dBFS"),
    }, _true_peak),
    CheckSpec("silence", "Silent gaps", "Stretches of silence of a second or more.", "longest_gap", {
        "longest_gap": number("s", "the longest silent stretch"),
        "gaps": number("", "how many silent stretches"),
        "total": number("s", "all silent stretches together"),
    }, _silence),
)
