"""Make a reversed-footage intermediate (`compile.reversing`) in the cache, whole or not at all.

The producers (one per block of at most `ReverseJob.block_frames` frames) run one after another
into one encoder (`runner.run_render`), so one block's frames are in memory at a time. The file
is written under a temporary name beside its place and renamed in only when complete: an
interrupted or failed make leaves nothing the next render would use.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from toolkit.film.compile.reversing import ReverseJob, compile_reverse
from toolkit.film.run.ownership import remove_abandoned_temps, temp_name, this_process
from toolkit.film.run.runner import Progress, run_render

STAGE = "reverse"


def make_reversed(job: ReverseJob, *, ffmpeg: str | None = None,
                  on_progress: Callable[[Progress], None] | None = None) -> Path:
    """`job`'s intermediate, made first unless the cache has it. Raises `RenderError` when ffmpeg fails."""
    if job.path.is_file():
        return job.path
    job.path.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_temps(job.path.parent)  # what a killed make left
    temp = job.path.with_name(temp_name(job.path.name, this_process()))
    try:
        run_render(compile_reverse(job, temp), stage=f"{STAGE} {job.source.path.name}", total_frames=job.trim,
                   on_progress=on_progress, ffmpeg=ffmpeg)
        os.replace(temp, job.path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return job.path
