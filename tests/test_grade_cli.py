"""`reel grade` on the command line: exit codes, reports, folders and gradebooks, bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from grade_clips import ClipMaker

from toolkit.cli import cli

# A rubric a tiny test clip can pass, so exit 0 is reachable without a full-size film.
SMALL_RUBRIC = """\
version: 1
name: small
title: Shape and length only
criteria:
  - id: aspect
    expect: {equals: "9:16"}
    severity: must
    explain: The film must be vertical 9:16.
  - id: duration
    expect: {between: [1, 180]}
    severity: must
    explain: Between one second and three minutes.
  - id: hook
    expect: {max: 2}
    severity: should
    explain: Something should happen within two seconds.
"""


@pytest.fixture(scope="session")
def made(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> dict[str, Path]:
    """Small clips and broken files, made once."""
    maker = ClipMaker(tmp_path_factory.mktemp("grade-cli"), ffmpeg)
    files = {
        "tiny": maker.lavfi("tiny.mp4", "testsrc2=s=216x384:r=15", seconds=2),
        "tiny2": maker.lavfi("tiny2.mp4", "testsrc2=s=216x384:r=15", seconds=2),
        "silent-film": maker.lavfi("silent-film.mp4", "testsrc2=s=216x384:r=15", seconds=2, lufs=None),
        "late-index": maker.lavfi("late-index.mp4", "testsrc2=s=216x384:r=15", seconds=3, faststart=False),
    }
    audio = maker.folder / "voice.m4a"
    maker.run(["-f", "lavfi", "-i", "aevalsrc=0.1*sin(2*PI*440*t):s=48000:d=2", "-c:a", "aac", str(audio)])
    files["audio-only"] = audio
    empty = maker.folder / "empty.mp4"
    empty.write_bytes(b"")
    files["empty"] = empty
    notes = maker.folder / "notes.txt"
    notes.write_text("not a video\n", encoding="utf-8")
    files["text"] = notes
    whole = maker.lavfi("whole.mp4", "testsrc2=s=216x384:r=15", seconds=6).read_bytes()
    truncated = maker.folder / "truncated.mp4"
    truncated.write_bytes(whole[: len(whole) * 2 // 5])  # index at the front, media cut off
    files["truncated"] = truncated
    late = files["late-index"].read_bytes()
    corrupt = maker.folder / "corrupt.mp4"
    corrupt.write_bytes(late[: len(late) // 2])  # index at the end, so it is gone
    files["corrupt"] = corrupt
    rubric = maker.folder / "small.yaml"
    rubric.write_text(SMALL_RUBRIC, encoding="utf-8")
    files["rubric"] = rubric
    return files


def run(runner: CliRunner, *args: object):
    return runner.invoke(cli, ["grade", *map(str, args)])


def test_every_must_passing_exits_0(runner: CliRunner, made: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run(runner, made["tiny"], "--rubric", made["rubric"], "--json", out)
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output and f"wrote {out}" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["verdict"], data["rubric"]["name"], data["score"]) == ("pass", "small", 100.0)


def test_a_graded_failure_exits_3_and_says_what_to_fix(runner: CliRunner, made: dict[str, Path],
                                                       tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    result = run(runner, made["tiny"], "--html", html)
    assert result.exit_code == 3, result.output
    assert "FAIL" in result.output
    assert "resolution: The picture must be at least 720 pixels wide" in result.output
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_clip_without_audio_is_graded_not_an_error(runner: CliRunner, made: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run(runner, made["silent-film"], "--json", out)
    assert result.exit_code == 3
    results = {r["id"]: r for r in json.loads(out.read_text())["results"]}
    assert results["audio-present"]["status"] == "fail"
    assert (results["loudness"]["status"], results["loudness"]["reason"]) == ("not_evaluated",
                                                                              "the clip has no audio track")


def test_late_index_fails_the_container_check(runner: CliRunner, made: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    run(runner, made["late-index"], "--json", out)
    container = next(r for r in json.loads(out.read_text())["results"] if r["id"] == "container")
    assert container["status"] == "fail"
    assert "the index (moov atom) comes after the media: turn on 'fast start' / 'web optimised'" in container["notes"]


@pytest.mark.parametrize(("name", "message"), [
    ("text", "not a readable media file"),
    ("empty", "the file is empty (0 bytes)"),
    ("audio-only", "not a video clip (audio only); export the film as MP4 or MOV"),
    ("truncated", "the file is truncated or damaged: only"),
    ("corrupt", "the file is truncated or damaged: only"),  # cut before its index: named as short
])
def test_bad_input_is_a_tool_error_with_a_clear_message(runner: CliRunner, made: dict[str, Path], name: str,
                                                        message: str) -> None:
    result = run(runner, made[name])
    assert result.exit_code == 1, result.output
    assert f"Error: {made[name]}: " in result.output and message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_folder_of_many_other_files_names_twenty_and_counts_the_rest(runner: CliRunner, made: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / made["tiny"].name).write_bytes(made["tiny"].read_bytes())
    for i in range(50):
        (folder / f"frame{i:03d}.txt").write_text("x", encoding="utf-8")
    result = run(runner, folder, "--rubric", made["rubric"])
    assert result.exit_code == 0, result.output
    assert result.output.count(": not a video file") == 20
    assert "skipped 30 more files that are not videos (the gradebook lists them)" in result.output
    rows = list(csv.DictReader((folder / "reel-grades" / "gradebook.csv").open(encoding="utf-8")))
    assert len(rows) == 51 and sum(r["verdict"] == "skipped" for r in rows) == 50


def test_folder_is_graded_into_a_gradebook_with_skipped_files(runner: CliRunner, made: dict[str, Path],
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("tiny", "tiny2", "text"):
        (folder / made[name].name).write_bytes(made[name].read_bytes())
    (folder / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    result = run(runner, folder, "--rubric", made["rubric"])
    assert result.exit_code == 0, result.output
    assert f"skipped {folder / 'notes.txt'}: not a video file" in result.output
    out = folder / "reel-grades"
    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
    assert [(r["file"], r["verdict"]) for r in rows] == [("tiny.mp4", "pass"), ("tiny2.mp4", "pass"),
                                                         ("cover.png", "skipped"), ("notes.txt", "skipped")]
    assert rows[0]["aspect"] == "pass" and rows[0]["score"] == "100.0" and rows[0]["report"].endswith("tiny.mp4.html")
    assert (out / "tiny.mp4.html").is_file() and (out / "tiny2.mp4.json").is_file()


def test_folder_with_a_damaged_clip_grades_the_rest_and_exits_1(runner: CliRunner, made: dict[str, Path],
                                                                tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("tiny", "corrupt"):
        (folder / made[name].name).write_bytes(made[name].read_bytes())
    out = tmp_path / "grades"
    result = run(runner, folder, "--rubric", made["rubric"], "--out", out)
    assert result.exit_code == 1, result.output
    rows = {r["file"]: r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))}
    assert rows["tiny.mp4"]["verdict"] == "pass"
    assert rows["corrupt.mp4"]["verdict"] == "error"
    assert "the file is truncated or damaged: only" in rows["corrupt.mp4"]["note"]


@pytest.mark.parametrize(("args", "message"), [
    ((), "give at least one clip or folder to grade"),
    (("{folder}", "--json", "x.json"), "--json and --html name one report; with a folder or several clips use --out"),
    (("{tiny}", "--out", "grades"), "--out is for folders and several clips"),
    (("{tiny}", "--region", "XX"), "no helpline directory for region 'XX'"),
    (("{folder}", "--storyboard", "{rubric}"), "--storyboard describes one clip"),
    (("{tiny}", "--html", "{tiny}"), "is the clip being graded; choose another name for the report"),
    (("{missing}",), "does not exist"),
])
def test_usage_errors_exit_2(runner: CliRunner, made: dict[str, Path], tmp_path: Path, args: tuple[str, ...],
                             message: str) -> None:
    values = {"folder": made["tiny"].parent, "tiny": made["tiny"], "rubric": made["rubric"],
              "missing": tmp_path / "nope.mp4"}
    result = run(runner, *(a.format(**values) for a in args))
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_folder_without_videos_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hi", encoding="utf-8")
    result = run(runner, tmp_path)
    assert result.exit_code == 2
    assert "no video files to grade (skipped: notes.txt)" in result.output


def test_bad_rubric_is_reported_with_its_location(runner: CliRunner, made: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL_RUBRIC.replace("severity: must\n    explain: Between", "severity: must\n    wieght: 2\n"
                                        "    explain: Between"), encoding="utf-8")
    result = run(runner, made["tiny"], "--rubric", bad)
    assert result.exit_code == 1
    assert f"{bad}:12:5: criteria[1].wieght: unknown key `wieght`; did you mean `weight`?" in result.output


def test_captions_file_gives_reading_speed(runner: CliRunner, made: dict[str, Path], tmp_path: Path) -> None:
    srt = tmp_path / "captions.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,800\nThis caption has far too many words to read\n\n"
                   "2\n00:00:01,000 --> 00:00:02,000\nFine.\n", encoding="utf-8")
    rubric = tmp_path / "speed.yaml"
    rubric.write_text(SMALL_RUBRIC + """\
  - id: caption-reading-speed
    expect: {min: 0.3}
    severity: must
    explain: At least 0.3 seconds per word.
