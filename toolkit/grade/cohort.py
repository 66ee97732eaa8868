"""A graded folder as a cohort: the HTML index beside the gradebook, and the CSV an LMS imports.

The index (`index.html`) is one self-contained page: a sortable row per file (verdict, must-fix
and should-fix counts, score, each criterion's result) linking to that clip's report, and the
pass rate of every criterion across the cohort. The LMS file (`lms-import.csv`) has one row per
file with an identifier, points and feedback columns, for Moodle's and Canvas's grade import.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from toolkit.grade.gradebook import Entry
from toolkit.grade.report_json import write_text
from toolkit.grade.results import CheckResult
from toolkit.grade.rubric import Criterion, Rubric
from toolkit.grade.wording import SCORE_MEANING, result_line, verdict_line

TEMPLATES = Path(__file__).resolve().parent / "templates"
LMS_COLUMNS = ("identifier", "points", "feedback", "verdict", "must_fix", "file", "report")
_MARKS = {"pass": "✓", "fail": "✗", "warn": "!", "not_evaluated": "–"}


@dataclass(frozen=True, slots=True)
class CriterionRate:
    """How one criterion went across the cohort (graded clips only)."""

    criterion: Criterion
    passed: int
    failed: int  # fail or warn
    not_evaluated: int

    @property
    def evaluated(self) -> int:
        """Clips on which the criterion could be judged."""
        return self.passed + self.failed

    @property
    def percent(self) -> float | None:
        """Share of evaluated clips that met it, 0–100 (None when no clip could be judged)."""
        return None if not self.evaluated else round(100.0 * self.passed / self.evaluated, 1)


def pass_rates(entries: Sequence[Entry], rubric: Rubric) -> list[CriterionRate]:
    """Each criterion's pass rate over the graded entries, in rubric order."""
    reports = [e.report for e in entries if e.report is not None]
    rates = []
    for c in rubric.criteria:
        results = [r for rep in reports if (r := rep.result(c.id)) is not None]
        rates.append(CriterionRate(c, sum(r.status == "pass" for r in results),
                                   sum(r.failed for r in results),
                                   sum(r.status == "not_evaluated" for r in results)))
    return rates


def _link(entry: Entry, out_dir: Path) -> str:
    page = next((p for p in entry.reports if p.suffix == ".html"), None)
    if page is None:
        return ""
    return quote(Path(os.path.relpath(page, out_dir)).as_posix())


def _name(entry: Entry, root: Path | None) -> str:
    if root is not None and entry.path.is_relative_to(root):
        return str(entry.path.relative_to(root))
    return entry.path.name


def render_index(entries: Sequence[Entry], rubric: Rubric, out_dir: Path, *, root: Path | None = None) -> str:
    """The cohort index page (UTF-8 HTML); report links are relative to `out_dir`, where it is written."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    rows = []
    for e in entries:
        r = e.report
        cells: list[tuple[str, str, str]] = []  # (status, mark, what it measured against the target)
        if r is not None:
            for c in rubric.criteria:
                res: CheckResult | None = r.result(c.id)
                if res is None:
                    cells.append(("", "", ""))
                else:
                    cells.append((res.status, _MARKS[res.status], f"{c.id}: {result_line(res, r.clip)}"))
        rows.append({"name": _name(e, root), "link": _link(e, out_dir), "outcome": e.outcome, "note": e.note,
                     "report": r, "headline": verdict_line(r) if r is not None else "", "cells": cells})
    graded = [e.report for e in entries if e.report is not None]
    return env.get_template("index.html.j2").render(
        rubric=rubric, rows=rows, rates=pass_rates(entries, rubric), score_meaning=SCORE_MEANING,
        counts={"clips": len(entries), "graded": len(graded), "passed": sum(r.passed for r in graded),
                "failed": sum(not r.passed for r in graded),
                "errors": sum(e.outcome == "error" for e in entries),
                "skipped": sum(e.outcome == "skipped" for e in entries)})


def write_index(entries: Sequence[Entry], rubric: Rubric, out_dir: Path, *, root: Path | None = None) -> Path:
    """Write `index.html` into `out_dir`. Raises `OutputError` if it cannot."""
    return write_text(out_dir / "index.html", render_index(entries, rubric, out_dir, root=root))


def feedback(entry: Entry) -> str:
    """The feedback a trainee gets in the LMS: the verdict, each must-fix and should-fix item with
    what was measured and the target, and the report's file name."""
    r = entry.report
    if r is None:
        why = entry.note or entry.outcome
        return f"Not graded ({entry.outcome}): {why}"
    parts = [verdict_line(r) + "."]
    for status, title in (("fail", "Must fix"), ("warn", "Should fix")):
        items = [f"{x.id}: {result_line(x, r.clip)}" for x in r.in_reading_order() if x.status == status]
        if items:
            parts.append(f"{title}: " + "; ".join(items) + ".")
    page = next((p for p in entry.reports if p.suffix == ".html"), None)
    if page is not None:
        parts.append(f"Full report: {page.name}.")
    return " ".join(parts)


def lms_csv(entries: Sequence[Entry]) -> str:
    """The LMS import CSV: `identifier` (the file name without its extension, e.g. a student's
    username or ID number), `points` (the score 0–100, empty when not graded), `feedback`, and
    `verdict`, `must_fix`, `file`, `report` for reference."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LMS_COLUMNS)
    for e in entries:
        r = e.report
        page = next((p.name for p in e.reports if p.suffix == ".html"), "")
        writer.writerow([e.path.stem, f"{r.score:.1f}" if r is not None else "", feedback(e),
                         r.verdict if r is not None else e.outcome, r.must_fix if r is not None else "",
                         e.path.name, page])
    return buffer.getvalue()


def write_lms_csv(entries: Sequence[Entry], out_dir: Path) -> Path:
    """Write `lms-import.csv` into `out_dir`. Raises `OutputError` if it cannot."""
    return write_text(out_dir / "lms-import.csv", lms_csv(entries))
