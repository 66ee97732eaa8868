"""The BS.1770 filters as fast numpy kernels: the K-weighting filter and the true-peak interpolator.

* K-weighting: the two BS.1770 biquads, designed for any rate from the analog prototypes
  libebur128 uses (they reproduce the 48 kHz table of BS.1770-4 to ~1e-15).
* The 4th-order K-filter runs as a state-space system over blocks of `BLOCK` samples: inside
  a block the zero-state response is one matrix product with a lower-triangular Toeplitz
  matrix, and the block start states come from a log-depth parallel prefix scan. It is exact
  (no truncated impulse response) and carries its state across calls.
* True peak: polyphase interpolation with libebur128's 49-tap Hann-windowed sinc.

Used by the meter in `toolkit.media.loudness`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

BLOCK = 64  # samples per filter block: the sweet spot measured for BLAS matmul vs scan length

Biquad = tuple[tuple[float, float, float], tuple[float, float, float]]


@lru_cache(maxsize=32)
def k_weighting_coefficients(rate: int) -> tuple[Biquad, Biquad]:
    """((b, a) of the high-shelf pre-filter, (b, a) of the RLB high-pass) at `rate` Hz."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (
        ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0),
        (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0),
    )
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    highpass = ((1.0, -2.0, 1.0), (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0))
    return shelf, highpass


def _matmul(a: np.ndarray, b: np.ndarray, rows: int = 64) -> np.ndarray:
    """`a @ b` as a stack of `rows`-row products.

    Each product is then small enough for OpenBLAS to run it on one thread: its thread pool
    made the meter 2-5x slower on a loaded 2-core machine (measured) and gained ~10 % when idle.
    """
    n = len(a) - len(a) % rows
    out = np.empty((len(a), b.shape[1]), dtype=np.result_type(a, b))
    out[:n] = (np.ascontiguousarray(a[:n]).reshape(-1, rows, a.shape[1]) @ b).reshape(n, b.shape[1])
    out[n:] = a[n:] @ b
    return out


def _biquad_state_space(b: Sequence[float], a: Sequence[float]) -> tuple[np.ndarray, ...]:
    """(A, B, C, D) of a transposed direct-form II biquad."""
    A = np.array([[-a[1], 1.0], [-a[2], 0.0]])
    B = np.array([b[1] - a[1] * b[0], b[2] - a[2] * b[0]])
    return A, B, np.array([1.0, 0.0]), np.array(b[0])


@dataclass(frozen=True, eq=False)
class _BlockFilter:
    toeplitz: np.ndarray  # (L, L) zero-state response inside a block
    observe: np.ndarray  # (L, 4) row i = C A^i: output from the block's start state
    powers: np.ndarray  # (L + 1, 4, 4) A^k
    drive: np.ndarray  # (L, 4) row k = A^k B

    def run(self, x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Filter one channel `x` from `state`; return (output, end state)."""
        size = len(self.drive)
        nb, r = divmod(len(x), size)
        y = np.empty_like(x)
        blocks = x[: nb * size].reshape(nb, size)
        starts = np.empty((nb + 1, 4))
        starts[0] = state
        starts[1:] = _matmul(blocks, self.drive[::-1])  # zero-state end state of each block
        step, shift = self.powers[size], 1
        while shift <= nb:  # Hillis-Steele scan: S[k+1] = A^L S[k] + Z[k]
            starts[shift:] = starts[shift:] + starts[:-shift] @ step.T
            step, shift = step @ step, shift * 2
        y[: nb * size] = (_matmul(blocks, self.toeplitz.T) + _matmul(starts[:nb], self.observe.T)).ravel()
        tail, state = x[nb * size :], starts[nb]
        y[nb * size :] = self.toeplitz[:r, :r] @ tail + self.observe[:r] @ state
        return y, self.powers[r] @ state + tail @ self.drive[:r][::-1]


@lru_cache(maxsize=16)
def block_filter(rate: int, size: int = BLOCK) -> _BlockFilter:
    (b1, a1), (b2, a2) = k_weighting_coefficients(rate)
    A1, B1, C1, D1 = _biquad_state_space(b1, a1)
    A2, B2, C2, D2 = _biquad_state_space(b2, a2)
    A = np.zeros((4, 4))
    A[:2, :2], A[2:, 2:], A[2:, :2] = A1, A2, np.outer(B2, C1)
    B = np.concatenate([B1, B2 * D1])
    C = np.concatenate([D2 * C1, C2])
    powers = [np.eye(4)]
    for _ in range(size):
        powers.append(A @ powers[-1])
    P = np.array(powers)
    drive = P[:size] @ B
    impulse = np.concatenate([[D2 * D1], drive[: size - 1] @ C])
    i, j = np.indices((size, size))
    toeplitz = np.where(i >= j, impulse[np.clip(i - j, 0, None)], 0.0)
    return _BlockFilter(toeplitz, C @ P[:size], P, drive)


@dataclass(frozen=True, eq=False)
class _Interpolator:
    """Polyphase FIR upsampler laid out for block matrix products (see `peak`)."""

    current: np.ndarray  # (size, size * factor): outputs of a block from its own samples
    previous: np.ndarray  # (history, size * factor): ... from the previous block's last samples
    windowed: np.ndarray  # (history + 1, factor): per-output weights over a sliding window

    @property
    def history(self) -> int:
        return len(self.previous)

    def peak(self, padded: np.ndarray) -> float:
        """Max |interpolated| of a float32 channel whose first `history` samples are past input."""
        hist, size = self.history, len(self.current)
        nb = (len(padded) - hist) // size
        peak = 0.0
        if nb:
            blocks = padded[hist : hist + nb * size].reshape(nb, size)
            tails = np.empty((nb, hist), dtype=np.float32)
            tails[0], tails[1:] = padded[:hist], blocks[:-1, size - hist :]
            for s in range(0, nb, 4096):
                out = _matmul(blocks[s : s + 4096], self.current) + _matmul(tails[s : s + 4096], self.previous)
                peak = max(peak, float(np.abs(out).max()))
        rest = padded[nb * size :]
        if len(rest) > hist:
            peak = max(peak, float(np.abs(sliding_window_view(rest, hist + 1) @ self.windowed).max()))
        return peak


@lru_cache(maxsize=4)
def interpolator(factor: int, taps: int = 49, size: int = 32) -> _Interpolator:
    """libebur128's true-peak interpolator: `taps`-tap Hann-windowed sinc, `factor` phases."""
    j = np.arange(taps)
    m = (j - (taps - 1) / 2) * np.pi / factor
    sinc = np.divide(np.sin(m), m, out=np.ones(taps), where=np.abs(m) > 1e-9)
    table = np.zeros(-(-taps // factor) * factor)
    table[:taps] = sinc * 0.5 * (1 - np.cos(2 * np.pi * j / (taps - 1)))
    phases = table.reshape(-1, factor)  # phases[t, f] weighs x[n - t] for output n + f / factor
    hist = len(phases) - 1
    current = np.zeros((size, size, factor))
    previous = np.zeros((hist, size, factor))
    for i in range(size):
        for t in range(len(phases)):
            if i >= t:
                current[i - t, i] = phases[t]
            else:
                previous[hist + i - t, i] = phases[t]
    return _Interpolator(
        current.reshape(size, -1).astype(np.float32),
        previous.reshape(hist, -1).astype(np.float32),
        np.ascontiguousarray(phases[::-1]).astype(np.float32),
    )
