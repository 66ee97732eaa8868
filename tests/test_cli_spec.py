"""CLI behaviour for the storyboard language commands: validate, schema, new, lint."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from toolkit.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "storyboards").glob("*.yaml"))


def test_validate_examples_exit_zero(runner):
    result = runner.invoke(cli, ["validate", *map(str, EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert result.output.count("valid —") == len(EXAMPLES)


def test_validate_reports_located_errors_and_exits_one(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nregion: UK\nscenes:\n  - backgrond: navy\n")
    result = runner.invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:4:5: scenes[0].backgrond: unknown key `backgrond`; did you mean `background`?" in result.output


def test_validate_strict_turns_warnings_into_errors(runner, tmp_path):
    sb = tmp_path / "fast.yaml"
    sb.write_text("title: x\nregion: UK\nscenes:\n  - background: navy\n    duration: 1s\n"
                  "    captions: Far too many words to read in one single second.\n")
    assert runner.invoke(cli, ["validate", str(sb)]).exit_code == 0
    strict = runner.invoke(cli, ["validate", "--strict", str(sb)])
    assert strict.exit_code == 1
    assert "words need at least" in strict.output


def test_schema_is_json_and_matches_committed_copy(runner):
    result = runner.invoke(cli, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    committed = json.loads((ROOT / "schema" / "storyboard.schema.json").read_text())
    assert schema == committed, "schema/ is stale: run `reel schema > schema/storyboard.schema.json`"
    tschema = json.loads(runner.invoke(cli, ["schema", "--template"]).output)
    assert tschema == json.loads((ROOT / "schema" / "template.schema.json").read_text())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_validate_against_the_json_schema(path):
    schema = json.loads((ROOT / "schema" / "storyboard.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    assert path.read_text().startswith("# yaml-language-server: $schema=../schema/storyboard.schema.json")


def test_schema_rejects_what_the_models_reject():
    schema = json.loads((ROOT / "schema" / "storyboard.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"title": "x", "region": "UK", "scenes": [{"backgrond": "navy"}]}, schema)


def test_new_scaffolds_each_format_and_refuses_existing(runner, tmp_path):
    for fmt in ("talking-head", "myth-vs-fact", "text-story"):
        target = tmp_path / f"film-{fmt}"
        result = runner.invoke(cli, ["new", str(target), "--format", fmt])
        assert result.exit_code == 0, result.output
        sb = target / f"film-{fmt}.yaml"
        assert runner.invoke(cli, ["validate", str(sb)]).exit_code == 0
    again = runner.invoke(cli, ["new", str(tmp_path / "film-text-story")])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_lint_reports_planted_phrases_with_locations(runner, tmp_path):
    sb = tmp_path / "lint.yaml"
    sb.write_text("title: Why she committed suicide\nregion: UK\nscenes:\n  - background: navy\n"
                  "    duration: 4s\n    captions:\n      - The suicide epidemic is skyrocketing.\n"
                  "      - He suffers from depression.\n")
    result = runner.invoke(cli, ["lint", str(sb)])
    assert result.exit_code == 1
    out = result.output
    assert f"{sb}:1:16: title: “committed suicide”" in out
    assert f"{sb}:7:13: warning: scenes[0].captions[0]: “suicide epidemic”" in out
    assert f"{sb}:8:12: warning: scenes[0].captions[1]: “suffers from depression”" in out


def test_lint_examples_are_clean(runner):
    result = runner.invoke(cli, ["lint", *map(str, EXAMPLES)])
    assert result.exit_code == 0, result.output


def test_unknown_command_is_a_usage_error(runner):
    result = runner.invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
