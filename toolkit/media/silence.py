"""Short-window signal levels and silence detection.

Audio is cut into *ticks* of 10 ms. Tick k starts at sample ``floor(k * rate / 100)``, so ticks
line up exactly with the loudness meter's 100 ms, 400 ms and 3 s windows at any sample rate.
The same tick clock is shared with `toolkit.media.loudness`, which therefore gives silence
detection for free while it measures a file in one streaming pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

if TYPE_CHECKING:
    from toolkit.media.audio import AudioClip

TICKS_PER_SECOND = 100

__all__ = ["LevelAccumulator", "LevelTrace", "TickAccumulator", "find_silences", "level_trace"]


def tick_edges(rate: int, first: int, last: int, per_second: int = TICKS_PER_SECOND) -> np.ndarray:
    """Sample positions where ticks `first` .. `last` (inclusive) start."""
    return np.arange(first, last + 1, dtype=np.int64) * rate // per_second


class TickAccumulator:
    """Reduce a stream of per-sample rows into per-tick rows (sum or max), chunk by chunk.

    Completed ticks are kept; the tick in progress is carried to the next `feed`.
    """

    def __init__(self, rate: int, width: int, op: np.ufunc = np.add, per_second: int = TICKS_PER_SECOND):
        if rate <= 0:
            raise ValueError(f"sample rate must be positive, got {rate}")
        self.rate = rate
        self.per_second = per_second
        self.position = 0  # samples consumed so far
        self._next = 1  # index of the next tick boundary
        self._op = op
        self._partial = np.zeros(width) if op is np.add else np.full(width, -np.inf)
        self._empty = self._partial.copy()
        self._has_partial = False
        self._done: list[np.ndarray] = []

    def feed(self, values: np.ndarray) -> None:
        """Add `values` (shape (n, width)); ticks completed by it are stored."""
        n = len(values)
        if n == 0:
            return
        end = self.position + n
        last = (self.per_second * (end + 1) - 1) // self.rate  # last tick boundary <= end
        cuts = tick_edges(self.rate, self._next, last, self.per_second) - self.position
        starts = np.concatenate(([0], cuts[cuts < n]))
        parts = self._op.reduceat(values, starts, axis=0)
        if len(cuts) == 0:
            self._partial = self._op(self._partial, parts[0])
            self._has_partial = True
        else:
            first = self._op(self._partial, parts[0])
            self._done.append(np.vstack([first[None, :], parts[1 : len(cuts)]]))
            tail = len(cuts) < len(parts)
            self._partial = parts[-1].copy() if tail else self._empty.copy()
            self._has_partial = tail
            self._next = last + 1
        self.position = end

    def ticks(self, *, include_partial: bool = False) -> np.ndarray:
        """The per-tick rows so far, shape (ticks, width)."""
        if len(self._done) > 1:
            self._done = [np.concatenate(self._done)]
        done = self._done[0] if self._done else np.empty((0, len(self._partial)))
        if include_partial and self._has_partial:
            return np.vstack([done, self._partial[None, :]])
        return done

    def edges(self, count: int) -> np.ndarray:
        """Start sample of ticks 0..count (count + 1 values; the last one ends tick count-1)."""
        return np.minimum(tick_edges(self.rate, 0, count, self.per_second), self.position)


@dataclass(frozen=True, eq=False)
class LevelTrace:
    """Unweighted level per 10 ms window, the loudest channel taken in each window.

    `starts`/`ends` are in seconds; `rms_db` and `peak_db` in dBFS (-inf for digital silence).
    """

    starts: np.ndarray
    ends: np.ndarray
    rms_db: np.ndarray
    peak_db: np.ndarray
    duration: float


class LevelAccumulator:
    """Streaming builder of a `LevelTrace`: feed (n, channels) chunks, then call `trace()`."""

    def __init__(self, rate: int, channels: int):
        self.rate = rate
        self._squares = TickAccumulator(rate, channels, np.add)
        self._peaks = TickAccumulator(rate, channels, np.maximum)

    def feed(self, chunk: np.ndarray) -> None:
        """Add a chunk of samples, shape (n, channels)."""
        x = np.asarray(chunk, dtype=np.float64)
        self._squares.feed(x * x)
        self._peaks.feed(np.abs(x))

    def trace(self) -> LevelTrace:
        """The level trace of everything fed so far (a final partial window included)."""
        squares = self._squares.ticks(include_partial=True)
        peaks = self._peaks.ticks(include_partial=True)
        edges = self._squares.edges(len(squares))
        counts = np.diff(edges).astype(np.float64)[:, None]
        with np.errstate(divide="ignore"):
            rms = 10 * np.log10((squares / np.maximum(counts, 1)).max(axis=1, initial=0.0))
            peak = 20 * np.log10(peaks.max(axis=1, initial=0.0))
        return LevelTrace(
            starts=edges[:-1] / self.rate,
            ends=edges[1:] / self.rate,
            rms_db=rms,
            peak_db=peak,
            duration=self._squares.position / self.rate,
        )


class _HasLevelTrace(Protocol):
    def level_trace(self) -> LevelTrace: ...


def level_trace(samples: np.ndarray, rate: int) -> LevelTrace:
    """Level trace of an in-memory signal, shape (n,) or (n, channels)."""
    x = np.asarray(samples)
    x = x[:, None] if x.ndim == 1 else x
    acc = LevelAccumulator(rate, x.shape[1])
    for start in range(0, len(x), 1 << 18):
        acc.feed(x[start : start + (1 << 18)])
    return acc.trace()


def find_silences(
    source: AudioClip | LevelTrace | _HasLevelTrace,
    *,
    threshold_db: float = -50.0,
    min_seconds: float = 1.0,
    measure: Literal["rms", "peak"] = "rms",
) -> tuple[tuple[float, float], ...]:
    """Stretches where every channel stays below `threshold_db` dBFS for at least `min_seconds`.

    `source` is an `AudioClip`, a `LevelTrace`, or anything with a `level_trace()` method (such
    as a fed `LoudnessMeter`). Levels are taken over 10 ms windows, as RMS (default; tolerant
    of dither and faint isolated ticks) or as sample peak (stricter). Returns (start, end) pairs
    in seconds, in order, with a 10 ms resolution.
    """
    if isinstance(source, LevelTrace):
        trace = source
    elif hasattr(source, "level_trace"):
        trace = source.level_trace()
    else:
        trace = level_trace(source.samples, source.rate)
    levels = trace.rms_db if measure == "rms" else trace.peak_db
    quiet = levels < threshold_db
    return tuple(
        (float(trace.starts[a]), float(trace.ends[b - 1]))
        for a, b in _runs(quiet)
        if trace.ends[b - 1] - trace.starts[a] >= min_seconds - 1e-9
    )


def _runs(mask: np.ndarray) -> Iterable[tuple[int, int]]:
    """Half-open index ranges [a, b) where `mask` is true."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    change = np.flatnonzero(np.diff(padded))
    return zip(change[::2].tolist(), change[1::2].tolist(), strict=True)
