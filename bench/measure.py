"""Run one command and measure it: wall time, and peak memory of its whole process tree.

Peak RSS is measured two ways, because each alone can mislead:

* **tree peak (sampled)**: every 20 ms the RSS (`VmRSS` in /proc/PID/status) of the command and
  all its descendants — Python and every ffmpeg it starts — is summed; the largest sum is kept.
  This is what the machine had to hold at once, but a spike shorter than 20 ms can be missed.
* **largest process (exact)**: the kernel's own high-water mark (`VmHWM`) of each process in the
  tree, read at the last sample before it exits (it only grows, so a late sample is exact to
  within 20 ms of growth). Peaks of different processes need not coincide, so these are not summed.

The report gives both; the bench's figure is the sampled tree peak, checked against the exact
per-process marks (the tree peak is never below the largest of them when sampling works).
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_INTERVAL = 0.02


@dataclass(frozen=True)
class Measured:
    """What one run cost: seconds, and memory in MiB."""

    seconds: float
    tree_peak_mb: float  # sampled sum over the process tree
    largest_hwm_mb: float  # exact high-water mark of the largest single process
    hwm_by_name: dict[str, float]  # exact peak per program name (largest instance)
    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0  # user + system CPU of the whole tree (Python and every ffmpeg it ran)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            out.extend(int(c) for c in text.split())
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return out


def _tree(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(_children(pid))
    return pids


def _status(pid: int) -> tuple[str, int, int] | None:
    """(name, VmRSS kB, VmHWM kB) of a live process."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    try:
        rss = int(fields.get("VmRSS", "0 kB").split()[0])
        hwm = int(fields.get("VmHWM", "0 kB").split()[0])
    except ValueError:
        return None
    return fields.get("Name", "?").strip(), rss, hwm


def run(argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None,
        timeout: float | None = None) -> Measured:
    """Run `argv` to completion, sampling its process tree's memory; never raises on failure."""
    # CPU time of the tree: children's times reach us when we reap the job, and the job's own
    # reaped children (every ffmpeg) are already in its counts. Unlike wall time, this does not
    # grow when other work shares the machine, so CPU ratios are the steadier figure here.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(env) if env is not None else None, cwd=cwd)
    peak = 0
    hwm: dict[int, tuple[str, int]] = {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            total = 0
            for pid in _tree(process.pid):
                status = _status(pid)
                if status is None:
                    continue
                name, rss, high = status
                total += rss
                hwm[pid] = (name, max(high, hwm.get(pid, ("", 0))[1]))
            peak = max(peak, total)
            stop.wait(_INTERVAL)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stop.set()
    sampler.join()
    by_name: dict[str, float] = {}
    for name, high in hwm.values():
        by_name[name] = max(by_name.get(name, 0.0), high / 1024)
    largest = max(by_name.values(), default=0.0)
    return Measured(seconds, peak / 1024, largest, by_name, process.returncode, out, err, cpu)


def load_average() -> float:
    """The one-minute load average (how busy the shared machine was)."""
    return os.getloadavg()[0]
