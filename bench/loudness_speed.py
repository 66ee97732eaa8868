"""Time the loudness meter on a 60 s stereo 48 kHz clip (in memory, no decoding).

Run: python bench/loudness_speed.py [--seconds 60] [--repeat 5]
The clip is noise with level changes and a few silences, the worst case for the true-peak pass.
Prints the best and median wall time; timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from toolkit.media.loudness import measure_loudness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    rate = 48000
    n = round(args.seconds * rate)
    rng = np.random.default_rng(0)
    envelope = np.repeat(rng.uniform(0.02, 0.5, size=n // rate + 1), rate)[:n]
    envelope[(np.arange(n) // rate) % 13 == 5] = 0.0  # one silent second in every 13
    clip = (rng.standard_normal((n, 2)) * 0.3 * envelope[:, None]).astype(np.float32)

    measure_loudness(clip[:rate], rate)  # warm the coefficient caches and BLAS
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = measure_loudness(clip, rate)
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    print(f"{args.seconds:g} s stereo 48 kHz: best {best:.3f} s, median {median:.3f} s ({args.repeat} runs)")
    print(f"  I {result.integrated:.2f} LUFS, LRA {result.lra:.2f} LU, TP {result.true_peak:.2f} dBTP")


if __name__ == "__main__":
    main()
