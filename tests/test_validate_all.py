"""`reel validate` reports every problem in one run, in file order (issue 12 §3).

A check that cannot run because an earlier one failed says so once; one that can run does,
on the parts of the storyboard that are sound, and never reports what it could not check.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from toolkit.cli import cli
from toolkit.errors import PolicyError, SpecError
from toolkit.film.pipeline import prepare
from toolkit.film.plan.layout import soft_breaks
from toolkit.film.spec.validate import load_storyboard

LONG = ("Every morning I wrote three small things I could do that day, and every evening I ticked off the ones I "
        "managed, even when it was only one of them, and slowly the list got longer again.")

# A trainee's storyboard with seven mistakes of seven kinds; each comment names the line's mistake.
SEVEN = f"""title: What helped me
region: UK
topics: [depression]
scenes:
  - slate: content-warning
    text: A short film about my year.
  - background: navy
    duraton: 4s
    captions: I had suicidal thoughts for months.
  - background: media/walk.mp4
    captions: Then I talked to someone.
  - background: navy
    duration: 6s
    captions: {LONG}
  - background: navy
    duration: 4s
    captions: My uncle committed suicide.
  - background: navy
    duration: yes
"""
# (line, column, field, start of the message) for each of the seven
EXPECTED = [
    (6, 11, "scenes[0].text", "a content-warning slate must say what the film covers and that support details "
                              "follow"),
    (8, 5, "scenes[1].duraton", "unknown key `duraton`; did you mean `duration`?"),
    (9, 21, "scenes[1].captions", "this text talks about suicide (“suicidal”) but `topics` does not list `suicide`"),
    (10, 17, "scenes[2].background", "file not found: media/walk.mp4"),
    (14, 15, "scenes[3].captions", "needs 9 lines at this size; at most 3 fit inside the safe box"),
    (17, 24, "scenes[4].captions", "“committed suicide”:"),
    (19, 15, "scenes[5].duration", "expected a duration like 3s"),
]
NOT_CHECKED = ("info: timing (scene lengths, transitions, the film's length) and the layout of the scenes with "
               "errors were not checked: fix the errors above first")


def write(folder: Path, text: str, name: str = "film.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_seven_mistakes_of_every_phase_are_reported_in_one_run_sorted_by_line(tmp_path, runner):
    path = write(tmp_path, SEVEN)
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    errors = [line for line in lines if not re.match(rf"{re.escape(str(path))}(:\d+)*: (info|warning): ", line)]
    assert len(errors) == 7, result.output
    for line, (row, col, field, message) in zip(errors, EXPECTED, strict=True):
        assert line.startswith(f"{path}:{row}:{col}: {field}: {message}"), line
    # the one check that could not run says so once, after the errors it waits for
    assert lines[-1] == f"{path}: {NOT_CHECKED}"
    assert sum("were not checked" in line for line in lines) == 1


def test_the_library_raises_them_together_in_file_order(tmp_path):
    with pytest.raises(SpecError) as exc:
        prepare(write(tmp_path, SEVEN))
    issues = exc.value.issues
    assert [(i.line, i.col) for i in issues if i.severity == "error"] == [(r, c) for r, c, _, _ in EXPECTED]
    assert str(exc.value).splitlines()[0] == "7 errors found"


def test_load_storyboard_reports_schema_and_media_problems_in_file_order(tmp_path):
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: gone.mp4\n  - background: navy\n"
                           "    duration: 2s\n    colour: red\n  - background: also-gone.jpg\n    duration: 1s\n")
    with pytest.raises(SpecError) as exc:
        load_storyboard(path)
    assert [(i.line, i.path) for i in exc.value.issues] == [
        (4, "scenes[0].background"), (7, "scenes[1].colour"), (8, "scenes[2].background")]


def test_a_check_that_ran_is_not_said_to_be_skipped(tmp_path):
    # only the lint fails: layout and timing ran, so no "not checked" line
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 3s\n"
                           "    captions: My uncle committed suicide.\n")
    with pytest.raises(PolicyError) as exc:
        prepare(path)
    assert not [i for i in exc.value.issues if i.code == "not-checked"]
    assert str(exc.value).splitlines()[0].startswith("unsafe wording, a content warning or topics to fix")


def test_an_error_outside_the_scenes_stops_the_later_checks_and_says_which(tmp_path):
    path = write(tmp_path, "title: T\nregion: UK\ntopics: [depresion]\nscenes:\n  - background: navy\n"
                           "    duration: 3s\n    captions: My uncle committed suicide.\n")
    with pytest.raises(SpecError) as exc:
        prepare(path)
    *errors, last = exc.value.issues
    assert [(i.line, i.col, i.path) for i in errors] == [(3, 10, "topics[0]")]
    assert last.format() == (f"{path}: info: the template, end card, layout, timing and safe-messaging language "
                             "were not checked: fix the errors above first")


def test_no_timing_error_is_made_up_from_the_scenes_that_validated(tmp_path):
    # Without the broken middle scene, the 1.5 s fade would lead into a 2 s scene and be too long: a
    # planner run on the valid scenes alone would report it. Timing waits for the whole film.
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 6s\n"
                           "    transition: {type: fade, duration: 1.5s}\n  - background: navy\n    duraton: 8s\n"
                           "  - background: teal\n    duration: 2s\n")
    with pytest.raises(SpecError) as exc:
        prepare(path)
    errors = [i for i in exc.value.issues if i.severity == "error"]
    assert [(i.line, i.message) for i in errors] == [(8, "unknown key `duraton`; did you mean `duration`?")]
    assert exc.value.issues[-1].code == "not-checked"


def test_captions_of_a_valid_scene_are_fitted_beside_a_broken_scene(tmp_path):
    path = write(tmp_path, f"title: T\nregion: UK\nscenes:\n  - slate: signpost\n    txt: Part one\n"
                           f"  - background: navy\n    duration: 9s\n    captions:\n      - Fine.\n      - {LONG}\n")
    with pytest.raises(SpecError) as exc:
        prepare(path)
    errors = [(i.line, i.col, i.path) for i in exc.value.issues if i.severity == "error"]
    assert errors == [(5, 5, "scenes[0].txt"), (10, 9, "scenes[1].captions[1]")]


# ---------------------------------------------------------------- subtitle files: soft line breaks


SRT = ("1\n00:00:00,000 --> 00:00:03,000\nI never told anyone how I felt\nuntil a friend asked me twice\n\n"
       "2\n00:00:03,000 --> 00:00:06,500\nThat second question changed a lot\nfor me and for how I saw things\n")


def test_a_cue_broken_for_another_screen_is_rewrapped_and_one_that_cannot_fit_is_named(tmp_path):
    (tmp_path / "talk.srt").write_text(SRT, encoding="utf-8")
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 7s\n"
                           "    captions:\n      file: talk.srt\n")
    with pytest.raises(SpecError) as exc:
        prepare(path)
    # cue 1 is 4 lines when its two file lines wrap apart, 3 when rewrapped: it fits
    [error] = [i for i in exc.value.issues if i.severity == "error"]
    assert error.format() == (f"{path}:7:13: scenes[0].captions.file: `talk.srt` caption 2 (at 0:00:03.000): "
                              "needs 4 lines at this size; at most 3 fit inside the safe box: split it into two "
                              "captions")


def test_soft_breaks_join_lines_but_keep_a_new_speakers_dash():
    assert soft_breaks("I never told anyone\nhow I felt\n") == "I never told anyone how I felt"
    assert soft_breaks("- Are you OK?\n- I think so.") == "- Are you OK?\n- I think so."
    assert soft_breaks("– Hi\nthere\n— Hello") == "– Hi there\n— Hello"


def test_a_scene_whose_footage_is_missing_still_has_its_subtitle_file_checked(tmp_path):
    (tmp_path / "talk.srt").write_text("1\n00:00:00,000 --> 00:00:02,000\nMy uncle committed\nsuicide.\n",
                                       encoding="utf-8")
    path = write(tmp_path, "title: T\nregion: UK\ntopics: [suicide]\nscenes:\n  - background: gone.mp4\n"
                           "    captions:\n      file: talk.srt\n")
    with pytest.raises(SpecError) as exc:
        prepare(path)
    errors = [(i.line, i.code) for i in exc.value.issues if i.severity == "error"]
    assert errors == [(5, ""), (7, "committed-suicide")]


def test_an_unknown_top_level_key_that_changes_nothing_does_not_stop_the_other_checks(tmp_path):
    # `author:` means nothing to Reel: the film is planned and linted as if it were not written
    path = write(tmp_path, "title: T\nregion: UK\nauthor: Sam Lee\nscenes:\n  - background: navy\n    duration: 6s\n"
                           "    transition: {type: fade, duration: 1.5s}\n  - background: teal\n    duration: 2s\n"
                           "    captions: My uncle committed suicide.\n")
    with pytest.raises(SpecError) as exc:
        prepare(path)
    errors = [(i.line, i.path, i.code) for i in exc.value.issues if i.severity == "error"]
    assert errors == [(3, "author", "extra_forbidden"), (7, "scenes[0].transition.duration", ""),
                      (10, "scenes[1].captions", "committed-suicide"), (10, "scenes[1].captions", "topic-missing")]
    assert not [i for i in exc.value.issues if i.code == "not-checked"]


def test_a_near_miss_of_a_left_out_key_stops_the_checks_it_would_change(tmp_path):
    # `topic:` is `topics:` misspelt: checking the wording without the film's topics would be wrong
    path = write(tmp_path, "title: T\nregion: UK\ntopic: [suicide]\nscenes:\n  - background: navy\n"
                           "    duration: 3s\n    captions: My uncle committed suicide.\n")
    with pytest.raises(SpecError) as exc:
        prepare(path)
    *errors, last = exc.value.issues
    assert [(i.line, i.message) for i in errors] == [(3, "unknown key `topic`; did you mean `topics`?")]
    assert last.code == "not-checked"
