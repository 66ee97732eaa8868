"""Photosensitive flash gate: WCAG 2.3.1 general flash and red flash, counted per pixel.

Each pixel keeps a running high and low of its relative luminance (and of its red value)
since its last transition. A change of at least 0.10 with the darker state below 0.80 is a
transition; it counts only when it reverses the pixel's previous one, so a slow fade counts
once. A pixel is "over the limit" when it made 7 or more counted transitions (3.5 flashes,
WCAG technique G19) within the last second. A frame fails when the over-limit pixels cover
more than 25 % of the judged area, and the clip fails when any frame does. General and red
flashes are judged separately.

Why `wcag_strict` is the default: WCAG defines the threshold as 25 % of any 10° visual
field, which is a 341×256 block on a 1024×768 screen, i.e. a 554×416 window on a 1080×1920
frame (2.8 % of it), and says to analyse at the largest scale the content may be viewed at.
A Short is also watched full screen on tablets and desktops, so Reel tests the worst
placement of that window. Understanding 2.3.1's CSS-pixel paragraph can be read as 4× more
lenient and broadcast rules (Ofcom, ITU-R BT.1702, EA IRIS) use 25 % of the whole screen;
that reading is available as the `broadcast` profile, but a seizure-safety gate should take
the conservative side of an inconsistency in the standard (reference §6.2 and §11).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from contextlib import closing
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np

from toolkit.care.flash_track import LIN_SCALE, LUMA_SCALE, Tracker, TransitionCounter
from toolkit.errors import ProbeError
from toolkit.geometry import REFERENCE_HEIGHT, REFERENCE_WIDTH

__all__ = ["ANALYSIS_WIDTH", "PROFILES", "FlashAnalyser", "FlashInterval", "FlashReport", "analyse_frames",
           "analysis_size", "check_clip"]

Profile = Literal["wcag_strict", "broadcast"]
Kind = Literal["general", "red"]
PROFILES: tuple[str, ...] = ("wcag_strict", "broadcast")
KINDS: tuple[Kind, ...] = ("general", "red")

LUMINANCE_STEP = 0.10  # WCAG: a change of 10 % of maximum relative luminance...
DARK_LIMIT = 0.80  # ...where the darker state is below 0.80
RED_STEP = 20.0  # change in max(0, (R-G-B)*320) must exceed this (WCAG 2.0 red flash)
# Saturated red, R/(R+G+B) >= 0.8, is flash_track.RED_SATURATION: built into its colour table.
FAIL_TRANSITIONS = 7  # G19: 3.5 flashes in 1 s
WARN_TRANSITIONS = 4  # 2 flashes/s: the level Harding and IRIS track for extended flashing
AREA_LIMIT = 0.25
REFERENCE_WINDOW = (554, 416)  # 341×256 at 1024×768, scaled by frame area
EXTENDED_SPAN_S = 5.0
EXTENDED_SUSTAIN_S = 4.0
# The gate's working width: frames are area-averaged to it (a 1-px checkerboard becomes grey, as the
# WCAG fine-pattern exception asks), and the render's tap delivers frames at exactly this size.
ANALYSIS_WIDTH = 270

# Thresholds on the fixed-point scales of flash_track (luminance 0..30000, linear RGB 0..16000).
_LUMA_STEP = round(LUMINANCE_STEP * LUMA_SCALE)
_LUMA_DARK = round(DARK_LIMIT * LUMA_SCALE)
_RED_STEP = round(RED_STEP / 320 * LIN_SCALE)  # red value > 20  <=>  R - G - B > 1000


@dataclass(frozen=True, slots=True)
class FlashInterval:
    """A run of consecutive frames at one level, from the first frame's time to the end of the
    last frame's display (seconds). `peak_area` is the largest share (0–1) of the judged area
    (the worst 10° window under `wcag_strict`, the whole frame under `broadcast`) that was
    flashing at that level during the run."""

    start: float
    end: float
    kind: Kind
    peak_area: float


@dataclass(frozen=True, slots=True)
class FlashReport:
    """The verdict for one clip. `failures` breach WCAG 2.3.1; `warnings` are extended flashing
    (2+ flashes/s over the area limit for 4 s within 5 s), advisory only."""

    passed: bool
    profile: Profile
    failures: tuple[FlashInterval, ...]
    warnings: tuple[FlashInterval, ...]
    frames_analysed: int
    duration: float
    fps: float = 0.0
    analysis_size: tuple[int, int] = (0, 0)
    window: tuple[int, int] = (0, 0)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (its tuples serialise as arrays)."""
        return asdict(self)


