"""Per-pixel machinery of the flash gate (`toolkit.care.flash`): sRGB to fixed-point light
levels, and the trackers that find each pixel's transitions.

Everything runs on int16 fixed point (several times faster than float here, and exact enough):
linear R, G, B 0..1 map to 0..16000 and relative luminance 0..1 to 0..30000. Colours become
levels through one lookup in a table of all 2**24 colours, and after the first frame only the
pixels whose colour changed are looked up and stepped, since an unchanged value never moves a
tracker. numpy cannot fuse passes, so the code counts them: each costs ~10-100 us a frame.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

__all__ = ["LIN_SCALE", "LUMA_SCALE", "RED_SATURATION", "Tracker", "TransitionCounter", "prepare_tables"]

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


def prepare_tables() -> None:
    """Build the two colour tables now rather than on the first frames that need them: 64 MB,
    once per process (e.g. before tracing memory, whose peak should then show only what
    grows with a clip)."""
    _colour_table()
    _red_table()


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


class TransitionCounter:
    """Counts each pixel's luminance and red transitions over a run of H×W×3 uint8 sRGB frames.

    A tracker only changes at a pixel whose value changed (an unchanged value lies between the
    pixel's high and low, or equals the state a transition just reset it to), so after the
    first frame only pixels whose colour changed are looked at: about one in ten in footage
    with motion, none in a still. When most of the frame changes, whole-frame passes are
    cheaper than gathering and scattering, and give the same states.
    """

    def __init__(self, shape: tuple[int, int], general: Tracker, red: Tracker) -> None:
        self.shape = shape
        self._n = shape[0] * shape[1]
        self._table = _colour_table()
        self._general = general
        self._red = red
        self._red_seen = False  # until then every red value was 0, and the red tracker rests at 0
        # uint32, not intp: half the memory traffic in the whole-frame passes over colours
        self._index = np.empty(self._n, np.uint32)
        self._previous = np.empty(self._n, np.uint32)
        self._started = False

    def step(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Feed the next frame; the flat indices (ascending) of the pixels that made a counted
        general transition, and a counted red one."""
        none = np.empty(0, np.intp)
        self._index, self._previous = self._previous, self._index
        index = self._colours(rgb, self._index)
        if not self._started:
            # The first frame is the baseline, not a transition.
            self._started = True
            luminance, red = self._levels(index)
            self._general.reset(luminance)
            self._red.reset(red if red is not None else np.zeros(self._n, np.int16))
            return none, none
        changed = index != self._previous
        count = np.count_nonzero(changed)
        if not count:
            return none, none
        if count * 4 > self._n:  # most of the frame: whole-frame passes
            luminance, red = self._levels(index)
            general = self._general.step(luminance)
            if not self._red_seen:
                return general, none
            return general, self._red.step(red if red is not None else np.zeros(self._n, np.int16))
        at = np.flatnonzero(changed)
        colours = np.take(index, at)
        luminance, red = self._levels(colours)
        general = self._general.step(luminance, at)
        if not self._red_seen:
            return general, none
        if red is None:
            red = np.zeros(len(at), np.int16)
        # Most changed pixels are not red and rest at 0 in the red tracker: leave those out.
        moving = self._red.moving(red, at)
        return general, self._red.step(red[moving], at[moving])

    def _colours(self, rgb: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Each pixel's colour as r | g << 8 | b << 16, into `index`."""
        n = self._n
        flat = np.ascontiguousarray(rgb).reshape(-1)
        # The pixel's three bytes read as one little-endian word, whose fourth byte (the next
        # pixel's red) is masked off; the last pixel has no fourth byte to borrow.
        np.bitwise_and(np.ndarray((n - 1,), "<u4", flat, 0, (3,)), 0xFFFFFF, out=index[:-1])
        index[-1] = int(flat[-3]) | int(flat[-2]) << 8 | int(flat[-1]) << 16
        return index

    def _levels(self, colours: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Luminance (0..30000) and red value (0..16000; None when 0 for all) of colours.

        The red value is the WCAG 2.0 max(0, (R - G - B) * 320) divided by 320 / 16000: R - G - B
        in linear light where the colour is saturated red, else 0."""
        luminance = np.take(self._table, colours, mode="wrap")  # all in range: no checks
        if luminance.min() >= 0:
            return luminance, None
        self._red_seen = True
        np.bitwise_and(luminance, 0x7FFF, out=luminance)
        return luminance, np.take(_red_table(), colours, mode="wrap")


class Tracker:
    """Per-pixel running high and low since the last transition, and that transition's
    direction, over a flattened frame. With a dark limit, values at or above it never enter
    the low: a rise needs a darker state below the limit, and a fall must end below it.

    A transition is a rise of `step` or more above the low, or a fall of that much below the
    high (`strict`: more than `step`). The high is stored minus the step, so each test is one
    comparison per pixel: rise <=> value - step >= low, fall <=> gated value <= high - step.
    Before the first `reset` every pixel rests at 0.
    """

    def __init__(self, size: int, step: int, dark: int | None, *, strict: bool) -> None:
        self.step_size = step + 1 if strict else step  # integers: "> step" is ">= step + 1"
        self.dark = dark
        self.high_step = np.full(size, -self.step_size, np.int16)  # high - step
        self.low = np.zeros(size, np.int16)  # _BIG where no value below the dark limit yet
        self.direction = np.zeros(size, np.int8)

    def reset(self, value: np.ndarray) -> None:
        """Take `value` (int16, every pixel) as the state, with no transition."""
        np.subtract(value, self.step_size, out=self.high_step)
        np.copyto(self.low, self._gate(value))
        self.direction[:] = 0

    def _gate(self, value: np.ndarray) -> np.ndarray:
        """The value, or _BIG where it is at or above the dark limit."""
        if self.dark is None:
            return value
        # (dark - 1 - value) >> 15 is -1 exactly where value >= dark; & _BIG keeps 0x7FFF there,
        # and value | 0x7FFF == _BIG. Four plain passes beat np.where several times over.
        gated = np.subtract(self.dark - 1, value, dtype=np.int16)
        gated >>= 15
        gated &= _BIG
        gated |= value
        return gated

    def step(self, value: np.ndarray, at: np.ndarray | None = None) -> np.ndarray:
        """Update with the next values (int16, 0..30000): of every pixel, or of the pixels at
        flat indices `at` (ascending) when given, the others being unchanged. Returns the flat
        indices (ascending) of the counted transitions."""
        gated = self._gate(value)
        lowered = np.subtract(value, self.step_size, dtype=np.int16)
        # np.take gathers twice as fast as fancy indexing; every index is in range.
        high_step = self.high_step if at is None else np.take(self.high_step, at, mode="wrap")
        low = self.low if at is None else np.take(self.low, at, mode="wrap")
        rising = lowered >= low  # _BIG: no darker state yet
        falling = gated <= high_step  # _BIG: the fall ends too bright
        np.maximum(high_step, lowered, out=high_step)
        np.minimum(low, gated, out=low)
        changed = rising | falling
        n = np.count_nonzero(changed)
        counted = np.empty(0, np.intp)
        # Rising and falling cannot both hold: whichever extreme came second would already
        # have been a transition when it arrived.
        if at is None and n * 8 > changed.size:  # heavy flashing: whole-frame passes beat indexing
            direction = rising.view(np.int8) - falling.view(np.int8)
            counted = np.flatnonzero(changed & (direction != self.direction))
            np.copyto(self.direction, direction, where=changed)
            np.copyto(high_step, lowered, where=changed)
            np.copyto(low, gated, where=changed)
        elif n:
            where = np.flatnonzero(changed)
            direction = rising[where].view(np.int8) * 2 - 1  # +1 rising, -1 falling
            pixels = where if at is None else at[where]
            counted = pixels[self.direction[pixels] != direction]
            self.direction[pixels] = direction
            high_step[where] = lowered[where]
            low[where] = gated[where]
        if at is not None:
            self.high_step[at] = high_step
            self.low[at] = low
        return counted

    def moving(self, value: np.ndarray, at: np.ndarray) -> np.ndarray:
        """The positions in `at` where stepping `value` could change anything: where the value
        or the low is not 0. A pixel resting at 0 (high and low 0, as every pixel is before it
        first meets a non-zero value) ignores a 0."""
        low = np.take(self.low, at, mode="wrap")
        return np.flatnonzero((value != 0) | (low != 0))
