"""Every film carries full BT.709 colour tags, whichever render path made it, and verify checks them.

A film of few segments renders in one filtergraph, a longer one as producers piping raw frames into
one encoder; before the tags were stamped at the end of both graphs, the one-graph film came out
with its primaries and transfer unset (`unknown`), which players fill in by guessing.
"""

from __future__ import annotations

from pathlib import Path

import media_factory as mf
import pytest
from test_render_engine import BLUE, GREEN, RED, render

from toolkit.errors import VerifyError
from toolkit.film.plan.timeline import ColorSource, Transition
from toolkit.film.run.verify import verify_output
from toolkit.media.probe import ColourTags, probe

pytestmark = pytest.mark.render

BT709 = ColourTags(primaries="bt709", transfer="bt709", matrix="bt709", range="tv")


@pytest.mark.parametrize("max_segments", [8, 2], ids=["one-graph", "chunked"])
def test_both_render_paths_tag_the_film_bt709(tmp_path: Path, max_segments: int) -> None:
    timeline = mf.timeline([(ColorSource(RED), 8, Transition("cut", 0)), (ColorSource(BLUE), 8, Transition("cut", 0)),
                            (ColorSource(GREEN), 8, Transition("cut", 0))], end_frames=10)
    path, _, report = render(timeline, tmp_path, max_segments=max_segments)
    assert report.colour == BT709
    assert probe(path).video.colour == BT709
    assert str(report.colour) == "bt709/bt709/bt709 tv range"


def test_verify_names_wrong_or_missing_colour_tags(tmp_path: Path) -> None:
    timeline = mf.timeline([(ColorSource(RED), 10, Transition("cut", 0))])
    for name, tags, shown in (
            # tags set on the frames: ffmpeg 9 lets frame tags override the encoder's -color_* options
            ("sd.mp4", ["-vf", "setparams=color_primaries=smpte170m:color_trc=smpte170m:colorspace=smpte170m"
                               ":range=tv"], "smpte170m/smpte170m/smpte170m tv range"),
            ("untagged.mp4", [], "unknown/unknown/unknown")):
        wrong = tmp_path / name
        mf.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=216x384:r=10:d=3", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                  *tags, str(wrong))
        with pytest.raises(VerifyError) as caught:
            verify_output(wrong, timeline)
        assert f"colour tags are {shown}" in str(caught.value)
        assert "expected bt709/bt709/bt709 tv range" in str(caught.value)


@pytest.mark.parametrize("max_segments", [8, 2], ids=["one-graph", "chunked"])
def test_the_mapped_picture_comes_out_of_the_colour_stamp(tmp_path: Path, max_segments: int) -> None:
    from test_compile_golden import RASTER

    from toolkit.film.compile.graph import compile_render
    from toolkit.film.compile.output import EncodeSettings

    timeline = mf.timeline([(ColorSource(RED), 8, Transition("cut", 0)), (ColorSource(BLUE), 8, Transition("cut", 0)),
                            (ColorSource(GREEN), 8, Transition("cut", 0))], end_frames=10)
    argv = list(compile_render(timeline, RASTER, output=tmp_path / "f.mp4", encode=EncodeSettings.draft(), gain=None,
                               max_segments=max_segments).encoder)
    picture = argv[argv.index("-map") + 1]
    graph = argv[argv.index("-filter_complex") + 1]
    assert f"setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv{picture}" in graph
