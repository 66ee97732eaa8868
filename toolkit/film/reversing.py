"""Reversed footage in a render, a still or a sheet: made once into the cache, then played forwards.

ffmpeg's `reverse` filter emits nothing until its input ends, so reversing in the render's graph
held every frame of the trim in memory, and the planner refused reversed trims past 43 frames.
Instead, before anything is compiled, each `VideoSource` with `reverse` (scene backgrounds and
footage layers) becomes a `ReverseJob`: the trim's frames at its speed and the canvas rate, last
first, at the footage's own size, made once into `cache_dir()` (`run.reversing`, in blocks that
bound memory; `compile.reversing` says how) and named by content: the footage's bytes, the trim,
the speed, the canvas rate and the recipe. Its source is then replaced by that file played
forwards at speed 1 (`with_reversed`): frame k of the file is frame k of the reversed trim, so
holds, loops, chunks, stills, layers and draft proxies work on it unchanged. The file has no
sound (reversed footage is silent). A draft and a final render at another width share it: fitting
is done later, by the render.

Renders make them as a step of `toolkit.film.steps` (`planned`); stills and sheets through
`resolve_reversed`, so both show the same pixels. The planner bounds a reversed trim at
`plan.footage.REVERSE_MAX_SECONDS` of footage (disk and time, not memory).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

from toolkit.errors import RenderError
from toolkit.film.compile.reversing import ReverseJob, suffix
from toolkit.film.plan.timeline import ColorSource, Timeline, VideoSource
from toolkit.film.proxy import content_digest
from toolkit.film.run.reversing import STAGE, make_reversed
from toolkit.settings import Settings


def cache_dir() -> Path:
    """Where reversed intermediates are kept between renders (content-addressed, safe to delete)."""
    return Settings.cache_root() / "reversed"


def reversed_sources(timeline: Timeline) -> list[VideoSource]:
    """Every distinct reversed footage source of `timeline` (segments, then layers), in order."""
    found: dict[VideoSource, None] = {}
    for src in (*(s.source for s in timeline.segments), *(layer.source for layer in timeline.layers)):
        if isinstance(src, VideoSource) and src.reverse:
            found[src] = None
    return list(found)


def job_for(src: VideoSource, fps: Fraction, folder: Path) -> ReverseJob:
    """The intermediate `src` needs at `fps`, named in `folder` by content (reads the footage once,
    then its digest is remembered by path, size and time)."""
    trim = src.trim_frames(fps)
    if trim is None:
        raise ValueError(f"{src.path.name}: reversed footage needs the trim's end")
    try:
        digest = content_digest(src.path, folder / "digests")
    except OSError as exc:  # moved or deleted since the storyboard was read
        raise RenderError(STAGE, f"cannot read {src.path}: {exc.strerror or exc}") from None
    draft = ReverseJob(src, fps, trim, folder)
    key = hashlib.blake2b(f"{digest}|{draft.recipe}".encode(), digest_size=16).hexdigest()
    return dataclasses.replace(draft, path=folder / f"reversed-{key}{suffix(draft)}")


def reverse_jobs(timeline: Timeline, folder: Path | None = None) -> dict[VideoSource, ReverseJob]:
    """The job of each reversed source of `timeline`, by source."""
    folder = folder or cache_dir()
    return {src: job_for(src, timeline.canvas.fps, folder) for src in reversed_sources(timeline)}


def played(job: ReverseJob) -> VideoSource:
    """The source that plays `job`'s file: forwards, speed 1, silent, exactly the trim's frames."""
    return dataclasses.replace(job.source, path=job.path, start=Fraction(0), end=Fraction(job.trim) / job.fps,
                               speed=Fraction(1), reverse=False, has_audio=False)


def with_reversed(timeline: Timeline, jobs: Mapping[VideoSource, ReverseJob]) -> Timeline:
    """`timeline` with each reversed source that has a job reading that job's file (pure)."""
    if not jobs:
        return timeline

    def swap(src: object) -> object:
        return played(jobs[src]) if isinstance(src, VideoSource) and src in jobs else src

    return dataclasses.replace(
        timeline, segments=tuple(dataclasses.replace(s, source=swap(s.source)) for s in timeline.segments),
        layers=tuple(dataclasses.replace(layer, source=swap(layer.source)) for layer in timeline.layers))


def without_pending(timeline: Timeline, jobs: list[ReverseJob]) -> Timeline:
    """`timeline` without the sources reading intermediates not made yet (black in their place), for
    planning draft proxies, which are named by the bytes of what they proxy (pure but for `is_file`)."""
    pending = {job.path for job in jobs if not job.path.is_file()}
    if not pending:
        return timeline

    def hide(src: object) -> object:
        return ColorSource("#000000") if isinstance(src, VideoSource) and src.path in pending else src

    return dataclasses.replace(
        timeline, segments=tuple(dataclasses.replace(s, source=hide(s.source)) for s in timeline.segments),
        layers=tuple(dataclasses.replace(layer, source=hide(layer.source)) for layer in timeline.layers))


def planned(timeline: Timeline, folder: Path | None = None) -> tuple[Timeline, list[ReverseJob]]:
    """`timeline` reading each reversed source's intermediate, and the jobs that make them."""
    jobs = reverse_jobs(timeline, folder)
    return with_reversed(timeline, jobs), list(jobs.values())


def resolve_reversed(timeline: Timeline, *, settings: Settings | None = None) -> Timeline:
    """`timeline` with every reversed source's intermediate made (unless cached) and read from it.

    Raises `RenderError` when footage cannot be read or ffmpeg fails; nothing half-made is kept.
    """
    settings = settings or Settings()
    ready, jobs = planned(timeline)
    for job in jobs:
        make_reversed(job, ffmpeg=settings.ffmpeg)
    return ready
