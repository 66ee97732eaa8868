"""How many films at once, and how many threads each.

x264's output depends on its thread count (frame threads change which reference pixels each
frame may use), so a film's encode runs with `ENCODE_THREADS` whatever the machine or the mode:
a film rendered alone, in the pool or on a Dask worker decodes to the same frames. What can vary
is the number of films at once: `default_jobs` gives each film `ENCODE_THREADS` cores and the
memory one film needs at its peak, so jobs × threads stays within the machine.
"""

from __future__ import annotations

import os

# ENCODE_THREADS is fixed, for identical outputs everywhere (the module docstring, `toolkit.settings`)
from toolkit.settings import ENCODE_THREADS

# One final film's peak memory, Python and every ffmpeg together: ≈ 0.9–1 GB whatever its length,
# measured by bench/run.py (d) (README, "Speed"); drafts need less, so this errs on the safe side.
FILM_PEAK_BYTES = 1 << 30


def usable_cpus() -> int:
    """The cores this process may run on (its affinity mask, e.g. under taskset or a container)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def available_memory() -> int | None:
    """Bytes the kernel says can be used without swapping (Linux's MemAvailable), None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def default_jobs(cpus: int | None = None, memory: int | None = None) -> int:
    """Films at once when `--jobs` is not given: one per `ENCODE_THREADS` cores, as many as fit in memory."""
    cpus = usable_cpus() if cpus is None else cpus
    memory = available_memory() if memory is None else memory
    jobs = max(1, cpus // ENCODE_THREADS)
    if memory is not None:
        jobs = min(jobs, max(1, memory // FILM_PEAK_BYTES))
    return jobs
