"""Grade a clip: probe → measure → run the checks the rubric reads → apply the rubric → Report."""

from __future__ import annotations

import time as clock
from collections.abc import Mapping
from pathlib import Path

from toolkit.errors import ProbeError
from toolkit.grade.checks import CHECKS
from toolkit.grade.context import GradeContext
from toolkit.grade.measure import Measurements, MeasureOptions, Progress, measure
from toolkit.grade.ocr import OcrEngine
from toolkit.grade.results import CheckResult, ContextInfo, Observation, Report, RubricInfo, Status
from toolkit.grade.rubric import Criterion, Rubric
from toolkit.media.mp4boxes import missing_bytes
from toolkit.media.probe import MediaInfo, probe


def grade(path: Path, rubric: Rubric, *, context: GradeContext, ocr: OcrEngine | None = None,
          options: MeasureOptions | None = None, progress: Progress | None = None) -> Report:
    """Grade the clip at `path` against `rubric`.

    Pass one `OcrEngine` when grading several clips (its models load once). Raises
    `ProbeError` when the file is missing, empty, not a video, or damaged: a clip that cannot
    be measured is a tool error, never a silent pass.
    """
    start = clock.perf_counter()
    try:
        info = probe(Path(path))
    except ProbeError:
        # A copy cut short before its index (moov at the end) cannot even be opened; say that
        # it is short, which the tutor can act on, rather than that it is unreadable.
        short = _missing_bytes(Path(path))
        if not short:
            raise
        size = Path(path).stat().st_size
        raise ProbeError(f"{path}: the file is truncated or damaged: only {size:,} of its {size + short:,} "
                         "bytes are there; copy or export it again") from None
    options = options or MeasureOptions()
    if ocr is None and options.read_text:
        ocr = OcrEngine()
    measurements = measure(info, ocr=ocr, options=options, progress=progress)
    observations = observe(info, measurements, context, {c.check for c in rubric.criteria})
    results = tuple(evaluate(c, observations[c.check]) for c in rubric.criteria)
    return Report(
        clip=info.path,
        rubric=RubricInfo(rubric.name, rubric.title, rubric.path),
        verdict="fail" if any(r.status == "fail" for r in results) else "pass",
        score=score(results),
        results=results,
        media=info,
        measurements=measurements,
        context=ContextInfo(context.region, context.topics, context.storyboard, context.captions_file),
        seconds=round(clock.perf_counter() - start, 3),
    )


def observe(info: MediaInfo, measurements: Measurements, context: GradeContext,
            check_ids: set[str] | frozenset[str]) -> Mapping[str, Observation]:
    """Run each named check once (several criteria may read the same check)."""
    return {cid: CHECKS[cid].run(info, measurements, context) for cid in sorted(check_ids)}


def evaluate(criterion: Criterion, observation: Observation) -> CheckResult:
    """Apply one criterion to its check's observation.

    A failing `must` is "fail", a failing `should` is "warn"; a value that could not be
    measured makes the criterion "not_evaluated", with the reason.
    """
    spec = CHECKS[criterion.check].values[criterion.value]
    value = observation.values.get(criterion.value)
    expected = criterion.expect.describe(spec.unit)
    status: Status
    reason = measured = ""
    if observation.unavailable is not None:
        status, reason = "not_evaluated", observation.unavailable
        summary = f"not evaluated: {reason}"
    elif value is None:
        status, reason = "not_evaluated", f"no {criterion.value.replace('_', ' ')} was measured"
        summary = f"not evaluated: {reason}"
    else:
        ok = criterion.expect.test(value)
        status = "pass" if ok else ("fail" if criterion.severity == "must" else "warn")
        measured = _show(value, spec.unit)
        summary = f"{measured} (expected {expected})"
    return CheckResult(
        id=criterion.id, check=criterion.check, value_name=criterion.value, status=status,
        severity=criterion.severity, weight=criterion.weight, value=value, unit=spec.unit, expected=expected,
        measured=measured, summary=summary, explain=criterion.explain, spans=observation.spans,
        stills=observation.stills,
        read=observation.read, notes=observation.notes, reason=reason,
        bounds=(criterion.expect.low, criterion.expect.high) if criterion.expect.kind == "range" else None)


def score(results: tuple[CheckResult, ...]) -> float:
    """Weighted share of evaluated criteria that passed, 0–100 (100 when nothing was evaluated)."""
    weights = [(r.weight, r.status == "pass") for r in results if r.status != "not_evaluated"]
    total = sum(w for w, _ in weights)
    return 100.0 if not total else round(100.0 * sum(w for w, ok in weights if ok) / total, 1)


def _show(value: object, unit: str) -> str:
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:.0f}"
    else:
        text = str(value)
    text = text.replace("-", "−") if isinstance(value, int | float) and not isinstance(value, bool) else text
    return f"{text} {unit}".strip()


def _missing_bytes(path: Path) -> int:
    """Bytes an MP4 declares beyond its end (0 when it is whole, not MP4, or not there)."""
    try:
        return missing_bytes(path)
    except OSError:
        return 0
