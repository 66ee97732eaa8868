"""Reports a trainee understands: results in reading order, units and targets in words, the verdict
with its must-fix count instead of a score that reads like a pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.grade.checks import CHECKS
from toolkit.grade.grader import evaluate
from toolkit.grade.results import Observation, Report
from toolkit.grade.rubric import Criterion, Expectation
from toolkit.grade.wording import container_name, measured_words, result_line, target_words, verdict_line


def crit(cid: str, check: str, value: str, expect: Expectation, severity: str = "must") -> Criterion:
    return Criterion(cid, check, value, expect, severity, 1.0, "advice for the trainee")  # type: ignore[arg-type]


def at_most(v: float) -> Expectation:
    return Expectation("range", high=v)


def between(a: float, b: float) -> Expectation:
    return Expectation("range", low=a, high=b)


def result(c: Criterion, **values: object):
    return evaluate(c, Observation(c.check, values=values))  # type: ignore[arg-type]


def test_count_without_a_unit_gets_its_noun_and_a_target_in_words() -> None:
    r = result(crit("captions-safe-zone", "captions-safe-zone", "outside", at_most(0)), outside=0)
    assert result_line(r) == "0 lines outside the safe box (target: none)"
    r = result(crit("captions-safe-zone", "captions-safe-zone", "outside", at_most(0)), outside=1)
    assert (r.status, result_line(r)) == ("fail", "1 line outside the safe box (target: none)")


def test_measurement_with_a_unit_keeps_it_beside_the_target() -> None:
    r = result(crit("loudness", "loudness", "integrated", between(-15, -13)), integrated=-6.1)
    assert result_line(r) == "−6.1 LUFS (target: between −15 and −13 LUFS)"


@pytest.mark.parametrize(("difference", "words"), [
    (-1, "1 scene fewer than planned"), (2, "2 scenes more than planned"), (0, "matches the plan")])
def test_signed_difference_says_more_or_fewer_than_planned(difference: int, words: str) -> None:
    r = result(crit("storyboard-scenes", "storyboard", "scene_difference", between(-1, 1), "should"),
               scene_difference=difference)
    assert result_line(r) == f"{words} (target: within 1 scene of the plan)"


def test_not_evaluated_says_why_never_a_sentinel() -> None:
    c = crit("storyboard-scenes", "storyboard", "scene_difference", between(-1, 1), "should")
    r = evaluate(c, Observation("storyboard", unavailable="no storyboard was given (--storyboard)"))
    assert measured_words(r) == "not compared: no storyboard was given (--storyboard)"
    assert "-1" not in result_line(r) and "−1" not in result_line(r)


def test_container_is_named_not_the_demuxer_list() -> None:
    assert container_name("mov,mp4,m4a,3gp,3g2,mj2", Path("film.mp4")) == "MP4"
    assert container_name("mov,mp4,m4a,3gp,3g2,mj2", Path("film.MOV")) == "MOV (QuickTime)"
    assert container_name("matroska,webm", Path("film.webm")) == "WebM"
    r = result(crit("container-format", "container", "format", Expectation("one_of", choices=("mp4", "mov"))),
               format="mp4")
    assert measured_words(r, Path("x.mp4")) == "container MP4"


def test_flags_read_as_words_not_yes_no() -> None:
    r = result(crit("constant-frame-rate", "fps", "cfr", Expectation("equals", equals=True), "should"), cfr=False)
    assert (r.status, result_line(r)) == ("warn", "variable frame rate (target: constant frame rate)")


def test_share_reads_as_a_percentage() -> None:
    r = result(crit("captions-present", "captions-present", "coverage", Expectation("range", low=0.5)),
               coverage=0.25)
    assert result_line(r) == "25 % of the film has text on screen (target: at least 50 %)"


def _report(*results) -> Report:
    return Report(clip=Path("clip.mp4"), rubric=None, verdict="fail" if any(r.status == "fail" for r in results)  # type: ignore[arg-type]
                  else "pass", score=94.0, results=tuple(results), media=None, measurements=None,  # type: ignore[arg-type]
                  context=None, seconds=0.0)  # type: ignore[arg-type]


def test_reading_order_is_failures_then_should_fix_then_passes_then_not_evaluated() -> None:
    ok = result(crit("loudness", "loudness", "integrated", between(-15, -13)), integrated=-14.0)
    warn = result(crit("constant-frame-rate", "fps", "cfr", Expectation("equals", equals=True), "should"), cfr=False)
    na = evaluate(crit("storyboard-scenes", "storyboard", "scene_difference", between(-1, 1), "should"),
                  Observation("storyboard", unavailable="no storyboard was given"))
    fail1 = result(crit("captions-safe-zone", "captions-safe-zone", "outside", at_most(0)), outside=2)
    fail2 = result(crit("true-peak", "true-peak", "true_peak", at_most(-1)), true_peak=0.2)
    report = _report(ok, warn, na, fail1, fail2)
    assert [r.id for r in report.in_reading_order()] == [
        "captions-safe-zone", "true-peak", "constant-frame-rate", "loudness", "storyboard-scenes"]
    assert verdict_line(report) == "FAIL — 2 must-fix items, 1 should-fix item"
    assert verdict_line(_report(ok)) == "PASS — every must-fix criterion met"
    assert target_words(fail2) == "at most −1 dBTP"


@pytest.mark.parametrize(("check", "value"), [(c.id, n) for c in CHECKS.values() for n, v in c.values.items()
                                              if v.kind == "bool" or (v.kind == "number" and not v.unit)])
def test_every_value_without_a_unit_reads_as_words_not_a_bare_number(check: str, value: str) -> None:
    kind = CHECKS[check].values[value].kind
    sample: object = False if kind == "bool" else 3
    r = result(crit("x", check, value, Expectation("equals", equals=sample)), **{value: sample})
    words = measured_words(r)
    assert any(ch.isalpha() for ch in words), words
    assert words not in ("yes", "no")
