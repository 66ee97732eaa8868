"""The CLI behaves like its neighbours: colour off on request, readable tables, grouped help, pasteable hints."""

from __future__ import annotations

import itertools
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli import cli

ESC = "\x1b["


def _lint_file(tmp_path: Path, text: str = "Talking helps.\n") -> Path:
    path = tmp_path / "words.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _broken_storyboard(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text("title: x\nscenes: []\nregion: GB\n", encoding="utf-8")
    return path


# Each case: one output path (click secho on stdout, issues on stderr, a rich table, a rich listing).
CASES = {
    "secho-stdout": lambda tmp: ["lint", str(_lint_file(tmp))],
    "issues-stderr": lambda tmp: ["lint", str(_lint_file(tmp, "I want to commit suicide.\n"))],
    "validate-error": lambda tmp: ["validate", str(_broken_storyboard(tmp))],
    "rich-table": lambda tmp: ["helplines", "--region", "UK"],
    "rich-templates": lambda tmp: ["templates", "list"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_colour_appears_when_forced_and_goes_with_no_color(runner: CliRunner, tmp_path: Path, case: str) -> None:
    args = CASES[case](tmp_path)
    forced = runner.invoke(cli, args, env={"FORCE_COLOR": "1", "NO_COLOR": None})
    assert ESC in forced.output, f"{case}: the test needs a path that colours when it may\n{forced.output}"
    for env, flags in (({"FORCE_COLOR": "1", "NO_COLOR": "1"}, []),
                       ({"FORCE_COLOR": "1", "NO_COLOR": "yes"}, []),
                       ({"FORCE_COLOR": "1", "NO_COLOR": None}, ["--no-color"])):
        plain = runner.invoke(cli, [*flags, *args], env=env)
        assert plain.exit_code == forced.exit_code
        assert ESC not in plain.output, (case, env, flags)
        assert plain.output.strip(), "the plain run must still print its message"


def test_an_empty_no_color_does_not_turn_colour_off(runner: CliRunner, tmp_path: Path) -> None:
    # no-color.org: NO_COLOR counts only when it holds a non-empty string
    result = runner.invoke(cli, ["lint", str(_lint_file(tmp_path))], env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert ESC in result.output



@pytest.mark.parametrize("args", [["helplines", "--all"], ["helplines", "--region", "UK"],
                                  ["helplines", "--topic", "eating-disorders"]])
def test_helplines_shows_every_id_within_80_columns(runner: CliRunner, args: list[str]) -> None:
    from toolkit.care.endcard import contact_text
    from toolkit.care.helplines import load_directory

    result = runner.invoke(cli, args, env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    directory = load_directory()
    region = args[2] if args[1] == "--region" else None
    topic = args[2] if args[1] == "--topic" else None
    listed = [e for e in directory.filter(region=region, topic=topic) if "--all" in args or e.status != "unconfirmed"]
    assert listed
    for entry in listed:
        # the id leads the entry's first line, where a user copies it from
        assert any(line.strip().startswith(f"{entry.id}  {entry.name}") for line in lines), entry.id
        for channel in entry.channels:  # every contact whole, on one line
            assert any(contact_text(channel).text in line for line in lines), (entry.id, channel.value)


def test_help_groups_every_command_by_who_uses_it(runner: CliRunner) -> None:
    from toolkit.cli import AUDIENCES, COMMANDS

    grouped = [name for _, names in AUDIENCES for name in names]
    assert sorted(grouped) == sorted(COMMANDS), "every command in exactly one section"
    result = runner.invoke(cli, ["--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    text = result.output
    headings = [text.index(f"\n{heading}:\n") for heading, _ in AUDIENCES]
    assert headings == sorted(headings) and "\nCommands:\n" not in text
    assert text.index("Trainees") < text.index("  validate ") < text.index("Editors") < text.index("  plan ")
    assert text.index("Tutors") < text.index("  grade ")
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("name", ["My Film", "Sam's $HOME film", "Film: one", "#1 [draft]"])
def test_new_prints_next_commands_that_work_when_pasted(tmp_path: Path, name: str) -> None:
    reel = Path(sys.executable).parent / "reel"
    made = subprocess.run([str(reel), "new", name], cwd=tmp_path, capture_output=True, text=True, check=True)
    lines = made.stdout.splitlines()
    commands = [line.strip() for line in lines[lines.index("next:") + 1:]]
    assert [shlex.split(c)[:2] for c in commands] == [["reel", "validate"], ["reel", "render"]]
    env = {**os.environ, "PATH": f"{reel.parent}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
    # pasted into a real shell exactly as printed (the render with --dry-run added, to stay fast)
    validated = subprocess.run(["sh", "-c", commands[0]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert validated.returncode == 0 and ": valid" in validated.stdout, validated.stderr
    planned = subprocess.run(["sh", "-c", commands[1] + " --dry-run"], cwd=tmp_path, env=env, capture_output=True,
                             text=True)
    assert planned.returncode == 0 and "ffmpeg" in planned.stdout, planned.stderr


def test_plan_takes_field_like_render_and_validate(runner: CliRunner, tmp_path: Path) -> None:
    from toolkit.film.scaffold import scaffold

    storyboard = scaffold(tmp_path / "film")
    text = storyboard.read_text(encoding="utf-8")
    storyboard.write_text(text.replace('title: "Film"', 'title: "A film by {{ trainee }}"'), encoding="utf-8")
    missing = runner.invoke(cli, ["plan", str(storyboard)])
    assert missing.exit_code == 1 and "merge field `trainee` has no value" in missing.output
    result = runner.invoke(cli, ["plan", str(storyboard), "--field", "trainee=Sam Lee", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["title"] == "A film by Sam Lee"
    shown = runner.invoke(cli, ["plan", str(storyboard), "--field", "trainee=Sam Lee"])
    assert shown.exit_code == 0 and "A film by Sam Lee" in shown.stdout


# ---------------------------------------------------------------- render progress and warnings


def _watch(events: list[tuple[str, object]]) -> list[list[tuple[str, float | None, bool]]]:
    """Feed `events` to the progress display; its rows after each event, then after it closes."""
    from toolkit.cli.progress import StageProgress

    frames = []
    with StageProgress("film.yaml") as progress:
        for stage, report in events:
            progress.update(stage, report)
            frames.append(progress.snapshot())
    frames.append(progress.snapshot())
    return frames


def _assert_honest(frames: list[list[tuple[str, float | None, bool]]]) -> None:
    for before, after in itertools.pairwise(frames):
        for (name, was, _), (same, now, _) in zip(before, after, strict=False):
            assert name.split(" (")[0] == same.split(" (")[0]
            if was is not None and now is not None:
                assert now >= was, f"{name} went back from {was} to {now}"
    for rows in frames[:-1]:
        running = [row for row in rows if not row[2]]
        assert len(running) <= 1, "one stage works at a time"
        assert all(row[1] is None or row[1] < 100 for row in running), f"100 % while still working: {running}"
    assert all(finished for _, _, finished in frames[-1])


def test_progress_is_one_row_per_stage_that_never_jumps_back() -> None:
    from toolkit.film.run.runner import Progress

    start = Progress(0, None, 0.0, None, False)
    events = [("text", start), ("proxies", start), ("proxies", Progress(40, None, 1.3, 2.0, False)),
              ("loudness", start), ("loudness", Progress(0, None, 20.0, 50.0, True)), ("render", start)]
    events += [("render", Progress(f, 300, f / 30, 1.0, False)) for f in (0, 90, 180, 299, 300)]
    events += [("render", Progress(300, 300, 10.0, 1.0, True)), ("check", start), ("flash gate", start),
               ("end card", start)]
    frames = _watch(events)
    _assert_honest(frames)
    names = [row[0] for row in frames[-1]]
    assert names == [f"film.yaml: {s}" for s in ("text", "proxies", "loudness", "render", "check", "flash gate",
                                                 "end card")]
    render_rows = [next(r for r in rows if r[0].startswith("film.yaml: render")) for rows in frames[6:12]]
    almost = pytest.approx(99 + 2 / 3)  # held one frame short of 100 % until the stage ends
    assert [r[1] for r in render_rows] == [0.0, 30.0, 60.0, almost, almost, almost]
    assert render_rows[-1][0] == "film.yaml: render (finishing)"  # all frames out; ffmpeg still writing
    assert frames[12][3][1] == 100.0 and frames[12][3][2]  # the render row ends when the check starts
    # stages without a known length show no percentage (a spinner), running or done
    assert all(row[1] is None for rows in frames for row in rows if "render" not in row[0] and not row[2])


@pytest.mark.render
def test_a_real_render_reports_named_stages_honestly(runner: CliRunner, tmp_path: Path) -> None:
    from toolkit.film.pipeline import DRAFT_WIDTH, prepare
    from toolkit.film.render import render_film

    storyboard = tmp_path / "short.yaml"
    storyboard.write_text("title: Short\nregion: IE\nscenes:\n  - background: '#2a9d8f'\n    duration: 2s\n"
                          "    captions: A short caption.\n", encoding="utf-8")
    events: list[tuple[str, object]] = []
    render_film(prepare(storyboard, width=DRAFT_WIDTH), tmp_path / "short.mp4", draft=True,
                on_progress=lambda stage, p: events.append((stage, p)))
    stages = list(dict.fromkeys(stage for stage, _ in events))
    assert {"render", "check", "flash gate", "end card"} <= set(stages)
    assert stages.index("render") < stages.index("check") < stages.index("flash gate")
    _assert_honest(_watch(events))


def test_a_warning_is_printed_once_not_once_per_stage(runner: CliRunner, tmp_path: Path) -> None:
    storyboard = tmp_path / "glyphs.yaml"
    storyboard.write_text("title: Short\nregion: IE\nscenes:\n  - background: '#2a9d8f'\n    duration: 2s\n"
                          "    captions: A short caption ✓.\n", encoding="utf-8")
    result = runner.invoke(cli, ["render", str(storyboard), "--draft", "-q"], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if "U+2713" in line]
    assert len(said) == 1, said
    assert said[0].startswith(f"{storyboard}:6:")


def test_one_place_decides_colour() -> None:
    # Every writer that can colour goes through toolkit/cli/style.py, which reads --no-color and NO_COLOR.
    root = Path(__file__).resolve().parent.parent / "toolkit"
    offenders = [f"{path.relative_to(root)}: {needle}" for path in root.rglob("*.py") if path.name != "style.py"
                 for needle in ("click.secho(", "click.style(", "Console(")
                 if needle in path.read_text(encoding="utf-8")]
    assert offenders == []


def test_brackets_in_names_are_shown_not_read_as_markup(runner: CliRunner, tmp_path: Path) -> None:
    # rich reads `[bold]` as a style; a file called that must still be named in the batch summary
    odd = tmp_path / "[bold]film.yaml"
    odd.write_text("title: x\nscenes: []\n", encoding="utf-8")
    other = tmp_path / "[red]other.yaml"
    other.write_text("title: x\nscenes: []\n", encoding="utf-8")
    result = runner.invoke(cli, ["render", str(odd), str(other), "--out-dir", str(tmp_path / "out"), "-q"],
                           env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 1
    summary = result.output[result.output.index("Batch summary"):]
    assert "[bold]film.yaml" in summary and "[red]other.yaml" in summary
