"""Rubric files: the shipped rubrics load, expectations behave, and bad rubrics get located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.errors import RubricError
from toolkit.grade.checks import CHECKS
from toolkit.grade.grader import evaluate, score
from toolkit.grade.results import Observation
from toolkit.grade.rubric import Expectation, available_rubrics, load_rubric

GOOD = """\
version: 1
name: mine
title: My rubric
criteria:
  - id: loudness
    expect: {between: [-15, -13]}
    severity: must
    weight: 3
    explain: Aim for -14 LUFS integrated.
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rubric.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(RubricError) as info:
        load_rubric(write(tmp_path, text))
    return [i.format() for i in info.value.issues]


@pytest.mark.parametrize("name", ["tiktok-default", "broadcast-strict"])
def test_shipped_rubrics_load_with_an_explanation_for_every_criterion(name: str) -> None:
    rubric = load_rubric(name)
    assert rubric.name == name
    assert all(len(c.explain) > 40 for c in rubric.criteria)
    assert {c.check for c in rubric.criteria} <= set(CHECKS)


def test_the_default_rubric_covers_every_check_the_issue_names() -> None:
    checks = {c.check for c in load_rubric().criteria}
    assert checks >= {"container", "resolution", "aspect", "fps", "duration", "filesize", "loudness", "true-peak",
                      "silence", "audio-present", "black-frames", "hook", "end-card", "content-warning", "flash",
                      "captions-present", "captions-safe-zone", "caption-reading-speed", "safe-language",
                      "storyboard"}
    assert set(available_rubrics()) >= {"tiktok-default", "broadcast-strict"}


def test_broadcast_rubric_is_stricter_on_loudness() -> None:
    social = next(c for c in load_rubric("tiktok-default").criteria if c.id == "loudness")
    broadcast = next(c for c in load_rubric("broadcast-strict").criteria if c.id == "loudness")
    assert social.expect.test(-14.0) and not broadcast.expect.test(-14.0)
    assert broadcast.expect.test(-23.0) and not social.expect.test(-23.0)


def test_a_tutors_rubric_file_loads(tmp_path: Path) -> None:
    rubric = load_rubric(write(tmp_path, GOOD))
    (criterion,) = rubric.criteria
    assert (criterion.check, criterion.value, criterion.weight) == ("loudness", "integrated", 3.0)
    assert criterion.expect.describe("LUFS") == "between −15 and −13 LUFS"


def test_unknown_rubric_name_lists_the_available_ones() -> None:
    with pytest.raises(RubricError, match=r"no rubric file or rubric named `nope`; available rubrics: .*tiktok"):
        load_rubric("nope")


def test_misspelt_key_is_located_with_a_rubric_suggestion(tmp_path: Path) -> None:
    text = GOOD.replace("severity: must", "severty: must")
    msgs = errors_of(tmp_path, text)
    assert any(":7:5: criteria[0].severty: unknown key `severty`; did you mean `severity`?" in m for m in msgs)
    assert any("criteria[0].severity: required: add `severity:`" in m for m in msgs)


