"""Reel's own final render passes Reel's own default rubric: the layers-and-sound example (a dense
mix: voice, music, a notification ping and a whoosh, +13 dB of gain) once encoded to -0.8 dBTP,
over the rubric's -1 dBTP, because AAC overshoots the limiter on sharp effects."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli import cli
from toolkit.grade.context import make_context
from toolkit.grade.grader import grade
from toolkit.grade.rubric import load_rubric

EXAMPLE = Path(__file__).resolve().parent.parent / "storyboards" / "loneliness-layers-and-sound.yaml"


@pytest.mark.render
def test_the_final_render_of_the_layers_example_passes_the_default_rubric(tmp_path: Path) -> None:
    out = tmp_path / "film.mp4"
    result = CliRunner().invoke(cli, ["render", str(EXAMPLE), "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = grade(out, load_rubric(), context=make_context(storyboard=EXAMPLE))
    failed = [(r.id, r.measured) for r in report.results if r.status == "fail"]
    assert report.verdict == "pass", failed
    peak = report.result("true-peak")
    assert peak is not None and peak.status == "pass" and peak.value <= -1.2
