"""The CLI behaves like its neighbours: colour off on request, readable tables, grouped help, pasteable hints."""

from __future__ import annotations

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
