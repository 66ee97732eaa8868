"""What grading produces: observations from checks, graded criteria, and the whole report.

All frozen. A check turns measurements into an `Observation` (named values, the moments
involved, pictures of them, what OCR read); the rubric turns each observation into one
`CheckResult` per criterion; `Report` gathers them with the verdict and score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from toolkit.grade.moments import Still, TimeSpan

if TYPE_CHECKING:
    from toolkit.grade.measure import Measurements
    from toolkit.media.probe import MediaInfo

Status = Literal["pass", "fail", "warn", "not_evaluated"]
Verdict = Literal["pass", "fail"]
Value = float | int | bool | str | None

STATUSES: tuple[Status, ...] = ("pass", "fail", "warn", "not_evaluated")
# the order a report reads in: what must be fixed, what should be, what is fine, what was not checked
READING_ORDER: tuple[Status, ...] = ("fail", "warn", "pass", "not_evaluated")


def _frozen(values: Mapping[str, Value]) -> Mapping[str, Value]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True, eq=False)
class Observation:
    """What one check measured. `values` are addressable from a rubric as `value:`;
    `unavailable` says why nothing could be measured (then every criterion reading this
    check is not evaluated)."""

    check: str
    values: Mapping[str, Value] = field(default_factory=dict)
    spans: tuple[TimeSpan, ...] = ()
    stills: tuple[Still, ...] = ()
    read: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    unavailable: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _frozen(self.values))


@dataclass(frozen=True, slots=True, eq=False)
class CheckResult:
    """One rubric criterion applied to one clip."""

    id: str
    check: str
    value_name: str
    status: Status
    severity: Literal["must", "should"]
    weight: float
    value: Value
    unit: str
    expected: str
    measured: str  # the value in words, e.g. "−6.1 LUFS" (empty when not evaluated)
    summary: str
    explain: str
    spans: tuple[TimeSpan, ...] = ()
    stills: tuple[Still, ...] = ()
    read: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    reason: str = ""
    bounds: tuple[float | None, float | None] | None = None  # the expected range, for plots

    @property
    def failed(self) -> bool:
        """Fail or warn: the criterion was evaluated and not met."""
        return self.status in ("fail", "warn")


@dataclass(frozen=True, slots=True)
class RubricInfo:
    """Which rubric graded the clip."""

    name: str
    title: str
    path: Path | None


@dataclass(frozen=True, slots=True)
class ContextInfo:
    """What the grader was told about the film besides its pixels and sound."""

    region: str
    topics: tuple[str, ...]
    storyboard: Path | None
    captions_file: Path | None


@dataclass(frozen=True, slots=True, eq=False)
class Report:
    """The grade of one clip: verdict, score (0–100, weighted), and every criterion's result."""

    clip: Path
    rubric: RubricInfo
    verdict: Verdict
    score: float
    results: tuple[CheckResult, ...]
    media: MediaInfo
    measurements: Measurements
    context: ContextInfo
    seconds: float  # wall time spent grading

    def count(self, status: Status) -> int:
        """How many criteria ended with `status`."""
        return sum(r.status == status for r in self.results)

    @property
    def passed(self) -> bool:
        """True when every `must` criterion passed (not-evaluated ones do not fail a clip)."""
        return self.verdict == "pass"

    def in_reading_order(self) -> tuple[CheckResult, ...]:
        """The results with failures first, then should-fix items, passes, and criteria not evaluated;
        rubric order within each group (the sort is stable)."""
        return tuple(sorted(self.results, key=lambda r: READING_ORDER.index(r.status)))

    @property
    def must_fix(self) -> int:
        """How many must criteria failed (the count that decides the verdict)."""
        return self.count("fail")

    def result(self, criterion_id: str) -> CheckResult | None:
        """The result of the criterion with id `criterion_id`, or None."""
        return next((r for r in self.results if r.id == criterion_id), None)
