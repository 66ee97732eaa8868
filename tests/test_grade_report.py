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


def _pictured(scene_changes: tuple[float, ...], duration: float, short_term=(), integrated=None) -> Report:
    """A report whose measurements hold a filmstrip every 0.5 s and the given cuts (no media needed)."""
    from types import SimpleNamespace

    from toolkit.grade.moments import Still

    strip = tuple(Still(round(i * 0.5, 3), b"\xff\xd8", 9, 16) for i in range(int(duration * 2)))
    picture = SimpleNamespace(filmstrip=strip, scene_changes=scene_changes)
    video = SimpleNamespace(picture=picture, duration=duration)
    loud = SimpleNamespace(short_term=short_term, integrated=integrated)
    ok = result(crit("loudness", "loudness", "integrated", between(-15, -13)), integrated=-14.0)
    report = _report(ok)
    object.__setattr__(report, "measurements", SimpleNamespace(video=video, audio=SimpleNamespace(loudness=loud)))
    object.__setattr__(report, "media", SimpleNamespace(duration=duration))
    return report


def test_contact_sheet_shows_one_frame_from_the_middle_of_each_shot() -> None:
    from toolkit.grade.report_html import _contact_sheet

    sheet = _contact_sheet(_pictured((3.0, 6.0, 8.5), 12.0))
    assert [f.caption for f in sheet] == ["shot 1: 0:00.0–0:03.0", "shot 2: 0:03.0–0:06.0",
                                          "shot 3: 0:06.0–0:08.5", "shot 4: 0:08.5–0:12.0"]
    assert ['aria-label="frame at 0:01.5"' in str(sheet[0].svg), 'aria-label="frame at 0:04.5"' in str(sheet[1].svg)] \
        == [True, True]
    many = _contact_sheet(_pictured(tuple(float(t) for t in range(1, 60)), 60.0))  # 60 shots: capped, spread out
    assert len(many) == 24 and many[0].caption.startswith("shot 1:") and many[-1].caption.startswith("shot 60:")


def test_loudness_chart_names_lufs_on_its_axis_and_keeps_labels_off_the_curve() -> None:
    import re

    from toolkit.grade.report_html import loudness_svg

    curve = tuple((t * 0.1, -14.0 + (t % 7) * 0.3) for t in range(100))
    svg = str(loudness_svg(_pictured((), 10.0, short_term=curve, integrated=-13.2)))
    assert ">loudness (LUFS)</text>" in svg
    legend_ys = [float(y) for y in re.findall(r'<g transform="translate\(\d+ (\d+)\)">', svg)]
    assert len(legend_ys) == 3 and "integrated −13.2 LUFS" in svg and "target −15 to −13 LUFS" in svg
    curve_ys = [float(p.split(",")[1]) for p in re.search(r'<polyline points="([^"]+)"', svg).group(1).split()]
    assert max(legend_ys) < min(curve_ys) - 10  # the legend sits above everything plotted
