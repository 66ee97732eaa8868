"""The gradebook: one CSV row per file of a graded folder (file, verdict, score, each criterion).

Files that could not be graded (damaged clips) have verdict `error` and the reason in `note`;
files that are not videos have verdict `skipped`, so the tutor sees every file in the folder.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from toolkit.grade.report_json import write_text
from toolkit.grade.results import Report
from toolkit.grade.rubric import Rubric

Outcome = Literal["graded", "error", "skipped"]


@dataclass(frozen=True, slots=True, eq=False)
class Entry:
    """What happened to one file: its report, or why there is none."""

    path: Path
    outcome: Outcome
    report: Report | None = None
    note: str = ""
    reports: tuple[Path, ...] = ()  # report files written for it


def gradebook_csv(entries: Sequence[Entry], rubric: Rubric, *, root: Path | None = None) -> str:
    """The gradebook as CSV text. File names are relative to `root` when given."""
    ids = [c.id for c in rubric.criteria]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "verdict", "score", "fails", "warnings", *ids, "report", "note"])
    for e in entries:
        name = str(e.path.relative_to(root)) if root is not None and e.path.is_relative_to(root) else str(e.path)
        report_file = next((str(p) for p in e.reports if p.suffix == ".html"), str(e.reports[0]) if e.reports else "")
        if e.report is None:
            writer.writerow([name, e.outcome if e.outcome != "graded" else "", "", "", "", *[""] * len(ids),
                             report_file, e.note])
            continue
        r = e.report
        statuses = {res.id: res.status for res in r.results}
        writer.writerow([name, r.verdict, f"{r.score:.1f}", r.count("fail"), r.count("warn"),
                         *[statuses.get(i, "") for i in ids], report_file, e.note])
    return buffer.getvalue()


def write_gradebook(entries: Sequence[Entry], rubric: Rubric, path: Path, *, root: Path | None = None) -> Path:
    """Write the gradebook CSV to `path`. Raises `OutputError` if it cannot."""
    return write_text(path, gradebook_csv(entries, rubric, root=root))
