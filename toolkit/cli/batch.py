"""`reel render A.yaml B.yaml …` and `reel grade FOLDER` with `--jobs N / --scheduler ADDR`: progress and summary.

The films run on a backend of `toolkit.batch` (a local process pool, or a Dask cluster); this
module turns the backend's events into one progress line on stderr (films done / running /
failed, with an ETA) and its outcomes into the same lines and summary a one-at-a-time batch
prints, plus which films were run again and why.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import click

from toolkit.batch import Event, FilmJob, FilmOptions, Outcome, choose, default_jobs
from toolkit.cli.output import echo_issues
from toolkit.cli.style import plain, rich_console, secho


def parallel_jobs(jobs: int | None, scheduler: str | None, films: int, dry_run: bool) -> int | None:
    """Films at once for this batch, or None when it runs one film at a time in this process."""
    if dry_run:
        if scheduler or (jobs or 1) > 1:
            raise click.UsageError("--dry-run prints the commands and renders nothing: drop --jobs/--scheduler")
        return None
    if scheduler:
        return max(1, jobs or 1)
    width = default_jobs() if jobs is None else jobs
    return width if width > 1 and films > 1 else None


def render_batch(targets: dict[Path, Path], options: FilmOptions, *, jobs: int, scheduler: str | None,
                 quiet: bool, own: frozenset[Path] = frozenset()) -> None:
    """Render every storyboard of `targets` on the chosen backend; print results, retries and a summary.

    `own`: films that are their storyboard's own stale render (`--changed`), replaced without --force."""
    work: list[FilmJob] = []
    for sb, target in targets.items():
        if all(job.target != target for job in work):  # the same storyboard given twice
            work.append(FilmJob(sb, target, options, replace_own=target in own))
    outcomes = _run(work, jobs, scheduler, quiet, "films", "saved, complete and checked")
    for outcome in outcomes:
        _print(outcome)
    if outcomes:  # nothing to list when --changed found every film up to date
        _summary(outcomes)
    if not all(o.ok for o in outcomes):
        raise click.exceptions.Exit(1)


def grade_parallel(clips: Sequence[Path], rubric, context, out_dir: Path, *, jobs: int, scheduler: str | None) -> list:
    """Grade `clips` on the chosen backend; their gradebook entries, in order (retries printed)."""
    from toolkit.batch.grading import GradeJob
    from toolkit.grade.gradebook import Entry

    out_dir.mkdir(parents=True, exist_ok=True)  # before the workers write their reports there
    outcomes = _run([GradeJob(clip, rubric, context, out_dir) for clip in clips], jobs, scheduler, False, "clips",
                    "reports written")
    entries = []
    for o in outcomes:
        for reason in o.retried:
            secho(f"{o.job.name}: graded again: {reason}", fg="yellow", err=True)
        entries.append(o.value if o.value is not None else Entry(Path(o.job.name), "error", note=o.line))
    return entries


def _run(work: Sequence, jobs: int, scheduler: str | None, quiet: bool, noun: str, saved_words: str) -> list[Outcome]:
    """Run `work` on the backend for `jobs`/`scheduler` with the progress line; a signal stops it (exit 128+n)."""
    from toolkit.cli.signals import describe, exit_code

    backend = choose(jobs, scheduler)
    progress = _Progress(len(work), quiet, noun)
    try:
        with progress:
            return backend.run(work, progress.event)
    except KeyboardInterrupt as exc:
        saved = sorted(str(o.job.target) for o in progress.finished if o.ok)
        secho(f"interrupted ({describe(exc)}): " + (f"{saved_words}: {', '.join(saved)}; " if saved else "")
              + "nothing else was written", fg="yellow", err=True)
        raise click.exceptions.Exit(exit_code(exc)) from None


def _print(outcome: Outcome) -> None:
    if outcome.ok:
        echo_issues(outcome.issues)
        secho(outcome.line, fg="green")
    else:
        secho(f"{outcome.job.storyboard}: {outcome.line}", fg="red", err=True)
        echo_issues(outcome.issues)
    for reason in outcome.retried:
        secho(f"{outcome.job.storyboard}: run again: {reason}", fg="yellow", err=True)


def _summary(outcomes: Sequence[Outcome]) -> None:
    from rich.table import Table

    table = Table(title="Batch summary")
    for column in ("storyboard", "result", "film or reason", "retried"):
        table.add_column(column, overflow="fold")
    for o in outcomes:
        table.add_row(plain(o.job.storyboard), "[green]rendered[/]" if o.ok else "[red]failed[/]",
                      plain(o.job.target if o.ok else o.line), plain("; ".join(o.retried)))
    rich_console(stderr=True).print(table)
    ok = sum(1 for o in outcomes if o.ok)
    retried = sum(1 for o in outcomes if o.retried)
    click.echo(f"{ok} of {len(outcomes)} films rendered" + (f" ({retried} run again after a lost worker)"
                                                             if retried else ""))


class _Progress:
    """One line on stderr: films (or clips) done / running / failed of the batch, and an ETA."""

    def __init__(self, films: int, quiet: bool, noun: str = "films") -> None:
        self.films, self.quiet, self.noun = films, quiet, noun
        self.running: set[int] = set()
        self.finished: list[Outcome] = []
        self._start = time.monotonic()
        self._bar = None
        self._task = None

    def __enter__(self) -> _Progress:
        if not self.quiet:
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(),
                                 console=rich_console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self._describe(), total=self.films)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def event(self, event: Event) -> None:
        """Take one backend event (called on the main thread)."""
        if event.kind == "started":
            self.running.add(event.index)
        elif event.kind == "finished" and event.outcome is not None:
            self.running.discard(event.index)
            self.finished.append(event.outcome)
        elif event.kind == "retrying":
            self.running.discard(event.index)
        if self._bar is not None:
            self._bar.update(self._task, completed=len(self.finished), description=self._describe())

    def _describe(self) -> str:
        failed = sum(1 for o in self.finished if not o.ok)
        return (f"{self.noun}: {len(self.finished) - failed} done, {len(self.running)} running, {failed} failed, "
                f"{self.films - len(self.finished) - len(self.running)} waiting")