def test_unknown_check_is_located_with_a_suggestion(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: loudness\n", "  - id: too-loud\n    check: loudnes\n")
    (msg,) = errors_of(tmp_path, text)
    assert msg.endswith(":6:12: criteria[0].check: no check `loudnes`; did you mean `loudness`?")


def test_criterion_id_that_is_not_a_check_needs_check(tmp_path: Path) -> None:
    (msg,) = errors_of(tmp_path, GOOD.replace("id: loudness", "id: loud-enough"))
    assert "criteria[0].id: the id is not a check id, so give `check:`; there is no check `loud-enough`" in msg


def test_unknown_value_lists_the_checks_values(tmp_path: Path) -> None:
    text = GOOD.replace("    expect:", "    value: integrated_lufs\n    expect:")
    (msg,) = errors_of(tmp_path, text)
    assert "criteria[0].value: check `loudness` has no value `integrated_lufs`; its values are `integrated`" in msg


def test_range_on_a_yes_no_value_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("id: loudness", "id: flash")
    (msg,) = errors_of(tmp_path, text)
    assert "criteria[0].expect: `flash.passed` is yes/no, so use `equals` or `one_of`, not a range" in msg


def test_equals_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("{between: [-15, -13]}", "{equals: loud}")
    (msg,) = errors_of(tmp_path, text)
    assert "`loudness.integrated` is a number, but the expectation gives 'loud'" in msg


@pytest.mark.parametrize(("expect", "message"), [
    ("{min: 1, equals: 2}", "give exactly one of `min`/`max`, `between`, `equals` or `one_of`"),
    ("{}", "give exactly one of `min`/`max`, `between`, `equals` or `one_of`"),
    ("{between: [-13, -15]}", "`between` needs the lower bound first, got [-13, -15]"),
    ("{min: 3, max: 1}", "`min` (3) is above `max` (1)"),
])
def test_malformed_expectations_are_explained(tmp_path: Path, expect: str, message: str) -> None:
    msgs = errors_of(tmp_path, GOOD.replace("{between: [-15, -13]}", expect))
    assert any(":6:13: criteria[0].expect: " + message in m for m in msgs), msgs


def test_duplicate_criterion_ids_are_refused(tmp_path: Path) -> None:
    text = GOOD + GOOD.split("criteria:\n", 1)[1]
    (msg,) = errors_of(tmp_path, text)
    assert msg.endswith(":10:9: criteria[1].id: criterion id `loudness` is already used by criteria[0]; "
                        "ids must be unique")


def test_bad_severity_and_negative_weight(tmp_path: Path) -> None:
    text = GOOD.replace("severity: must", "severity: nice").replace("weight: 3", "weight: -1")
    msgs = errors_of(tmp_path, text)
    assert any("criteria[0].severity: 'nice' is not one of 'must' or 'should'" in m for m in msgs)
    assert any("criteria[0].weight: must be at least 0" in m for m in msgs)


def test_yaml_syntax_errors_are_located(tmp_path: Path) -> None:
    (msg,) = errors_of(tmp_path, GOOD.replace("severity: must", "severity: [must"))
    assert "YAML syntax" in msg and "rubric.yaml:" in msg


def test_expectations_compare_like_a_tutor_expects() -> None:
    assert Expectation("range", -15.0, -13.0).test(-13.0)
    assert not Expectation("range", -15.0, -13.0).test(-12.99)
    assert not Expectation("range", None, 0.0).test(True)  # a yes/no is never a number
    assert Expectation("equals", equals="h264").test("H264")
    assert Expectation("equals", equals=True).test(True) and not Expectation("equals", equals=True).test(1)
    assert Expectation("one_of", choices=("mp4", "mov")).test("mov")
    assert Expectation("range", 720.0).describe("px") == "at least 720 px"
    assert Expectation("equals", equals=False).describe() == "no"


def test_failing_must_fails_failing_should_warns_missing_is_not_evaluated() -> None:
    rubric = load_rubric()
    loud = next(c for c in rubric.criteria if c.id == "loudness")
    short = next(c for c in rubric.criteria if c.id == "short-term-loudness")
    obs = Observation("loudness", {"integrated": -6.0, "max_short_term": -4.0, "lra": 1.0, "max_momentary": None})
    assert evaluate(loud, obs).status == "fail"
    assert evaluate(short, obs).status == "warn"
    gone = evaluate(loud, Observation("loudness", unavailable="the clip has no audio track"))
    assert (gone.status, gone.reason) == ("not_evaluated", "the clip has no audio track")
    result = evaluate(loud, Observation("loudness", {"integrated": -14.2}))
    assert (result.status, result.measured, result.expected) == ("pass", "−14.2 LUFS", "between −15 and −13 LUFS")
    assert score((evaluate(loud, obs), result)) == 50.0
