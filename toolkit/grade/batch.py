"""Grading many clips: pick the videos out of folders, grade each, write a report per clip.

One clip that cannot be graded (damaged, not really a video) is recorded as an error and the
rest are still graded; files that are not videos at all are listed as skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from toolkit.errors import ReelError
from toolkit.grade.context import GradeContext
from toolkit.grade.gradebook import Entry
from toolkit.grade.grader import grade
from toolkit.grade.measure import MeasureOptions
from toolkit.grade.ocr import OcrEngine
from toolkit.grade.report_html import write_html
from toolkit.grade.report_json import write_json
from toolkit.grade.rubric import Rubric

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".mts", ".3gp"})

ClipProgress = Callable[[int, Path, float], None]  # (clip index, clip, fraction of that clip done)


def collect_clips(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(clips to grade, files skipped). Folders contribute their video files (by extension,
    sorted, not recursive) and every other file is skipped; files named directly are graded."""
    clips: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
                (clips if child.suffix.lower() in VIDEO_SUFFIXES else skipped).append(child)
        else:
            clips.append(path)
    return clips, skipped


def grade_batch(clips: Sequence[Path], rubric: Rubric, context: GradeContext, *, out_dir: Path | None,
                ocr: OcrEngine | None = None, options: MeasureOptions | None = None,
                progress: ClipProgress | None = None) -> list[Entry]:
    """Grade each clip; with `out_dir`, write `<file name>.json` and `.html` there for each.

    Tool errors for one clip (`ReelError`) are recorded on its entry, not raised.
    """
    ocr = ocr or OcrEngine()
    entries: list[Entry] = []
    for i, clip in enumerate(clips):
        def tick(fraction: float, i: int = i, clip: Path = clip) -> None:
            if progress is not None:
                progress(i, clip, fraction)
        entries.append(grade_entry(clip, rubric, context, out_dir=out_dir, ocr=ocr, options=options, progress=tick))
    return entries


def grade_entry(clip: Path, rubric: Rubric, context: GradeContext, *, out_dir: Path | None, ocr: OcrEngine,
                options: MeasureOptions | None = None, progress: Callable[[float], None] | None = None) -> Entry:
    """Grade one clip into its gradebook entry (and its two reports in `out_dir`); a `ReelError` is
    the entry's error, not raised. One clip of `grade_batch`, and of a batch on a pool or cluster."""
    try:
        report = grade(clip, rubric, context=context, ocr=ocr, options=options, progress=progress)
    except ReelError as exc:
        return Entry(clip, "error", note=str(exc).splitlines()[0])
    written: tuple[Path, ...] = ()
    if out_dir is not None:
        written = (write_html(report, out_dir / f"{clip.name}.html"),
                   write_json(report, out_dir / f"{clip.name}.json"))
    if progress is not None:
        progress(1.0)
    return Entry(clip, "graded", report, reports=written)
