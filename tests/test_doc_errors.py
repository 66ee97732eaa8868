"""toolkit.doc.errors: one translation of pydantic errors for every YAML file Reel reads.

Lint rule files, the helpline directory, rubrics, templates and storyboards all get the same
plain messages, located at the key, with did-you-mean hints from the model the caller names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Discriminator, Tag, ValidationError

from toolkit.care.helplines import load_directory
from toolkit.care.rules import load_rules
from toolkit.doc.errors import translate_validation_error
from toolkit.doc.loader import parse_document
from toolkit.errors import SpecError


def test_a_misspelt_key_in_a_lint_rule_file_gets_did_you_mean(tmp_path: Path) -> None:
    extra = tmp_path / "private.yaml"
    extra.write_text("version: 1\nrules:\n  - id: x-rule\n    severty: error\n    patterns: [x]\n"
                     "    reason: rrr\n    suggestion: sss\n    source: src\n    examples: {bad: [x]}\n",
                     encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_rules(extra)
    unknown = [i for i in err.value.issues if i.code == "extra_forbidden"]
    assert [(i.line, i.col, i.path, i.message) for i in unknown] == [
        (4, 5, "rules[0].severty", "unknown key `severty`; did you mean `severity`?")]
    missing = [i for i in err.value.issues if i.code == "missing"]
    assert [(i.line, i.path, i.message) for i in missing] == [(3, "rules[0].severity", "required: add `severity:`")]


def test_a_misspelt_key_in_the_helpline_directory_gets_did_you_mean(tmp_path: Path) -> None:
    directory = tmp_path / "helplines.yaml"
    directory.write_text("version: 1\nregoins: {}\n", encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_directory(directory)
    [issue] = [i for i in err.value.issues if i.code == "extra_forbidden"]
    assert (issue.file, issue.line, issue.col) == (directory, 2, 1)
    assert issue.message == "unknown key `regoins`; did you mean `regions`?"


class _Paint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paint: str


class _Paper(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paper: str


class _Wall(BaseModel):
    model_config = ConfigDict(extra="forbid")
    finish: Annotated[Annotated[_Paint, Tag("paint")] | Annotated[_Paper, Tag("paper")],
                      Discriminator(lambda v: next((k for k in ("paint", "paper") if isinstance(v, dict) and k in v),
                                                   None), custom_error_type="finish_kind",
                                    custom_error_message="a finish needs `paint:` or `paper:`")]


def _issues(text: str, **kwargs) -> list:
    doc = parse_document(text, Path("wall.yaml"), kind="wall")
    with pytest.raises(ValidationError) as err:
        _Wall.model_validate(doc.data)
    return translate_validation_error(err.value, doc, root=_Wall, **kwargs)


def test_the_caller_names_its_model_and_its_union_keys() -> None:
    """Nothing about storyboards is built in: the hints come from the model and choices passed."""
    [issue] = _issues("finish:\n  pant: red\n", choices={"finish_kind": ("paint", "paper")})
    assert (issue.line, issue.col, issue.path) == (2, 3, "finish")
    assert issue.message == "a finish needs `paint:` or `paper:`; did you mean `paint` instead of `pant`?"
    [plain] = _issues("finish:\n  pant: red\n")
    assert plain.message == "a finish needs `paint:` or `paper:`"
    [unknown] = _issues("finish: {paint: red}\nscenes: []\n")
    # a storyboard key means nothing to this model: no storyboard vocabulary leaks into the hint
    assert unknown.message == "unknown key `scenes`; allowed here: `finish`"
