"""`reel render`'s progress on stderr: one row per named stage, honest about what it knows.

The renderer reports each step by name when it starts ("text", "proxies", "loudness", "render",
"check", "flash gate", "end card") and then with what ffmpeg says. A stage whose length is not
known shows a spinner and its elapsed time, never a bar; the render, whose frame count is known,
shows a bar. A bar never goes back, and never shows 100 % while its stage is still working: it
stops at 99 % ("finishing": ffmpeg writes the index after the last frame) until the stage ends.
An ended stage shows a tick, so the row that moves is always the work in progress.

Imported only when a render shows progress, so `reel --help` does not load rich.
"""

from __future__ import annotations

from typing import Any

from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from toolkit.cli.style import rich_console


class StageProgress:
    """Context manager; `update(stage, progress)` is the renderer's `on_progress` callback."""

    def __init__(self, label: str) -> None:
        self._label = label
        console = rich_console(stderr=True)
        # Off where stderr is not a terminal (a log, a pipe): rows that redraw themselves make no sense there.
        self._progress = Progress(SpinnerColumn(finished_text="✓"), TextColumn("{task.description}"),
                                  _KnownTotal(BarColumn()), _KnownTotal(TaskProgressColumn()), TimeElapsedColumn(),
                                  transient=True, console=console, disable=not console.is_terminal)
        self._stage: str | None = None
        self._task: Any = None
    def __enter__(self) -> StageProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._end_stage()
        self._progress.stop()

    def update(self, stage: str, progress: Any) -> None:
        """Show `progress` (a `toolkit.film.run.runner.Progress`) for `stage`."""
        if stage != self._stage:
            self._end_stage()
            self._stage = stage
            self._task = self._progress.add_task(f"{self._label}: {stage}", total=None)
        total = progress.total_frames
        if not total:
            return  # length unknown: the spinner and the clock say it is working
        task = self._current()
        shown = max(task.completed, min(progress.frame, total - 1))  # never back, never 100 % early
        finishing = progress.frame >= total or progress.done
        self._progress.update(self._task, total=total, completed=shown,
                              description=f"{self._label}: {stage}" + (" (finishing)" if finishing else ""))

    def snapshot(self) -> list[tuple[str, float | None, bool]]:
        """Each row as (description, percentage or None without a total, finished): for tests."""
        return [(t.description, t.percentage if t.total else None, t.finished) for t in self._progress.tasks]

    def _current(self) -> Task:
        return next(t for t in self._progress.tasks if t.id == self._task)

    def _end_stage(self) -> None:
        if self._task is None:
            return
        task = self._current()
        description = f"{self._label}: {self._stage}"
        if task.total:
            self._progress.update(self._task, completed=task.total, description=description)
        else:
            # finished without a bar: a total of 1, completed, marks it done (the bar stays hidden)
            self._progress.update(self._task, total=1, completed=1, description=description, bar=False)
        self._task = None


class _KnownTotal(ProgressColumn):
    """Shows its column only for a stage with a known total (the render), blank otherwise."""

    def __init__(self, column: ProgressColumn) -> None:
        super().__init__()
        self._column = column

    def render(self, task: Task) -> Any:
        if task.total is None or task.fields.get("bar") is False:
            return Text("")
        return self._column.render(task)
