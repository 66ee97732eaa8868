"""What one line of text looks like on its OCR frame, and whether it moved with the footage.

Measured by the OCR sampler (`toolkit.grade.ocr`) on the OCR-size frame while it is at hand,
so nothing but a few numbers per line is kept. `toolkit.grade.text_kind` uses them to tell
burned-in captions (overlay text: still while the footage moves, high contrast, on a plain
backing or an outline) from text in the footage (a sign or a book cover that moves with the
camera, so its pixels are found again a few pixels away a moment earlier).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LOOK_LAG = 0.2  # s between the OCR frame and the earlier frame the line is compared with
MAX_SHIFT = 8  # OCR-frame px searched each way for where the text was a moment earlier


@dataclass(frozen=True, slots=True)
class LineLook:
    """The pixels of one text line (grey levels 0–255, OCR frame).

    `contrast`: spread between the text's darkest and lightest pixels (5th–95th percentile).
    `backing`: spread (standard deviation) of the pixels around the letters inside the line's
    box: low on a plain caption box or sign board, high on footage.
    `text_change`: mean change of the letters' pixels since `LOOK_LAG` s earlier, in place
    (None when there was no earlier frame); `shifted_change` the same after moving the earlier
    picture by `shift` (the best offset within `MAX_SHIFT` px) — text that moved with the
    footage is found again a few pixels away. `around_change`: mean change of the picture
    around the box (is the footage moving behind the text?).
    """

    contrast: float
    backing: float
    text_change: float | None = None
    shifted_change: float | None = None
    shift: tuple[int, int] = (0, 0)
    around_change: float | None = None


def _grey(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float32).mean(axis=2) if rgb.ndim == 3 else rgb.astype(np.float32)


def measure_look(frame: np.ndarray, earlier: np.ndarray | None, box: tuple[int, int, int, int]) -> LineLook:
    """The look of the line at `box` (x0, y0, x1, y1 in `frame` pixels) on RGB `frame`, and its
    change since `earlier` (the same size, `LOOK_LAG` s before; None if there is none)."""
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return LineLook(0.0, 0.0)
    crop = _grey(frame[y0:y1, x0:x1])
    lo, hi = np.percentile(crop, (5, 95))
    # the letters are the pixels on the far side of the median from the backing's mass
    split = (lo + hi) / 2
    light = crop > split
    letters = light if light.mean() <= 0.5 else ~light
    backing = float(crop[~letters].std()) if (~letters).any() else 0.0
    look = LineLook(round(float(hi - lo), 1), round(backing, 1))
    if earlier is None or earlier.shape != frame.shape or not letters.any():
        return look
    m = MAX_SHIFT
    ex0, ey0, ex1, ey1 = max(0, x0 - m), max(0, y0 - m), min(w, x1 + m), min(h, y1 + m)
    before = _grey(earlier[ey0:ey1, ex0:ex1])
    target = crop[letters]

    def change(dx: int, dy: int) -> float:
        sy, sx = y0 + dy - ey0, x0 + dx - ex0
        if sy < 0 or sx < 0 or sy + crop.shape[0] > before.shape[0] or sx + crop.shape[1] > before.shape[1]:
            return np.inf
        return float(np.abs(before[sy:sy + crop.shape[0], sx:sx + crop.shape[1]][letters] - target).mean())

    still = change(0, 0)
    # coarse grid every 2 px, then the 8 neighbours of the best: ~90 comparisons, not 289
    tried = {(dx, dy): change(dx, dy) for dy in range(-m, m + 1, 2) for dx in range(-m, m + 1, 2)}
    cx, cy = min(tried, key=tried.__getitem__)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if (cx + dx, cy + dy) not in tried and abs(cx + dx) <= m and abs(cy + dy) <= m:
                tried[(cx + dx, cy + dy)] = change(cx + dx, cy + dy)
    tried[(0, 0)] = still
    best_shift = min(tried, key=tried.__getitem__)
    best = tried[best_shift]
    pad = max(4, (y1 - y0) // 2)
    ax0, ay0, ax1, ay1 = max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)
    ring = np.ones((ay1 - ay0, ax1 - ax0), bool)
    ring[y0 - ay0:y1 - ay0, x0 - ax0:x1 - ax0] = False
    around = float(np.abs(_grey(frame[ay0:ay1, ax0:ax1]) - _grey(earlier[ay0:ay1, ax0:ax1]))[ring].mean()) \
        if ring.any() else 0.0
    return LineLook(look.contrast, look.backing, round(still, 1), round(best, 1), best_shift, round(around, 1))
