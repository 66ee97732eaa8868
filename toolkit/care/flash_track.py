"""Per-pixel machinery of the flash gate (`toolkit.care.flash`): sRGB to fixed-point light
levels, and the tracker that finds each pixel's transitions.

Everything runs on int16 fixed point (several times faster than float here, and exact enough):
linear R, G, B 0..1 map to 0..16000 and relative luminance 0..1 to 0..30000. Colours become
levels through one lookup in a table of all 2**24 colours, and each tracker step is about a
dozen whole-frame passes that each do one simple thing, since numpy cannot fuse them.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

__all__ = ["LIN_SCALE", "LUMA_SCALE", "RED_SATURATION", "LightMeter", "Tracker"]

RED_SATURATION = 0.8  # R/(R+G+B) at or above this is "saturated red"
LIN_SCALE = 16000  # G + B still fits int16, and R >= 4 (G + B) is exactly R >> 2 >= G + B
LUMA_SCALE = 30000
_LUMA_SHIFT = 14
_LUMA_WEIGHTS = tuple(round(w * LUMA_SCALE / LIN_SCALE * 2**_LUMA_SHIFT) for w in (0.2126, 0.7152, 0.0722))
_RED_SHIFT = round(math.log2(RED_SATURATION / (1 - RED_SATURATION)))  # R/(R+G+B) >= .8 <=> R >= 4(G+B)
_RED_FLAG = np.int16(-0x8000)  # the colour table's sign bit: saturated red
_BIG = 32767  # int16 stand-in for +inf, above every level: value - step >= _BIG never holds


@cache
def _linear() -> np.ndarray:
    """WCAG 2.x sRGB linearisation of the 256 byte values, on the 0..16000 scale."""
    c = np.arange(256, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return np.round(linear * LIN_SCALE).astype(np.int16)


@cache
def _colour_table() -> np.ndarray:
    """Every 24-bit colour r | g << 8 | b << 16 -> its luminance (0..30000), with the sign bit
    set where it is saturated red. 32 MB, built once per process (~0.1 s): one lookup per
    pixel replaces three channel lookups and the weighted sum, for the same integers."""
    lin = _linear().astype(np.int32)
    wr, wg, wb = _LUMA_WEIGHTS
    rg = lin[None, :] * wr + lin[:, None] * wg  # [g, r]
    table = np.empty((256, 256, 256), np.int16)  # [b, g, r]
    for b, slab in enumerate(table):  # a slab at a time keeps the temporaries small
        acc = rg + lin[b] * wb
        acc >>= _LUMA_SHIFT  # truncating costs at most 1/30000
        np.copyto(slab, acc, casting="unsafe")
        slab[_saturated_red(b)] |= _RED_FLAG
    table = table.reshape(-1)
    table.flags.writeable = False
    return table


@cache
def _red_table() -> np.ndarray:
    """Every 24-bit colour -> its red value R - G - B (0..16000) if saturated red, else 0.
    Built when a process first meets saturated red."""
    lin = _linear()
    table = np.zeros((256, 256, 256), np.int16)  # [b, g, r]
    for b, slab in enumerate(table):
        red = lin[None, :] - lin[:, None] - lin[b]  # [g, r]; positive wherever saturated
        np.copyto(slab, red, where=_saturated_red(b))
    table = table.reshape(-1)
    table.flags.writeable = False
    return table


def _saturated_red(b: int) -> np.ndarray:
    """[g, r] -> R/(R+G+B) >= 0.8 and R > 0 for blue byte b, in linear light, where the
    ratio test is exactly R >> 2 >= G + B (G + B at most 32000, no overflow)."""
    lin = _linear()
    others = lin[:, None] + lin[b]
    return ((lin >> _RED_SHIFT)[None, :] >= others) & (lin > 0)[None, :]


class LightMeter:
    """Relative luminance and WCAG red value of each pixel of H×W×3 uint8 sRGB frames."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.shape = shape
        self._n = shape[0] * shape[1]
        self._table = _colour_table()
        self._index = np.empty(self._n, np.intp)
        self._levels = np.empty(self._n, np.int16)
        self._red = np.empty(self._n, np.int16)

    def measure(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Luminance (int16 H×W, 0..30000) and red value (int16 H×W, R - G - B on the
        0..16000 scale where the pixel is saturated red, else 0; None when 0 everywhere).

        The red value is the WCAG 2.0 max(0, (R - G - B) * 320) divided by 320 / 16000. The
        returned arrays are reused by the next call."""
        n = self._n
        flat = np.ascontiguousarray(rgb).reshape(-1)
        index = self._index
        # Each pixel's three bytes read as one little-endian word, whose fourth byte (the next
        # pixel's red) is masked off; the last pixel has no fourth byte to borrow.
        np.copyto(index[:-1], np.ndarray((n - 1,), "<u4", flat, 0, (3,)), casting="unsafe")
        np.bitwise_and(index, 0xFFFFFF, out=index)
        index[-1] = int(flat[-3]) | int(flat[-2]) << 8 | int(flat[-1]) << 16
        levels = np.take(self._table, index, out=self._levels, mode="wrap")  # all in range anyway
        if levels.min() >= 0:
            return levels.reshape(self.shape), None
        np.bitwise_and(levels, 0x7FFF, out=levels)
        red = np.take(_red_table(), index, out=self._red, mode="wrap")
        return levels.reshape(self.shape), red.reshape(self.shape)


class Tracker:
    """Per-pixel running high and low since the last transition, and that transition's
    direction. With a dark limit, values at or above it never enter the low: a rise needs a
    darker state below the limit, and a fall must end below it.

    A transition is a rise of `step` or more above the low, or a fall of that much below the
    high (`strict`: more than `step`). The high is stored minus the step, so each test is one
    comparison per pixel: rise <=> value - step >= low, fall <=> gated value <= high - step.
    """

    def __init__(
        self, shape: tuple[int, int], step: int, dark: int | None, *, strict: bool, start: np.ndarray | None = None
    ) -> None:
        self.step_size = step + 1 if strict else step  # integers: "> step" is ">= step + 1"
        self.dark = dark
        self.high_step: np.ndarray | None = None  # high - step
        self.low: np.ndarray | None = None  # _BIG where no value below the dark limit yet
        self.direction = np.zeros(shape, np.int8)
        self._lowered = np.empty(shape, np.int16)
        self._gated = np.empty(shape, np.int16) if dark is not None else None
        self._rising = np.empty(shape, bool)
        self._falling = np.empty(shape, bool)
        self._changed = np.empty(shape, bool)
        if start is not None:
            self.high_step, self.low = start - self.step_size, self._gate(start).copy()

    def _gate(self, value: np.ndarray) -> np.ndarray:
        """The value, or _BIG where it is at or above the dark limit (into a reused buffer)."""
        if self._gated is None or self.dark is None:
            return value
        gated = self._gated
        # (dark - 1 - value) >> 15 is -1 exactly where value >= dark; & _BIG keeps 0x7FFF there,
        # and value | 0x7FFF == _BIG. Four plain passes beat np.where several times over.
        np.subtract(self.dark - 1, value, out=gated)
        np.right_shift(gated, 15, out=gated)
        np.bitwise_and(gated, _BIG, out=gated)
        np.bitwise_or(gated, value, out=gated)
        return gated

    def step(self, value: np.ndarray) -> np.ndarray:
        """Update with the next frame (int16, 0..30000); return the flat indices of counted
        transitions. `value` is not kept."""
        gated = self._gate(value)
        lowered = np.subtract(value, self.step_size, out=self._lowered)
        if self.high_step is None or self.low is None:
            # Without a known earlier state the first frame is the baseline, not a transition.
            self.high_step, self.low = lowered.copy(), gated.copy()
            return np.empty(0, np.intp)
        high_step, low = self.high_step, self.low
        rising = np.greater_equal(lowered, low, out=self._rising)  # _BIG: no darker state yet
        falling = np.less_equal(gated, high_step, out=self._falling)  # _BIG: the fall ends too bright
        np.maximum(high_step, lowered, out=high_step)
        np.minimum(low, gated, out=low)
        changed = np.bitwise_or(rising, falling, out=self._changed)
        n = np.count_nonzero(changed)
        if not n:
            return np.empty(0, np.intp)
        # Rising and falling cannot both hold: whichever extreme came second would already
        # have been a transition when it arrived.
        if n * 8 > changed.size:  # heavy flashing: whole-frame passes beat indexing
            direction = rising.view(np.int8) - falling.view(np.int8)
            counted = np.flatnonzero(changed & (direction != self.direction))
            np.copyto(self.direction, direction, where=changed)
            np.copyto(high_step, lowered, where=changed)
            np.copyto(low, gated, where=changed)
            return counted
        idx = np.flatnonzero(changed)
        direction = np.where(rising.reshape(-1)[idx], 1, -1).astype(np.int8)
        previous = self.direction.reshape(-1)
        counted = idx[previous[idx] != direction]
        previous[idx] = direction
        high_step.reshape(-1)[idx] = lowered.reshape(-1)[idx]
        low.reshape(-1)[idx] = gated.reshape(-1)[idx]
        return counted
