"""ITU-R BS.1770-4 / EBU R 128 loudness meter in plain numpy (no scipy).

* K-weighting and the true-peak interpolator are exact numpy kernels (`toolkit.media.kfilter`);
  the K-filter carries its state across `feed` calls.
* Energies are summed per 10 ms tick (see `toolkit.media.silence`), so momentary (400 ms) and
  short-term (3 s) values can be read at a 10 ms hop for the maxima and at 100 ms for gating.
* True peak: 4x (2x from 96 kHz, none from 192 kHz) polyphase interpolation with libebur128's
  49-tap Hann-windowed sinc.

Conventions: `integrated` is ``None`` when no 400 ms block passes the -70 LUFS absolute gate
(silence, or a signal quieter than -70 LUFS); levels of digital silence are ``-inf``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike

import numpy as np

from toolkit.media.audio import DEFAULT_LAYOUTS, DEFAULT_RATE, iter_audio_blocks, probe_layout
from toolkit.media.kfilter import block_filter, interpolator
from toolkit.media.silence import LevelAccumulator, LevelTrace, TickAccumulator, tick_edges

_SUB_CHUNK = 1 << 17  # samples processed at once, bounds the float64 working set
_ABSOLUTE_GATE = -70.0
_MOMENTARY, _SHORT_TERM, _HOP = 40, 300, 10  # in 10 ms ticks
_SURROUND = frozenset({"SL", "SR", "BL", "BR"})
_LFE = frozenset({"LFE", "LFE2"})
_KNOWN_LAYOUTS = {
    "mono": ("FC",), "stereo": ("FL", "FR"), "2.1": ("FL", "FR", "LFE"), "3.0": ("FL", "FR", "FC"),
    "quad": ("FL", "FR", "BL", "BR"), "5.0": ("FL", "FR", "FC", "BL", "BR"),
    "5.0(side)": ("FL", "FR", "FC", "SL", "SR"), "5.1": ("FL", "FR", "FC", "LFE", "BL", "BR"),
    "5.1(side)": ("FL", "FR", "FC", "LFE", "SL", "SR"),
}  # fmt: skip



@dataclass(frozen=True)
class Loudness:
    """Result of a BS.1770-4 / R 128 measurement. Loudness in LUFS, ranges in LU, peaks in dB.

    `integrated` is None when everything is gated out. `short_term` and `momentary` are
    (end time in s, LUFS) series at the meter's `series_step`; `max_*` are read at a 10 ms hop.
    """

    integrated: float | None
    lra: float
    true_peak: float
    sample_peak: float
    max_momentary: float | None
    max_short_term: float | None
    short_term: tuple[tuple[float, float], ...]
    momentary: tuple[tuple[float, float], ...]
    relative_gate: float | None
    duration: float


def channel_weights(layout: str | Sequence[str] | None, channels: int) -> np.ndarray:
    """BS.1770-4 weights: 1.0 for front channels, 1.41 for surrounds, 0 for LFE.

    `layout` is an ffmpeg layout name ("stereo", "5.1", ...), a sequence of channel names
    ("FL", "SL", "LFE"...), or None for the default layout of `channels`. Channels of layouts
    beyond 5.1 are weighted by name (side/back 1.41, others 1.0), a simplification of Table 3.
    """
    if layout is None:
        if channels not in DEFAULT_LAYOUTS:
            return np.ones(channels)
        layout = DEFAULT_LAYOUTS[channels]
    if isinstance(layout, str):
        names = _KNOWN_LAYOUTS.get(layout)
        if names is None:
            import av  # only for exotic layouts; keeps import time light

            try:
                names = tuple(c.name for c in av.AudioLayout(layout).channels)
            except (ValueError, av.FFmpegError) as exc:
                raise ValueError(f"unknown channel layout {layout!r}") from exc
    else:
        names = tuple(layout)
    if len(names) != channels:
        raise ValueError(f"layout {layout!r} has {len(names)} channels, the audio has {channels}")
    return np.array([0.0 if n in _LFE else 1.41 if n in _SURROUND else 1.0 for n in names])


def _lufs(power: np.ndarray | float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(power)


class LoudnessMeter:
    """Streaming BS.1770-4 meter: `feed` (n, channels) float chunks in order, then `result()`.

    Memory stays bounded: only per-10 ms sums are kept (about 0.25 MB per minute of stereo).
    `series_step` (0.1-0.5 s, rounded to 10 ms) sets the spacing of the plotted series.
    """

    def __init__(
        self,
        rate: int,
        channels: int,
        layout: str | Sequence[str] | None = None,
        *,
        series_step: float = 0.1,
        momentary_series: bool = True,
    ) -> None:
        if channels < 1:
            raise ValueError(f"need at least one channel, got {channels}")
        self.rate, self.channels = int(rate), int(channels)
        self._weights = channel_weights(layout, channels)
        self._filter = block_filter(self.rate)
        self._state = np.zeros((channels, 4))
        factor = 4 if rate < 96000 else 2 if rate < 192000 else 1
        self._interp = interpolator(factor) if factor > 1 else None
        hist = 0 if self._interp is None else self._interp.history
        self._history = np.zeros((channels, hist), dtype=np.float32)
        self._energy = TickAccumulator(self.rate, 1, np.add)
        self._levels = LevelAccumulator(self.rate, channels)
        self._sample_peak = 0.0
        self._true_peak = 0.0
        self._step = max(1, round(series_step * 100))
        self._momentary_series = momentary_series

    @property
    def duration(self) -> float:
        """Seconds of audio fed so far."""
        return self._energy.position / self.rate

    def feed(self, chunk: np.ndarray) -> None:
        """Add the next samples: shape (n, channels), or (n,) for mono; floats, full scale = 1.0.

        An `AudioClip` is accepted too (its `samples` are used).
        """
        x = np.asarray(getattr(chunk, "samples", chunk))
        if not np.issubdtype(x.dtype, np.floating):
            raise TypeError(f"expected float samples (full scale 1.0), got {x.dtype}")
        if x.ndim == 1 and self.channels == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.channels:
            raise ValueError(f"expected shape (n, {self.channels}), got {x.shape}")
        for start in range(0, len(x), _SUB_CHUNK):
            self._feed(x[start : start + _SUB_CHUNK])

    def _feed(self, x: np.ndarray) -> None:
        planar = np.ascontiguousarray(x.T, dtype=np.float64)
        energy = np.zeros(len(x))
        for c in range(self.channels):
            y, self._state[c] = self._filter.run(planar[c], self._state[c])
            if self._weights[c]:
                energy += self._weights[c] * (y * y)
        self._energy.feed(energy[:, None])
        self._levels.feed(x)
        if len(x):
            self._sample_peak = max(self._sample_peak, float(np.abs(x).max()))
        if self._interp is not None:
            for c in range(self.channels):
                padded = np.concatenate([self._history[c], planar[c].astype(np.float32)])
                self._true_peak = max(self._true_peak, self._interp.peak(padded))
                self._history[c] = padded[len(padded) - self._interp.history :]

    def level_trace(self) -> LevelTrace:
        """Unweighted 10 ms levels of everything fed, for `find_silences`."""
        return self._levels.trace()

    def result(self) -> Loudness:
        """Measure everything fed so far (the meter can keep being fed afterwards)."""
        ticks = self._energy.ticks()[:, 0]
        edges = tick_edges(self.rate, 0, len(ticks))
        momentary, m_ends = self._windows(ticks, edges, _MOMENTARY)
        short, s_ends = self._windows(ticks, edges, _SHORT_TERM)
        full_m, full_s = len(ticks) >= _MOMENTARY, len(ticks) >= _SHORT_TERM
        integrated, gate = _gated_integrated(momentary[::_HOP] if full_m else momentary[:0])
        true_peak = self._true_peak
        if self._interp is not None and self._energy.position:
            for history in self._history:  # let the last samples ring out through the filter
                true_peak = max(true_peak, self._interp.peak(np.concatenate([history, 0 * history])))
        sample_db = 20 * math.log10(self._sample_peak) if self._sample_peak else -math.inf
        true_db = 20 * math.log10(max(true_peak, self._sample_peak)) if self._sample_peak else -math.inf
        return Loudness(
            integrated=integrated,
            lra=_loudness_range(short[::_HOP] if full_s else short[:0]),
            true_peak=true_db,
            sample_peak=sample_db,
            max_momentary=float(momentary.max()) if len(momentary) else None,
            max_short_term=float(short.max()) if len(short) else None,
            short_term=_series(s_ends, short, self._step),
            momentary=_series(m_ends, momentary, self._step) if self._momentary_series else (),
            relative_gate=gate,
            duration=self.duration,
        )

    def _windows(self, ticks: np.ndarray, edges: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
        """LUFS of every `width`-tick window at a one-tick hop, and the window end times.

        Audio shorter than one window gives a single value over all of it.
        """
        if len(ticks) == 0:
            return np.empty(0), np.empty(0)
        width = min(width, len(ticks))
        sums = np.convolve(ticks, np.ones(width), mode="valid")  # direct sums: no cumsum cancellation
        counts = edges[width:] - edges[:-width]
        return _lufs(np.maximum(sums, 0.0) / counts), edges[width:] / self.rate


def _gated_integrated(blocks: np.ndarray) -> tuple[float | None, float | None]:
    """(integrated LUFS, relative gate LUFS) from 400 ms block loudness values."""
    above = blocks[blocks > _ABSOLUTE_GATE]
    if len(above) == 0:
        return None, None
    power = 10 ** ((above + 0.691) / 10)
    gate = float(_lufs(power.mean())) - 10.0
    kept = power[above > gate]
    return float(_lufs(kept.mean())), gate


def _loudness_range(short: np.ndarray) -> float:
    """Tech 3342 LRA from short-term values at 10 Hz: gates -70 LUFS and -20 LU, 10th-95th pct."""
    above = short[short > _ABSOLUTE_GATE]
    if len(above) == 0:
        return 0.0
    gate = float(_lufs((10 ** ((above + 0.691) / 10)).mean())) - 20.0
    kept = np.sort(above[above > gate])
    if len(kept) == 0:
        return 0.0
    # nearest-rank percentiles, as libebur128 computes them
    low = kept[int((len(kept) - 1) * 0.10 + 0.5)]
    high = kept[int((len(kept) - 1) * 0.95 + 0.5)]
    return float(high - low)


def _series(ends: np.ndarray, values: np.ndarray, step: int) -> tuple[tuple[float, float], ...]:
    if len(values) == 0:
        return ()
    picked = np.arange(len(values) - 1, -1, -step)[::-1]  # keep the last window in the series
    return tuple(zip(np.round(ends[picked], 6).tolist(), values[picked].tolist(), strict=True))


def measure_loudness(
    samples: np.ndarray,
    rate: int,
    layout: str | Sequence[str] | None = None,
    *,
    series_step: float = 0.1,
    momentary_series: bool = True,
) -> Loudness:
    """Measure an in-memory signal, shape (n,) for mono or (n, channels), full scale 1.0."""
    x = np.asarray(samples)
    channels = 1 if x.ndim == 1 else x.shape[1]
    meter = LoudnessMeter(rate, channels, layout, series_step=series_step, momentary_series=momentary_series)
    meter.feed(x)
    return meter.result()


def meter_file(
    path: str | PathLike[str],
    *,
    block_seconds: float = 5.0,
    series_step: float = 0.1,
    momentary_series: bool = True,
) -> LoudnessMeter:
    """Decode `path` at 48 kHz block by block (bounded memory) into a fed `LoudnessMeter`.

    Use the meter for both `result()` and `find_silences(meter)` from a single decode.
    Raises `ProbeError` when the file is unreadable or has no audio stream.
    """
    meter: LoudnessMeter | None = None
    for block in iter_audio_blocks(path, DEFAULT_RATE, block_seconds):
        if meter is None:
            meter = LoudnessMeter(block.rate, block.channels, block.channel_names or block.layout,
                                  series_step=series_step, momentary_series=momentary_series)  # fmt: skip
        meter.feed(block.samples)
    if meter is None:  # an audio stream without a single decodable sample
        _, channels, layout = probe_layout(path)
        meter = LoudnessMeter(DEFAULT_RATE, channels, layout)
    return meter


def measure_file(path: str | PathLike[str], *, block_seconds: float = 5.0) -> Loudness:
    """Measure the first audio stream of a media file, decoded at 48 kHz in bounded memory."""
    return meter_file(path, block_seconds=block_seconds).result()
