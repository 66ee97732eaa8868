"""A film's own local helpline (`end_card.custom_services`) counts on its card when the grader is
given the storyboard; without it, the number is reported as one that belongs to no service."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli import cli
from toolkit.grade.context import make_context
from toolkit.grade.grader import grade
from toolkit.grade.rubric import load_rubric

STORYBOARD = """\
title: Harbour
region: UK
end_card:
  custom_services:
    - name: Harbour Line
      call: 0800 123 4567
scenes:
  - background: '#264653'
    duration: 2s
    captions: Someone to talk to.
"""


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("custom")
    sb = folder / "harbour.yaml"
    sb.write_text(STORYBOARD, encoding="utf-8")
    out = folder / "harbour.mp4"
    result = CliRunner().invoke(cli, ["render", str(sb), "--draft", "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out, sb


@pytest.mark.render
def test_the_custom_service_counts_with_the_storyboard(film: tuple[Path, Path]) -> None:
    path, sb = film
    alone = grade(path, load_rubric(), context=make_context(region="UK"))
    known = grade(path, load_rubric(), context=make_context(storyboard=sb))
    services = {name: r.result("end-card-services") for name, r in (("alone", alone), ("known", known))}
    assert services["alone"] is not None and services["known"] is not None
    assert services["known"].value == services["alone"].value + 1
    card_alone, card_known = alone.result("end-card"), known.result("end-card")
    assert card_alone is not None and card_known is not None
    assert any("0800 123 4567" in note for note in card_alone.notes)  # a number that is nobody's
    assert any("Harbour Line (0800 123 4567)" in note for note in card_known.notes)  # found, by name
    assert not any("0800 123 4567" in note and "Harbour" not in note for note in card_known.notes)
