"""Per-frame picture statistics for the grader: black, frozen, moving, scene changes, filmstrip.

Fed the analysis frames of the single decode pass. Everything kept per frame is a few
numbers, so memory grows by bytes per frame; pictures are kept only as a capped filmstrip
of small JPEG stills (the contact sheet and the illustrations of problems come from it).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from toolkit.grade.moments import Still, TimeSpan
from toolkit.grade.ocr import make_still

BLACK_LEVEL = 25  # grey level (0-255) at or below which a pixel counts as black (~10 %)
BLACK_SHARE = 0.98  # a frame is black when this share of its pixels is (ffmpeg blackdetect's default)
# Frozen picture: a frame repeats the previous one when at most this share of the analysis
# pixels changed by even one grey level. Measured (tests/test_grade_motion.py): duplicated
# frames through x264 crf 28-35 change 0-0.2 % of pixels between keyframes; a slow pan
# (2 px/s at 1080), a slow push-in (1 %/s), a talking head, dark noisy footage are held for
# 0.37 s at most (x264 skipping blocks at crf 35), far from a 2 s run. The mean change of a
# 67 px thumbnail (below 0.4 grey levels = frozen) called all of them frozen.
REPEAT_SHARE = 0.003
# A keyframe inside a held picture re-draws it with fresh codec noise (up to 92 % of pixels
# change, by a few grey levels, for one frame). Such a frame is bridged when it follows a
# stretch of repeats, the next frame repeats it, and no region of the picture (16x16 blocks
# of the analysis frame, ~64 px at 1080 wide) has moved away from the held picture by more
# than DRIFT_LEVELS: codec noise averages out in a block, motion does not, and it adds up
# over a run however slowly it goes.
DRIFT_BLOCK = 16
DRIFT_LEVELS = 6.0
PULSE_AFTER = 4  # repeats in a row before a one-frame re-draw can be bridged
MOTION_STEP = 10  # grey levels a thumbnail pixel must change by to count as moving
MOTION_SHARE = 0.01  # share of thumbnail pixels that must move for the frame to show motion
SCENE_LAG_S = 0.5  # scene changes compare frames this far apart, so dissolves register too
SCENE_DIFF = 20.0  # mean grey-level change over the lag that marks a new scene
FILMSTRIP_MAX = 240
THUMB_DIVISOR = 4


@dataclass(frozen=True, slots=True, eq=False)
class PictureStats:
    """Per-frame arrays (all the same length, in presentation order) and what they add up to.

    `change` is the mean absolute grey-level difference from the previous frame (0–255);
    `motion` the share of thumbnail pixels that moved by more than `MOTION_STEP`; `held`
    numbers the held pictures (see `frozen`): 0 for a frame that holds none, k for the
    frames of the k-th; None when it was not measured.
    """

    times: np.ndarray
    luma: np.ndarray
    black: np.ndarray
    change: np.ndarray
    motion: np.ndarray
    scene_changes: tuple[float, ...]
    filmstrip: tuple[Still, ...]
    frame_seconds: float
    held: np.ndarray | None = None

    def runs(self, mask: np.ndarray, min_seconds: float = 0.0) -> tuple[TimeSpan, ...]:
        """Stretches where `mask` (one bool per frame) holds, at least `min_seconds` long.
        A run lasts until the next frame's time (or one frame past the last). `mask` may
        also label frames with integers (0 = none): a change of label starts a new run."""
        if not len(mask) or not mask.any():
            return ()
        labels = np.concatenate(([0], np.asarray(mask, dtype=np.int64), [0]))
        bounds = np.flatnonzero(labels[1:] != labels[:-1])  # where a new label starts
        out = []
        for a, b in pairwise(bounds):
            if not labels[a + 1]:
                continue
            start = float(self.times[a])
            end = float(self.times[b]) if b < len(self.times) else float(self.times[-1]) + self.frame_seconds
            if end - start >= min_seconds - 1e-9:
                out.append(TimeSpan(round(start, 3), round(end, 3)))
        return tuple(out)

    def frozen(self) -> np.ndarray:
        """Per frame: the frame shows a held picture: it repeats the frame before within codec
        noise (or re-draws it at a keyframe), or is the first showing of a picture the next
        frames repeat. Slow real footage is never frozen however little it moves per frame."""
        if self.held is None:
            return np.zeros(len(self.times), dtype=bool)
        return self.held > 0

    def frozen_runs(self, min_seconds: float = 0.0, *, outside: np.ndarray | None = None) -> tuple[TimeSpan, ...]:
        """The held pictures shown for at least `min_seconds`, each its own run (two held
        pictures back to back are two runs), leaving out frames where `outside` holds."""
        if self.held is None:
            return ()
        return self.runs(np.where(outside, 0, self.held) if outside is not None else self.held, min_seconds)

    def still_near(self, time: float) -> Still | None:
        """The filmstrip still closest to `time`."""
        if not self.filmstrip:
            return None
        return min(self.filmstrip, key=lambda s: abs(s.time - time))


class PictureAnalyser:
    """Feed analysis frames (H×W×3 uint8 RGB) in order; `feed` returns the grey thumbnail
    (shared with the OCR sampler for change detection)."""

    def __init__(self, fps: float, duration_hint: float) -> None:
        from toolkit.media.ocr import load_cv2  # OpenCV's area resize is ~10x faster than numpy here

        self._cv2 = load_cv2()
        self._frame_s = 1.0 / fps if fps > 0 else 1 / 30
        self._lag = max(1, round(SCENE_LAG_S * (fps or 30)))
        self._recent: deque[np.ndarray] = deque(maxlen=self._lag)
        self._step = max(0.5, duration_hint / FILMSTRIP_MAX) if duration_hint > 0 else 0.5
        self._next_still = 0.0
        self._prev: np.ndarray | None = None
        self._times: list[float] = []
        self._luma: list[float] = []
        self._black: list[bool] = []
        self._change: list[float] = []
        self._motion: list[float] = []
        self._lagged: list[float] = []
        self._stills: list[Still] = []
        self._grey: np.ndarray | None = None
        self._held: list[int] = []  # the number of the held picture each frame shows, 0 for none
        self._holds = 0
        self._anchor: np.ndarray | None = None  # the held picture, coarse (DRIFT_BLOCK blocks)
        self._repeats = 0  # repeats in a row since the anchor was taken
        self._pulse: int | None = None  # a re-draw waiting for the next frame to repeat it

    def feed(self, rgb: np.ndarray, time: float) -> np.ndarray:
        """Add one frame; return its grey thumbnail (a quarter of the analysis size)."""
        cv2 = self._cv2
        grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
        h, w = grey.shape
        small = cv2.resize(grey, (max(1, w // THUMB_DIVISOR), max(1, h // THUMB_DIVISOR)),
                           interpolation=cv2.INTER_AREA)
        thumb = small.astype(np.int16)
        self._times.append(time)
        self._luma.append(float(thumb.mean()) / 255.0)
        self._black.append(bool((thumb <= BLACK_LEVEL).mean() >= BLACK_SHARE))
        if self._prev is None:
            self._change.append(0.0)
            self._motion.append(0.0)
        else:
            diff = np.abs(thumb - self._prev)
            self._change.append(float(diff.mean()))
            self._motion.append(float((diff > MOTION_STEP).mean()))
        lagged = self._recent[0] if len(self._recent) == self._lag else None
        self._lagged.append(float(np.abs(thumb - lagged).mean()) if lagged is not None else 0.0)
        self._recent.append(thumb)
        self._prev = thumb
        self._hold(grey, small)
        if time >= self._next_still and len(self._stills) < FILMSTRIP_MAX:
            self._stills.append(make_still(rgb, time, max_width=135))
            self._next_still = time + self._step
        return thumb

    def _hold(self, grey: np.ndarray, small: np.ndarray) -> None:
        """Mark whether this frame shows the held picture (online; a pulse is settled one frame
        later). `small` is the uint8 thumbnail, shrunk further into the drift blocks."""
        cv2 = self._cv2
        h, w = grey.shape
        coarse = cv2.resize(small, (max(1, w // DRIFT_BLOCK), max(1, h // DRIFT_BLOCK)),
                            interpolation=cv2.INTER_AREA).astype(np.float32)
        prev, self._grey = self._grey, grey
        if prev is None or self._anchor is None:
            self._held.append(0)
            self._anchor = coarse
            return
        repeat = cv2.countNonZero(cv2.absdiff(grey, prev)) <= REPEAT_SHARE * grey.size
        near = float(np.abs(coarse - self._anchor).max()) <= DRIFT_LEVELS
        if repeat and near:
            if self._repeats == 0:
                self._holds += 1
                self._held[-1] = self._holds  # the first showing of the picture the run holds
            if self._pulse is not None:
                self._held[self._pulse] = self._holds
                self._pulse = None
            self._held.append(self._holds)
            self._repeats += 1
        elif not repeat and near and self._pulse is None and self._repeats >= PULSE_AFTER:
            self._pulse = len(self._held)
            self._held.append(0)
        else:
            self._held.append(0)
            self._pulse = None
            self._anchor = coarse
            self._repeats = 0

    def result(self) -> PictureStats:
        """The statistics of every frame fed so far."""
        times = np.asarray(self._times, dtype=np.float64)
        lagged = np.asarray(self._lagged)
        scenes = []
        above = lagged > SCENE_DIFF
        if above.any():
            edges = np.diff(np.concatenate(([0], above.astype(np.int8), [0])))
            last_end = -np.inf
            for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
                start = float(times[a])
                if start - last_end > SCENE_LAG_S:
                    scenes.append(round(start, 3))
                last_end = float(times[b - 1])
        return PictureStats(
            times=times,
            luma=np.asarray(self._luma),
            black=np.asarray(self._black, dtype=bool),
            change=np.asarray(self._change),
            motion=np.asarray(self._motion),
            scene_changes=tuple(scenes),
            filmstrip=tuple(self._stills),
            frame_seconds=self._frame_s,
            held=np.asarray(self._held, dtype=np.int32),
        )
