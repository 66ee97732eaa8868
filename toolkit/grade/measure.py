"""Measure a clip once: one video decode pass and one audio decode pass feed every analyser.

Video: frames are decoded upright at the OCR size (`ocr_width`, 540 px for 1080×1920) and
area-shrunk to the analysis size (`analysis_width`, 270 px), which feeds the WCAG flash
analyser, the picture statistics (black, frozen, motion, scene changes, filmstrip) and
the OCR sampler's change detection. Only frames on the OCR grid are read at the larger size.

Audio: decoded block by block at 48 kHz into one loudness meter (integrated, true peak,
LRA, short-term series), whose 10 ms level trace also gives the silent gaps.

Memory is bounded whatever the clip's length: frames are streamed and dropped, per-frame
results are a few numbers each, the filmstrip and the OCR grid are capped, and the meter
keeps 10 ms sums. The two passes run side by side (decoders and numpy release the GIL).
"""

from __future__ import annotations

import contextlib
import time as clock
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from toolkit.care.flash import FlashAnalyser, FlashReport
from toolkit.errors import ProbeError
from toolkit.grade.ocr import OcrEngine, TextMeasurements, TextSampler
from toolkit.grade.picture import PictureAnalyser, PictureStats
from toolkit.media.loudness import Loudness, meter_file
from toolkit.media.mp4boxes import missing_bytes
from toolkit.media.probe import MediaInfo
from toolkit.media.silence import find_silences

SILENCE_DB = -50.0  # dBFS (10 ms RMS, loudest channel) below which sound counts as silence
SILENCE_MIN_S = 1.0  # shorter quiet moments are pauses, not gaps
TRUNCATED_SHARE = 0.9  # decoding less than this share of the declared video means a damaged file

Progress = Callable[[float], None]


@dataclass(frozen=True)
class MeasureOptions:
    """Sizes and sampling of the measurement pass (the defaults meet the 60 s in 20 s budget)."""

    ocr_width: int = 540
    analysis_width: int = 270
    opening_seconds: float = 8.0
    ending_seconds: float = 12.0
    body_step: float = 3.0
    max_body_samples: int = 60
    read_text: bool = True


@dataclass(frozen=True, slots=True, eq=False)
class VideoMeasurements:
    """What the video pass found. `duration` is from the first frame to the end of the last."""

    frames: int
    duration: float
    fps: float
    analysis_size: tuple[int, int]
    irregular_intervals: float  # share of frame-to-frame intervals off the median by > 10 %
    picture: PictureStats
    flash: FlashReport


@dataclass(frozen=True, slots=True, eq=False)
class AudioMeasurements:
    """What the audio pass found: BS.1770 loudness and the silent gaps (start, end) in seconds."""

    loudness: Loudness
    silences: tuple[tuple[float, float], ...]
    duration: float


@dataclass(frozen=True, slots=True, eq=False)
class Measurements:
    """Everything measured about one clip. A part is None when the clip has no such stream
    (or text reading was switched off); `audio_problem` says why audio could not be measured
    when the clip has an audio stream that would not decode."""

    video: VideoMeasurements | None
    audio: AudioMeasurements | None
    text: TextMeasurements | None
    audio_problem: str | None = None
    seconds: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "seconds", MappingProxyType(dict(self.seconds)))


def measure(info: MediaInfo, *, ocr: OcrEngine | None = None, options: MeasureOptions | None = None,
            progress: Progress | None = None) -> Measurements:
    """Run the video and audio passes over the probed clip `info`.

    Raises `ProbeError` naming the file when it has no video, its video cannot be decoded,
    or it is truncated (its boxes run past the end of the file, or less than 90 % of the
    declared video decodes).
    """
    options = options or MeasureOptions()
    if not info.has_video:
        kind = "a still image" if info.is_image else "audio only"
        raise ProbeError(f"{info.path}: not a video clip ({kind}); export the film as MP4 or MOV")
    # A file cut short (an interrupted copy or export) is named as such before any decoding,
    # rather than as whatever the decoder says about its first missing frame.
    short = missing_bytes(info.path)
    if short:
        raise ProbeError(f"{info.path}: the file is truncated or damaged: only {info.size_bytes:,} of its "
                         f"{info.size_bytes + short:,} bytes are there; copy or export it again")
    seconds: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        audio_job = pool.submit(_audio_pass, info) if info.has_audio else None
        start = clock.perf_counter()
        video, text = _video_pass(info, ocr if options.read_text else None, options, progress)
        seconds["video"] = round(clock.perf_counter() - start, 3)
        audio, audio_problem = None, None
        if audio_job is not None:
            audio, audio_problem, seconds["audio"] = audio_job.result()
    return Measurements(video, audio, text, audio_problem, seconds)