class FlashAnalyser:
    """Feed frames one at a time (so one decode can serve several analysers), then ask for
    the `result()`. Frames are H×W×3 uint8 sRGB, all the same size, in presentation order."""

    def __init__(self, fps: float, width: int, height: int, profile: Profile = "wcag_strict") -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown flash profile {profile!r}; choose one of {', '.join(PROFILES)}")
        if not fps or fps <= 0 or width < 1 or height < 1:
            raise ValueError(f"need a positive frame rate and size, got {fps} fps, {width}x{height}")
        self.fps = float(fps)
        self.profile: Profile = profile
        self.shape = (height, width)
        self.window = _window_size(width, height) if profile == "wcag_strict" else (width, height)
        self._limit = AREA_LIMIT * self.window[0] * self.window[1]
        size = height * width
        self._counter = TransitionCounter(
            self.shape,
            general=Tracker(size, _LUMA_STEP, _LUMA_DARK, strict=False),
            red=Tracker(size, _RED_STEP, None, strict=True),
        )
        self._history: deque[tuple[float, dict[Kind, np.ndarray]]] = deque()
        self._counts = {k: np.zeros(height * width, np.int16) for k in KINDS}
        self._over = {k: {FAIL_TRANSITIONS: 0, WARN_TRANSITIONS: 0} for k in KINDS}
        self._areas = {k: {FAIL_TRANSITIONS: [], WARN_TRANSITIONS: []} for k in KINDS}
        self._times: list[float] = []

    def feed(self, rgb: np.ndarray, time: float | None = None) -> None:
        """Analyse the next frame; `time` (seconds) defaults to frame index / fps."""
        if rgb.shape != (*self.shape, 3) or rgb.dtype != np.uint8:
            raise ValueError(f"expected {self.shape[0]}x{self.shape[1]}x3 uint8, got {rgb.shape} {rgb.dtype}")
        t = len(self._times) / self.fps if time is None else float(time)
        counted = {kind: idx for kind, idx in zip(KINDS, self._counter.step(rgb), strict=True) if len(idx)}
        self._slide(t, counted)
        for kind in KINDS:
            for level, area in self._frame_areas(kind).items():
                self._areas[kind][level].append(area)
        self._times.append(t)

    def result(self) -> FlashReport:
        """The report for everything fed so far."""
        times = np.asarray(self._times, dtype=np.float64)
        frame_s = 1.0 / self.fps
        failures: list[FlashInterval] = []
        warnings: list[FlashInterval] = []
        span = max(1, round(EXTENDED_SPAN_S * self.fps))
        sustain = max(1, round(EXTENDED_SUSTAIN_S * self.fps))
        for kind in KINDS:
            fail = np.asarray(self._areas[kind][FAIL_TRANSITIONS])
            failures += _intervals(fail > AREA_LIMIT, fail, times, frame_s, kind)
            warn = np.asarray(self._areas[kind][WARN_TRANSITIONS])
            extended = _extended(warn > AREA_LIMIT, span, sustain)
            warnings += _intervals(extended, warn, times, frame_s, kind)
        duration = float(times[-1] - times[0] + frame_s) if len(times) else 0.0
        return FlashReport(
            passed=not failures,
            profile=self.profile,
            failures=tuple(sorted(failures, key=lambda i: (i.start, i.kind))),
            warnings=tuple(sorted(warnings, key=lambda i: (i.start, i.kind))),
            frames_analysed=len(times),
            duration=round(duration, 6),
            fps=self.fps,
            analysis_size=(self.shape[1], self.shape[0]),
            window=self.window,
        )

    def _slide(self, t: float, counted: dict[Kind, np.ndarray]) -> None:
        # A timestamp window (not a frame count) so variable frame rates are judged by time;
        # the half-frame slack keeps exactly round(fps) frames at a constant rate.
        horizon = t - 1.0 + 0.5 / self.fps
        while self._history and self._history[0][0] <= horizon:
            for kind, idx in self._history.popleft()[1].items():
                self._bump(kind, idx, -1)
        for kind, idx in counted.items():
            self._bump(kind, idx, +1)
        self._history.append((t, counted))

    def _bump(self, kind: Kind, idx: np.ndarray, delta: int) -> None:
        """Add or remove one second-window transition at each pixel in `idx` (all distinct),
        keeping the number of pixels at each level up to date without a full-frame scan."""
        if not len(idx):
            return
        counts = self._counts[kind]
        if delta < 0:
            before = counts[idx]
            for level in self._over[kind]:
                self._over[kind][level] -= int(np.count_nonzero(before == level))
            counts[idx] = before - 1
        else:
            after = counts[idx] + 1
            counts[idx] = after
            for level in self._over[kind]:
                self._over[kind][level] += int(np.count_nonzero(after == level))

    def _frame_areas(self, kind: Kind) -> dict[int, float]:
        """Share of the judged area at each level (transitions or more in the last second);
        0 unless it is over the limit, the only case where the exact figure matters."""
        areas = dict.fromkeys(self._over[kind], 0.0)
        # No window can hold more than 25 % when the whole frame holds fewer pixels.
        levels = [level for level, n in self._over[kind].items() if n > self._limit]
        if not levels:
            return areas
        if self.profile == "broadcast":
            return areas | {level: self._over[kind][level] / self._counts[kind].size for level in levels}
        counts = self._counts[kind].reshape(self.shape)
        w, h = self.window
        for level, best in zip(levels, _worst_windows(counts, levels, w, h), strict=True):
            areas[level] = best / (w * h)
        return areas


