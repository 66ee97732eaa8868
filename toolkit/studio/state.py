"""What the studio knows about the storyboard: the last good plan and the current issues.

`Studio.refresh()` re-validates and re-plans (at draft size) after a save. A storyboard that no longer
plans (half-written YAML, a deleted clip) keeps the last good plan for the preview and lists the
problems, each with its line:col, beside it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.errors import Issue, IssuesError, ReelError
from toolkit.film.pipeline import DRAFT_WIDTH, Prepared, prepare
from toolkit.film.sheet import moment
from toolkit.settings import Settings
from toolkit.studio.frames import film_key

_STEP = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


@dataclass(frozen=True)
class Snapshot:
    """One refresh's outcome: the plan the preview shows (None before the first good one), whether it
    is the current storyboard's (`stale` when the file no longer plans), and every issue found."""

    version: int
    prepared: Prepared | None
    stale: bool
    issues: tuple[Issue, ...]
    seconds: float  # how long the refresh took
    key: str = ""  # the content hash of the previewed plan (`frames.film_key`): names its cached frames


class Studio:
    """The storyboard being previewed; thread-safe (the watcher refreshes, requests read).

    `template` and `fields` are `reel studio`'s `--template` and `--field`: planned exactly as
    `reel render --template NAME --field KEY=VALUE` plans them."""

    def __init__(self, storyboard: Path, settings: Settings | None = None, *, template: str | None = None,
                 fields: Mapping[str, str] | None = None) -> None:
        self.storyboard = Path(storyboard).resolve()
        self.settings = settings or Settings()
        self.template = template
        self.fields = dict(fields or {})
        self._lock = threading.Lock()
        self._snapshot = Snapshot(0, None, True, (), 0.0)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def refresh(self) -> Snapshot:
        """Validate and plan the storyboard again; keep the last good plan when it fails."""
        with self._lock:
            start = time.perf_counter()
            previous = self._snapshot
            key = previous.key
            try:
                prepared = prepare(self.storyboard, width=DRAFT_WIDTH, template=self.template,
                                   fields=self.fields)
                key = film_key(prepared, self.settings)
            except IssuesError as exc:
                found: tuple[Issue, ...] = tuple(exc.issues)
                prepared, stale = previous.prepared, True
            except (ReelError, OSError) as exc:
                found = (Issue(str(exc), file=self.storyboard),)
                prepared, stale = previous.prepared, True
            else:
                found, stale = tuple(prepared.warnings), False
            self._snapshot = Snapshot(previous.version + 1, prepared, stale, found, time.perf_counter() - start,
                                      key)
            return self._snapshot


def issue_frame(issue: Issue, prepared: Prepared | None, storyboard: Path) -> int | None:
    """The frame an issue is about: the caption, layer or scene its field path names (the closest
    one that the plan has), or None when it names no place on the timeline."""
    if prepared is None or not issue.path or (issue.file is not None and Path(issue.file).resolve() != storyboard):
        return None
    loc = loc_of(issue.path)
    tl = prepared.timeline
    places = [(item.loc, item.start + item.length // 2) for item in (*tl.overlays, *tl.layers)]
    places += [(seg.loc, moment(prepared, seg)) for seg in tl.segments]
    best: tuple[int, int] | None = None  # (steps shared with the issue's path, frame)
    for where, frame in places:
        shared = _shared(where, loc)
        # a scene is named by two steps (`scenes`, 2), the end card by one
        if shared and shared >= min(2, len(where)) and (best is None or shared > best[0]):
            best = (shared, frame)
    return None if best is None else best[1]


def loc_of(path: str) -> tuple[str | int, ...]:
    """`("scenes", 2, "captions")` from `scenes[2].captions` (the display form of issue paths)."""
    return tuple(int(index) if index else name for index, name in _STEP.findall(path))


def _shared(a: tuple[str | int, ...], b: tuple[str | int, ...]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def issue_json(issue: Issue, prepared: Prepared | None, storyboard: Path) -> dict[str, Any]:
    """An issue for the page: where (file, line, col, field), what, and the frame it is about."""
    return {"file": None if issue.file is None else str(issue.file), "line": issue.line, "col": issue.col,
            "path": issue.path, "message": issue.message, "severity": issue.severity, "code": issue.code,
            "frame": issue_frame(issue, prepared, storyboard)}