""", encoding="utf-8")
    out = tmp_path / "r.json"
    result = run(runner, made["tiny"], "--rubric", rubric, "--captions", srt, "--json", out)
    assert result.exit_code == 3, result.output
    speed = next(r for r in json.loads(out.read_text())["results"] if r["id"] == "caption-reading-speed")
    assert speed["status"] == "fail" and speed["value"] == pytest.approx(0.8 / 9, abs=1e-3)
    assert speed["times"][0]["label"].startswith("“This caption has far too many words to read”: 9 words")


def test_storyboard_without_its_footage_still_gives_region_and_topics(runner: CliRunner, made: dict[str, Path],
                                                                      tmp_path: Path) -> None:
    storyboard = tmp_path / "film.yaml"
    storyboard.write_text("title: Film\nregion: AU\ntopics: [self-harm]\nscenes:\n"
                          "  - background: {video: media/missing.mp4}\n", encoding="utf-8")
    rubric = tmp_path / "plan.yaml"
    rubric.write_text(SMALL_RUBRIC + """\
  - id: content-warning
    expect: {equals: true}
    severity: must
    explain: Open with a content warning.
  - id: storyboard
    expect: {between: [-0.5, 0.5]}
    severity: should
    explain: As long as planned.
""", encoding="utf-8")
    out = tmp_path / "r.json"
    result = run(runner, made["tiny"], "--rubric", rubric, "--storyboard", storyboard, "--json", out)
    assert result.exit_code == 3, result.output
    data = json.loads(out.read_text())
    assert (data["context"]["region"], data["context"]["topics"]) == ("AU", ["self-harm"])
    results = {r["id"]: r for r in data["results"]}
    assert results["content-warning"]["status"] == "fail"
    plan = results["storyboard"]
    assert plan["status"] == "not_evaluated"
    assert plan["reason"].startswith("the storyboard could not be planned here: ") and "missing.mp4" in plan["reason"]


def test_invalid_storyboard_is_a_located_error(runner: CliRunner, made: dict[str, Path], tmp_path: Path) -> None:
    storyboard = tmp_path / "film.yaml"
    storyboard.write_text("title: Film\nregion: UK\nscenes:\n  - backgrond: '#000000'\n", encoding="utf-8")
    result = run(runner, made["tiny"], "--storyboard", storyboard)
    assert result.exit_code == 1
    where = f"{storyboard}:4:5: scenes[0].backgrond"
    assert f"{where}: unknown key `backgrond`; did you mean `background`?" in result.output


def test_list_checks_names_every_check_and_its_values(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["grade", "--list-checks"])
    assert result.exit_code == 0
    assert "end-card: Helpline end card." in result.output
    assert "    integrated (main): number [LUFS] programme loudness" in result.output