def _audio_pass(info: MediaInfo) -> tuple[AudioMeasurements | None, str | None, float]:
    """(measurements, why there are none, seconds spent)."""
    start = clock.perf_counter()
    try:
        meter = meter_file(info.path)
    except ProbeError as exc:
        return None, str(exc), round(clock.perf_counter() - start, 3)
    except ValueError as exc:  # e.g. a channel layout the meter has no weights for
        return None, f"{info.path}: the audio could not be measured ({exc})", round(clock.perf_counter() - start, 3)
    loudness = meter.result()
    silences = find_silences(meter, threshold_db=SILENCE_DB, min_seconds=SILENCE_MIN_S)
    return AudioMeasurements(loudness, silences, meter.duration), None, round(clock.perf_counter() - start, 3)


def _sizes(info: MediaInfo, options: MeasureOptions) -> tuple[int, int]:
    """(decode width, analysis width): never upscale, keep widths even."""
    assert info.video is not None
    shown = info.video.width * info.video.sar if info.video.sar else info.video.width
    width = max(2, int(shown) - int(shown) % 2)
    decode = min(options.ocr_width, width)
    analysis = min(options.analysis_width, decode)
    return decode, analysis


def _video_pass(info: MediaInfo, ocr: OcrEngine | None, options: MeasureOptions,
                progress: Progress | None) -> tuple[VideoMeasurements, TextMeasurements | None]:
    assert info.video is not None
    fps = float(info.video.avg_fps or info.video.fps or 30)
    expected = info.video.duration or info.duration
    decode_w, analysis_w = _sizes(info, options)
    picture = PictureAnalyser(fps, expected)
    sampler = None
    if ocr is not None:
        sampler = TextSampler(ocr, duration=expected, opening=options.opening_seconds,
                              ending=options.ending_seconds, body_step=options.body_step,
                              max_body=options.max_body_samples)
    try:
        flash, small_size, times = _decode(info, decode_w, analysis_w, fps, expected, picture, sampler, progress)
    except BaseException:
        if sampler is not None:
            with contextlib.suppress(Exception):  # the decoding error is the one to report
                sampler.close()
        raise
    text = sampler.result() if sampler is not None else None
    if flash is None or small_size is None or not times:
        raise ProbeError(f"{info.path}: no video frames could be decoded; the file is damaged")
    frame_s = 1.0 / fps
    decoded = times[-1] - times[0] + frame_s
    if expected and decoded < TRUNCATED_SHARE * expected and expected - decoded > 0.5:
        raise ProbeError(f"{info.path}: the file is truncated or damaged: only {decoded:.1f} s of its "
                         f"{expected:.1f} s of video could be decoded; export it again")
    video = VideoMeasurements(
        frames=len(times), duration=round(decoded, 3), fps=fps, analysis_size=small_size,
        irregular_intervals=_irregular(np.asarray(times)), picture=picture.result(), flash=flash.result())
    return video, text


def _decode(info: MediaInfo, decode_w: int, analysis_w: int, fps: float, expected: float,
            picture: PictureAnalyser, sampler: TextSampler | None, progress: Progress | None,
            ) -> tuple[FlashAnalyser | None, tuple[int, int] | None, list[float]]:
    """The single decode loop: every frame goes to every analyser."""
    from toolkit.media.frames import iter_frames
    from toolkit.media.ocr import load_cv2

    cv2 = load_cv2()  # a missing system library is a ReelError naming it, not an ImportError

    flash: FlashAnalyser | None = None
    small_size: tuple[int, int] | None = None
    times: list[float] = []
    # No GOP-parallel read-ahead: frames at OCR size are 4× the flash gate's, so a useful
    # read-ahead would triple the pass's memory, for ~2 s of CPU on a target already met.
    frames = iter_frames(info.path, width=decode_w, ahead_bytes=0)
    with contextlib.closing(frames):  # release the decoder now, even when an analyser raises
        for frame in frames:
            big = frame.rgb
            if small_size is None:
                h, w = big.shape[:2]
                small_size = (analysis_w, max(1, round(h * analysis_w / w)))
                flash = FlashAnalyser(fps, small_size[0], small_size[1])
            small = big if small_size == (big.shape[1], big.shape[0]) else \
                cv2.resize(big, small_size, interpolation=cv2.INTER_AREA)
            assert flash is not None
            flash.feed(small, frame.time)
            thumb = picture.feed(small, frame.time)
            if sampler is not None:
                sampler.offer(frame.time, big, small, thumb)
            times.append(frame.time)
            if progress is not None and expected:
                progress(min(1.0, frame.time / expected))
    return flash, small_size, times


def _irregular(times: np.ndarray) -> float:
    """Share of frame intervals more than 10 % away from the median interval (0 for CFR)."""
    if len(times) < 3:
        return 0.0
    steps = np.diff(times)
    median = float(np.median(steps))
    if median <= 0:
        return 1.0
    return round(float((np.abs(steps - median) > 0.1 * median).mean()), 4)
