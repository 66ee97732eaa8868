"""`--json` on validate, lint, helplines, plan, check-flash and grade: real output checked against schema/."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import media_factory as mf
import pytest
from click.testing import CliRunner

from toolkit.cli import cli
from toolkit.cli.plan_schema import plan_schema

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "storyboards" / "psychosis-three-things.yaml"


def _schema(name: str) -> dict:
    schema = json.loads((ROOT / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _check(name: str, stdout: str) -> dict:
    data = json.loads(stdout)  # standard output holds the JSON and nothing else
    jsonschema.Draft202012Validator(_schema(name)).validate(data)
    return data


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mf.make_video(tmp_path_factory.mktemp("clip") / "clip.mp4", size=(216, 384), fps=10, seconds=2)


def _broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text("title: x\nregion: GB\nscenes:\n  - duration: 3s\n    colour: red\n", encoding="utf-8")
    return path


def test_validate_json_lists_every_file_with_located_issues(runner: CliRunner, tmp_path: Path) -> None:
    broken = _broken(tmp_path)
    result = runner.invoke(cli, ["validate", str(EXAMPLE), str(broken), "--json"])
    assert result.exit_code == 1, result.output
    data = _check("validate", result.stdout)
    good, bad = data["files"]
    assert data["valid"] is False and good["valid"] and not bad["valid"]
    assert good["film"]["segments"] >= 2 and good["film"]["end_card_services"] >= 1
    assert bad["film"] is None and bad["issues"]
    located = {i["field"]: i for i in bad["issues"] if i["field"]}
    assert (located["scenes[0].colour"]["file"], located["scenes[0].colour"]["line"],
            located["scenes[0].colour"]["column"]) == (str(broken), 5, 5)


def test_lint_json_names_each_hit(runner: CliRunner, tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("Fine.\nI want to commit suicide.\n", encoding="utf-8")
    result = runner.invoke(cli, ["lint", str(words), "--json"])
    assert result.exit_code == 1
    data = _check("lint", result.stdout)
    assert data["passed"] is False
    (hit,) = data["files"][0]["issues"]
    assert (hit["line"], hit["column"], hit["severity"], hit["code"]) == (2, 11, "error", "committed-suicide")


def test_helplines_json_carries_ids_and_contacts(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["helplines", "--region", "US", "--json"])
    assert result.exit_code == 0
    data = _check("helplines", result.stdout)
    assert data["hidden_unconfirmed"] == 1
    samaritans = next(e for e in _check("helplines", runner.invoke(cli, ["helplines", "--json"]).stdout)["entries"]
                      if e["id"] == "uk-samaritans")
    assert samaritans["channels"][0]["text"] == "Call 116 123"


def test_plan_json_is_the_timeline_and_its_schema_is_generated(runner: CliRunner) -> None:
    committed = _schema("plan")
    assert committed == plan_schema(), "schema/ is stale: run `reel schema --plan > schema/plan.schema.json`"
    result = runner.invoke(cli, ["plan", str(EXAMPLE), "--json", "--field", "unused=1"])
    assert result.exit_code == 0, result.output
    data = _check("plan", result.stdout)
    assert data["version"] == 3 and data["frames"] > 0
    assert "unused" in result.stderr  # the warning goes to stderr, never into the JSON


def test_check_flash_json_keeps_its_shape(runner: CliRunner, clip: Path) -> None:
    result = runner.invoke(cli, ["check-flash", str(clip), "--json"])
    assert result.exit_code == 0, result.output
    data = _check("check-flash", result.stdout)
    assert data["clip"] == str(clip) and data["passed"] is True and data["profile"] == "wcag_strict"


@pytest.mark.render
def test_grade_json_goes_to_stdout_alone(runner: CliRunner, clip: Path) -> None:
    result = runner.invoke(cli, ["grade", str(clip), "--json"])
    assert result.exit_code in (0, 3), result.output
    data = _check("grade", result.stdout)
    assert data["clip"] == str(clip) and data["verdict"] in ("pass", "fail")


def test_json_dash_never_writes_a_file_named_dash(runner: CliRunner, clip: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (["helplines", "--json", "-"], ["lint", str(_broken(tmp_path)), "--json", "-"],
                 ["check-flash", "--json", "-", str(clip)], ["plan", "--json", "-", str(EXAMPLE)]):
        result = runner.invoke(cli, args)
        assert result.stdout.lstrip().startswith("{"), args
        assert not (tmp_path / "-").exists(), args


def test_json_before_an_input_prints_and_leaves_the_input_alone(runner: CliRunner, clip: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    before = clip.read_bytes()
    result = runner.invoke(cli, ["check-flash", "--json", str(clip)])
    assert result.exit_code == 0, result.output
    assert _check("check-flash", result.stdout)["clip"] == str(clip)
    assert clip.read_bytes() == before
    result = runner.invoke(cli, ["validate", "--json", str(EXAMPLE)])
    assert _check("validate", result.stdout)["files"][0]["file"] == str(EXAMPLE)
    # after `--`, every word is an input, even one spelt `--json`
    _broken(tmp_path).rename(tmp_path / "--json")
    _broken(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["validate", "--json", "--", "--json", "broken.yaml"])
    assert "colour" in result.stdout  # both files were read
    assert [f["file"] for f in _check("validate", result.stdout)["files"]] == ["--json", "broken.yaml"]


def test_json_file_is_written_whole_and_replaced_atomically(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "helplines.json"
    for _ in range(2):  # the second run replaces the first file
        result = runner.invoke(cli, ["helplines", "--json", str(out)])
        assert result.exit_code == 0, result.output
        assert result.stdout == ""
    assert _check("helplines", out.read_text(encoding="utf-8"))["entries"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["helplines.json"]  # no temporary or lock left


def test_json_names_a_json_file_or_nothing(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["helplines", f"--json={tmp_path / 'list.txt'}"])
    assert result.exit_code == 2
    assert "is not a JSON file name" in result.output
    assert not (tmp_path / "list.txt").exists()
