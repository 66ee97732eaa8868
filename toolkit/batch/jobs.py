"""One job of a batch (a film to render; a clip to grade: `grading.GradeJob`) and what came of it.

Both are picklable, for pool and cluster workers. A job runs itself (`job.run(threads)`), so the
backends know nothing of films or clips: `run_job` is what they send to a worker.
"""

from __future__ import annotations

import os
import resource
import socket
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from toolkit.errors import Issue, IssuesError, ReelError


@dataclass(frozen=True, slots=True)
class FilmOptions:
    """The batch's render options, the same for every film."""

    draft: bool = False
    force: bool = False
    template: str | None = None
    allow_outside: bool = False
    strict: bool = False
    allow_python: bool = False
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class FilmJob:
    """Render `storyboard` to `target` with `options`."""

    storyboard: Path
    target: Path
    options: FilmOptions = FilmOptions()
    replace_own: bool = False  # `--changed`: the film there is this storyboard's own stale render

    @property
    def name(self) -> str:
        return str(self.storyboard)

    def run(self, threads: int) -> Outcome:
        """Render the film (see `run_film`)."""
        return run_film(self, threads)


class Job(Protocol):
    """A unit of a batch: `name` for messages, `target` (the file it writes: its dead temporary files
    are swept before it runs again), and `run(threads)`, called on the worker."""

    @property
    def name(self) -> str: ...

    @property
    def target(self) -> Path: ...

    def run(self, threads: int) -> Outcome: ...


def run_job(job: Job, threads: int) -> Outcome:
    """What a backend runs on a worker: the job itself."""
    return job.run(threads)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What came of one job. `line` is the success line or the reason it failed (one line)."""

    job: Job
    ok: bool
    line: str
    issues: tuple[Issue, ...] = ()  # warnings (rendered) or the located problems (failed)
    seconds: float = 0.0  # wall time of the film's own work on its worker
    cpu_seconds: float = 0.0  # CPU time of the worker process and its ffmpeg children for this film
    worker: str = ""
    retried: tuple[str, ...] = field(default=())  # why it had to run again, once per retry
    value: Any = None  # what the job made, for the caller (a graded clip's gradebook entry)

    def with_retries(self, reasons: tuple[str, ...]) -> Outcome:
        """This outcome, noting the retries the backend made before it."""
        return replace(self, retried=reasons)


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def worker_name() -> str:
    """This worker, for messages: host and process id."""
    return f"{socket.gethostname()} (pid {os.getpid()})"


def missing_on_worker(job: Job, source: Path, where: str, kinds: str) -> Outcome | None:
    """A file this worker cannot see: the batch's files are not on storage every worker shares."""
    if source.is_file() and job.target.parent.is_dir():
        return None
    missing = source if not source.is_file() else job.target.parent
    return Outcome(job, False, f"{missing} does not exist on the worker {where}: {kinds} must be on storage every "
                   "worker sees, under the same path", worker=where)


def cpu_seconds() -> float:
    """CPU time so far of this process and its reaped children (ffmpeg)."""
    return _cpu()


def run_film(job: FilmJob, threads: int) -> Outcome:
    """Render one film as `reel render` does (checks, lock, prepare, render, gates); never raises a ReelError.

    `threads` is x264's thread count (`sizing.ENCODE_THREADS`: the same everywhere, for identical
    frames). A `KeyboardInterrupt` is let through: the render has removed its temporary file.
    """
    from toolkit.film.pipeline import DRAFT_WIDTH, prepare
    from toolkit.film.render import render_film
    from toolkit.film.rerender import replaces_own_sidecar
    from toolkit.film.run.atomic import check_output
    from toolkit.film.run.drafts import draft_tag, is_draft_of
    from toolkit.film.run.ownership import target_lock
    from toolkit.film.run.sidecars import check_sidecars, replaces_sidecar_of
    from toolkit.settings import Settings

    where = worker_name()
    missing = missing_on_worker(job, job.storyboard, where, "the storyboards, their media and the output folder")
    if missing is not None:
        return missing
    opts, sb, target = job.options, job.storyboard, job.target
    started, cpu = time.perf_counter(), _cpu()
    try:
        check_output(target, kind="film", force=opts.force or job.replace_own
                     or (opts.draft and is_draft_of(target, draft_tag(sb))))
        own_sidecar = replaces_own_sidecar(sb, target, draft=opts.draft) if job.replace_own else None
        check_sidecars(target, force=opts.force, replaces=own_sidecar if job.replace_own
                       else replaces_sidecar_of(sb, target) if opts.draft else None)
        with target_lock(target):
            prepared = prepare(sb, template=opts.template, width=DRAFT_WIDTH if opts.draft else None,
                               allow_outside=opts.allow_outside, strict=opts.strict, fields=dict(opts.fields))
            result = render_film(prepared, target, draft=opts.draft, force=opts.force,
                                 settings=Settings(threads=threads), allow_python=opts.allow_python,
                                 replace_own=job.replace_own)
    except IssuesError as exc:
        return Outcome(job, False, exc.message.splitlines()[0], tuple(exc.issues), worker=where,
                       seconds=time.perf_counter() - started, cpu_seconds=_cpu() - cpu)
    except ReelError as exc:
        return Outcome(job, False, str(exc).splitlines()[0], worker=where, seconds=time.perf_counter() - started,
                       cpu_seconds=_cpu() - cpu)
    warnings = tuple(w for w in (*prepared.warnings, *result.warnings) if w.severity == "warning")
    gain = f", loudness {result.gain.describe()}" if result.gain else ", silent"
    line = (f"{target}: {float(result.timeline.duration):.1f}s, {result.verify.width}x{result.verify.height}{gain}, "
            "flash gate passed" + (f" ({result.flash_scope})" if result.flash_scope else "")
            + f", rendered in {result.seconds:.1f}s")
    return Outcome(job, True, line, tuple(dict.fromkeys(warnings)), seconds=time.perf_counter() - started,
                   cpu_seconds=_cpu() - cpu, worker=where)