def analyse_frames(frames: Iterable[Any], fps: float, profile: Profile = "wcag_strict") -> FlashReport:
    """Run the gate over frames: `Frame`-like objects (with `.rgb` and `.time`) or bare
    H×W×3 uint8 arrays, which are timed index / fps."""
    analyser: FlashAnalyser | None = None
    for frame in frames:
        rgb, time = (frame.rgb, frame.time) if hasattr(frame, "rgb") else (frame, None)
        if analyser is None:
            analyser = FlashAnalyser(fps, rgb.shape[1], rgb.shape[0], profile)
        analyser.feed(rgb, time)
    if analyser is None:
        return FlashReport(True, profile, (), (), frames_analysed=0, duration=0.0, fps=float(fps))
    return analyser.result()


def analysis_size(width: int, height: int, analysis_width: int = ANALYSIS_WIDTH) -> tuple[int, int]:
    """The size (width, height) the gate analyses a width×height picture at (square pixels, upright):
    `analysis_width` wide, the height keeping the aspect ratio, as `check_clip` decodes it."""
    return analysis_width, max(1, round(Fraction(analysis_width * height, width)))


def check_clip(path: str | Path, *, profile: Profile = "wcag_strict",
               analysis_width: int = ANALYSIS_WIDTH) -> FlashReport:
    """Decode a clip once (area-averaged to `analysis_width` pixels wide) and run the gate.
    Raises `ProbeError` naming the file if it cannot be decoded or holds no frames."""
    from toolkit.media.frames import iter_frames, video_fps  # PyAV only when decoding

    fps = video_fps(path)
    with closing(iter_frames(path, width=analysis_width)) as frames:
        report = analyse_frames(frames, float(fps), profile)
    if report.frames_analysed == 0:
        raise ProbeError(f"{path}: no video frames could be decoded")
    return report


def _window_size(width: int, height: int) -> tuple[int, int]:
    """The 10° window on this analysis frame: 554×416 at 1080×1920, scaled by frame area."""
    scale = math.sqrt(width * height / (REFERENCE_WIDTH * REFERENCE_HEIGHT))
    w = min(width, max(1, round(REFERENCE_WINDOW[0] * scale)))
    h = min(height, max(1, round(REFERENCE_WINDOW[1] * scale)))
    return w, h


def _worst_windows(counts: np.ndarray, levels: list[int], w: int, h: int) -> list[int]:
    """For each level, the most pixels at that count or above in any w×h placement."""
    # int16 holds any window's count below 2**15 (every window at the default 270×480).
    dtype = np.int16 if w * h < 1 << 15 else np.int32
    best = []
    for level in levels:
        over = (counts >= level).astype(dtype)
        best.append(int(_sliding_sums(_sliding_sums(over, h, axis=0), w, axis=1).max()))
    return best


def _sliding_sums(a: np.ndarray, width: int, axis: int) -> np.ndarray:
    """The sum of every `width` consecutive entries along `axis`. Built from sums over
    power-of-two spans, each two shifted halves of the one before: about 2 log2(width)
    whole-array adds, where np.cumsum along an axis runs element by element and costs
    several times more."""

    def span(x: np.ndarray, start: int, length: int) -> np.ndarray:
        return x[start : start + length] if axis == 0 else x[:, start : start + length]

    length = a.shape[axis] - width + 1
    block, size = a, 1  # block[i] = sum of a[i : i + size] along the axis
    total: np.ndarray | None = None
    offset = 0
    while True:
        if width & size:
            part = span(block, offset, length)
            total = part.copy() if total is None else np.add(total, part, out=total)
            offset += size
        if size * 2 > width:
            assert total is not None  # width >= 1 has a top bit
            return total
        n = block.shape[axis] - size
        block = span(block, 0, n) + span(block, size, n)
        size *= 2


def _extended(warn: np.ndarray, span: int, sustain: int) -> np.ndarray:
    """Frames at warning level inside some `span`-frame stretch holding >= `sustain` of them."""
    ones = np.ones(span, np.int64)
    triggered = np.convolve(warn, ones)[: len(warn)] >= sustain  # the stretch ending here
    covered = np.convolve(triggered, ones)[span - 1 : span - 1 + len(warn)] > 0
    return warn & covered


def _intervals(
    flags: np.ndarray, area: np.ndarray, times: np.ndarray, frame_s: float, kind: Kind
) -> list[FlashInterval]:
    if not flags.any():
        return []
    edges = np.diff(np.concatenate(([0], flags.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [
        FlashInterval(
            start=round(float(times[a]), 6),
            end=round(float(times[b - 1]) + frame_s, 6),
            kind=kind,
            peak_area=round(float(area[a:b].max()), 4),
        )
        for a, b in zip(starts, stops, strict=True)
    ]
