"""`python:` layers end to end: storyboard → plan → rendered once (cached) → composited with alpha.

A storyboard layer `{python: fx.py:half}` names a MoviePy function beside the storyboard. Reading
the storyboard (validate, plan) never runs it; a render, still or sheet runs it only with
--allow-python. Animated GIF layers share the alpha path (their clear pixels show what is under).

The golden argv (tests/goldens/compile/layers-alpha-chunked-draft.json), after an intended change:

    REEL_UPDATE_GOLDENS=1 python -m pytest tests/test_python_layers.py -k golden
"""

from __future__ import annotations

import dataclasses
import json
import os
from fractions import Fraction
from pathlib import Path

import av
import media_factory as mf
import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from toolkit.cli import cli
from toolkit.errors import IssuesError, SpecError
from toolkit.film.compile.graph import compile_render
from toolkit.film.compile.layer_art import LayerArt
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.raster import RasterPlan
from toolkit.film.pipeline import DRAFT_WIDTH, prepare
from toolkit.film.plan.timeline import (
    Box,
    ColorSource,
    Layer,
    LayerMotion,
    PythonSource,
    Timeline,
    Transition,
    VideoSource,
)
from toolkit.film.spec.validate import load_storyboard

pytest.importorskip("moviepy", reason="the python-layer extra: pip install 'reel[moviepy]'")

GOLDENS = Path(__file__).parent / "goldens" / "compile"
UPDATE = os.environ.get("REEL_UPDATE_GOLDENS") == "1"

# The layer is red where its mask is 1 (the left half) and clear where it is 0 (the right half).
# Each call adds one to calls.txt beside it, so a test can tell whether the function ran.
FX = '''\
from pathlib import Path

import numpy as np
from moviepy import VideoClip


def half(width, height, duration, fps):
    calls = Path(__file__).with_name("calls.txt")
    calls.write_text(str(int(calls.read_text()) + 1 if calls.exists() else 1))

    def frame(t):
        return np.full((height, width, 3), (255, 0, 0), np.uint8)

    def mask(t):
        m = np.zeros((height, width))
        m[:, : width // 2] = 1.0
        return m

    return VideoClip(frame, duration=duration).with_mask(VideoClip(mask, is_mask=True, duration=duration))


def words(width, height, duration, fps):
    # black words on a clear layer: unreadable over black, so the check must look over white too
    from PIL import Image, ImageDraw, ImageFont
    import fontpkg_atkinson_hyperlegible as pkg

    font = ImageFont.truetype(str(Path(pkg.__file__).parent / "files" / "AtkinsonHyperlegible-Bold.ttf"),
                              max(12, width // 12))
    ink = Image.new("L", (width, height), 0)
    ImageDraw.Draw(ink).text((width // 10, height // 2), "He committed suicide", font=font, fill=255)
    alpha = np.asarray(ink, dtype=np.float64) / 255.0

    def frame(t):
        return np.zeros((height, width, 3), np.uint8)

    return VideoClip(frame, duration=duration).with_mask(VideoClip(lambda t: alpha, is_mask=True,
                                                                   duration=duration))


def strobe(width, height, duration, fps):
    def frame(t):
        return np.full((height, width, 3), 255 if int(t * 20) % 2 else 0, np.uint8)

    return VideoClip(frame, duration=duration)
'''

FILM = """\
title: Python layer
region: IE
scenes:
  - background: '#0000ff'
    duration: 1s
    layers:
      - {python: fx.py:half}
"""

RED, BLUE = np.array([255, 0, 0]), np.array([0, 0, 255])


@pytest.fixture()
def film(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-scene film with a python layer, its own empty cache."""
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    (tmp_path / "fx.py").write_text(FX, encoding="utf-8")
    sb = tmp_path / "film.yaml"
    sb.write_text(FILM, encoding="utf-8")
    return sb


def _calls(sb: Path) -> int:
    counter = sb.with_name("calls.txt")
    return int(counter.read_text()) if counter.exists() else 0


def _frame(path: Path, index: int) -> np.ndarray:
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == index:
                return frame.to_ndarray(format="rgb24").astype(int)
    raise AssertionError(f"{path} has no frame {index}")


def _close(pixel: np.ndarray, color: np.ndarray) -> bool:
    return bool(np.abs(pixel - color).max() <= 12)


def _shows_half(picture: np.ndarray) -> None:
    h, w = picture.shape[:2]
    assert _close(picture[h // 2, w // 8], RED), picture[h // 2, w // 8]  # mask 1: the layer's pixels
    assert _close(picture[h // 2, w * 7 // 8], BLUE), picture[h // 2, w * 7 // 8]  # mask 0: the background


# ------------------------------------------------------------------ renders


@pytest.mark.render
def test_a_python_layer_renders_once_and_is_composited_with_its_mask(runner, film):
    out = film.with_name("film.mp4")
    first = runner.invoke(cli, ["render", str(film), "--draft", "-q", "--allow-python", "-o", str(out)])
    assert first.exit_code == 0, first.output
    assert _calls(film) == 1
    _shows_half(_frame(out, 15))
    again = runner.invoke(cli, ["render", str(film), "--draft", "-q", "--allow-python", "-o", str(out)])
    assert again.exit_code == 0, again.output
    assert _calls(film) == 1, "a cached python layer must not run its function again"
    # a changed file is drawn again (a still reads the same cache)
    fx = film.with_name("fx.py")
    fx.write_text(FX.replace("(255, 0, 0)", "(0, 255, 0)"), encoding="utf-8")
    still = runner.invoke(cli, ["still", str(film), "--at", "0.5s", "--draft", "--allow-python", "-o",
                                str(film.with_name("f.png"))])
    assert still.exit_code == 0, still.output
    assert _calls(film) == 2
    picture = np.asarray(Image.open(film.with_name("f.png")).convert("RGB")).astype(int)
    assert _close(picture[480, 60], np.array([0, 255, 0])) and _close(picture[480, 480], BLUE)


def test_dry_run_shows_the_python_step_without_running_it(runner, film):
    result = runner.invoke(cli, ["render", str(film), "--draft", "--dry-run", "-o", str(film.with_name("f.mp4"))])
    assert result.exit_code == 0, result.output
    assert "python layers — 1 layer to draw with MoviePy, 0 already drawn (fx.py:half)" in result.output
    assert _calls(film) == 0


@pytest.mark.parametrize("command", [["render", "--draft", "-q"], ["still", "--at", "0.5s"], ["sheet"]])
def test_without_allow_python_the_code_never_runs(runner, film, command):
    out = film.with_name("out.png" if command[0] != "render" else "out.mp4")
    result = runner.invoke(cli, [command[0], str(film), *command[1:], "-o", str(out)])
    assert result.exit_code == 1
    assert f"{film}:7:18: scenes[0].layers[0].python: `fx.py:half` is Python code" in result.output
    assert "pass --allow-python to run it" in result.output
    assert _calls(film) == 0 and not out.exists()


def test_validate_and_plan_never_run_the_code(runner, film):
    marker = film.with_name("ran.txt")
    film.with_name("fx.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n" + FX, encoding="utf-8")
    assert runner.invoke(cli, ["validate", str(film)]).exit_code == 0
    plan = runner.invoke(cli, ["plan", str(film)])
    assert plan.exit_code == 0, plan.output
    assert "scenes[0].layers[0]: python — fx.py:half, box 0,0 1080x1920" in plan.output
    assert runner.invoke(cli, ["plan", "--json", str(film)]).exit_code == 0
    assert not marker.exists()


def test_a_still_and_a_sheet_show_the_layer(runner, film):
    png = film.with_name("still.png")
    result = runner.invoke(cli, ["still", str(film), "--at", "0.5s", "--draft", "--allow-python", "-o", str(png)])
    assert result.exit_code == 0, result.output
    _shows_half(np.asarray(Image.open(png).convert("RGB")).astype(int))
    sheet = runner.invoke(cli, ["sheet", str(film), "--allow-python", "-o", str(film.with_name("sheet.png"))])
    assert sheet.exit_code == 0, sheet.output
    assert _calls(film) == 1  # the sheet draws at draft size: the still's layer, from the cache


@pytest.mark.render
def test_a_flashing_python_layer_is_refused_by_the_flash_gate(runner, film):
    film.write_text(FILM.replace("fx.py:half", "fx.py:strobe").replace("1s", "2s"), encoding="utf-8")
    out = film.with_name("film.mp4")
    result = runner.invoke(cli, ["render", str(film), "--draft", "-q", "--allow-python", "-o", str(out)])
    assert result.exit_code == 1
    assert "flashes more than 3 times a second" in result.output
    assert not out.exists()


@pytest.mark.render
def test_words_a_python_layer_draws_are_read_from_its_pixels_and_refused(runner, film):
    film.write_text(FILM.replace("fx.py:half", "fx.py:words"), encoding="utf-8")
    out = film.with_name("film.mp4")
    result = runner.invoke(cli, ["render", str(film), "--draft", "-q", "--allow-python", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "film.yaml:7:18" in result.output and "scenes[0].layers[0].python" in result.output
    assert "(read from its pixels)" in result.output and "committed suicide" in result.output
    assert not out.exists()
    png = film.with_name("still.png")
    still = runner.invoke(cli, ["still", str(film), "--at", "0.5s", "--draft", "--allow-python", "-o", str(png)])
    assert still.exit_code == 1 and "read from its pixels" in still.output and not png.exists()


def test_without_moviepy_the_error_names_the_extra(runner, film, monkeypatch):
    monkeypatch.setattr("toolkit.film.run.pylayers.moviepy_version", lambda: None)
    result = runner.invoke(cli, ["still", str(film), "--at", "0.5s", "--allow-python", "-o",
                                 str(film.with_name("f.png"))])
    assert result.exit_code == 1
    assert "fx.py:half is a python layer, which needs MoviePy: pip install 'reel[moviepy]'" in result.output
    assert _calls(film) == 0


def test_a_gif_with_transparency_shows_the_background_through_its_clear_pixels(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    frames = []
    for i in range(4):
        im = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
        im.paste((255, 0, 0, 255), (0, 0, 20, 40))  # the left half opaque red, the right half clear
        im.putpixel((30, 2 + i), (0, 255, 0, 255))  # a moving dot: an animated GIF
        frames.append(im)
    frames[0].save(tmp_path / "dot.gif", save_all=True, append_images=frames[1:], duration=100, loop=0, disposal=2)
    sb = tmp_path / "gif.yaml"
    sb.write_text("title: GIF\nregion: IE\nscenes:\n  - background: '#0000ff'\n    duration: 2s\n    layers:\n"
                  "      - {image: dot.gif, position: full}\n", encoding="utf-8")
    plan = prepare(sb, width=DRAFT_WIDTH).timeline
    src = plan.layers[0].source
    assert isinstance(src, VideoSource) and src.alpha and src.hold == "loop"
    png = tmp_path / "gif.png"
    result = runner.invoke(cli, ["still", str(sb), "--at", "1.1s", "--draft", "-o", str(png)])  # third play
    assert result.exit_code == 0, result.output
    _shows_half(np.asarray(Image.open(png).convert("RGB")).astype(int))


# ------------------------------------------------------------------ storyboard errors


@pytest.mark.parametrize(("value", "message"), [
    ("fx.txt:half", "`fx.txt` is not a Python file name (it must end in `.py`)"),
    ("fx.py", "`fx.py` names no function: write it as `FILE.py:function`"),
    ("fx.py:1half", "`1half` is not a Python function name"),
    ("fx.py:", "`` is not a Python function name"),
    ("missing.py:half", "file not found: missing.py"),
    ("../fx.py:half", "`../fx.py` points outside the storyboard's folder"),
    ("fx\\0.py:half", "contains a NUL byte"),
    ("fx.py:nope", "`fx.py` has no function `nope`; it defines half, words, strobe"),
])
def test_a_bad_python_reference_is_a_located_error(film, value, message):
    film.with_name("fx.py").write_text(FX, encoding="utf-8")
    (film.parent.parent / "fx.py").write_text(FX, encoding="utf-8")
    film.write_text(FILM.replace("{python: fx.py:half}", f'{{python: "{value}"}}'), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_storyboard(film)
    [issue] = [i for i in caught.value.issues if i.severity == "error"]
    assert message in issue.message
    assert (issue.line, issue.col) == (7, 18)
    assert issue.path == "scenes[0].layers[0].python"


def test_a_file_that_is_not_python_is_a_located_error_without_running_it(film):
    film.with_name("fx.py").write_text("import os\nos.remove('x')\ndef half(:\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_storyboard(film)
    [issue] = caught.value.issues
    assert "`fx.py` is not valid Python (line 3: " in issue.message and (issue.line, issue.col) == (7, 18)


def test_a_function_bound_by_an_import_or_under_an_if_is_found(film):
    film.with_name("helpers.py").write_text(FX, encoding="utf-8")
    film.with_name("fx.py").write_text("from helpers import half as half\nif True:\n    def other(w, h, d, f):\n"
                                       "        return None\n", encoding="utf-8")
    load_storyboard(film)
    film.write_text(FILM.replace("fx.py:half", "fx.py:other"), encoding="utf-8")
    load_storyboard(film)


def test_a_placed_python_layer_needs_a_size(film):
    film.write_text(FILM.replace("{python: fx.py:half}", "{python: fx.py:half, position: center}"), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        prepare(film)
    assert any("a python layer needs a size" in i.message and i.line == 7 for i in caught.value.issues)


def test_the_plan_names_the_function_and_reads_back(film):
    film.write_text(FILM.replace("{python: fx.py:half}", "{python: fx.py:half, position: {x: 100, y: 400}, "
                                 "size: {w: 300, h: 200}, at: 0.2s, for: 0.5s}"), encoding="utf-8")
    timeline = prepare(film).timeline
    [layer] = timeline.layers
    assert layer.source == PythonSource(film.with_name("fx.py").resolve(), "half")
    assert (layer.box, layer.start, layer.length) == (Box(100, 400, 300, 200), 6, 15)
    assert Timeline.from_dict(json.loads(json.dumps(timeline.to_dict()))) == timeline


# ------------------------------------------------------------------ golden argv


def _alpha_timeline() -> Timeline:
    base = mf.timeline([(ColorSource("#223344"), 40, Transition("cut", 0)),
                        (ColorSource("#443322"), 40, Transition("fade", 6))])
    drawn = VideoSource(Path("/cache/pylayer-0123.mkv"), Fraction(0), "cover", 216, 384, False, end=Fraction(6),
                        alpha=True)
    gif = VideoSource(Path("/media/dot.gif"), Fraction(0), "cover", 40, 40, False, end=Fraction(2, 5), hold="loop",
                      alpha=True)
    layers = (Layer("scenes[0].layers[0]", drawn, 10, 60, Box(0, 0, 216, 384), exit=LayerMotion("fade", 5)),
              Layer("scenes[1].layers[0]", gif, 44, 30, Box(20, 40, 60, 60), radius=8, opacity=0.5))
    return dataclasses.replace(base, layers=layers)


_ART = (LayerArt(), LayerArt(mask=Path("/work/layer-mask-gif.png")))
RASTER = RasterPlan(Path("/work/overlays-0123456789abcdef.ffconcat"), Box(24, 56, 154, 194), (), (), _ART)


def test_alpha_layer_argv_matches_golden() -> None:
    argv = compile_render(_alpha_timeline(), RASTER, output=Path("/out/.film.reel-tmp-0000.mp4"),
                          encode=EncodeSettings.draft(), gain=None, max_segments=2).to_dict()
    path = GOLDENS / "layers-alpha-chunked-draft.json"
    if UPDATE:
        path.write_text(json.dumps({"regenerate": "REEL_UPDATE_GOLDENS=1 python -m pytest "
                                    "tests/test_python_layers.py -k golden", "argv": argv}, indent=1) + "\n")
    assert path.exists(), f"{path} is missing: run with REEL_UPDATE_GOLDENS=1 to create it"
    assert argv == json.loads(path.read_text())["argv"]
    text = json.dumps(argv)
    assert "alphaextract" in text and "blend=all_mode=multiply" in text and "yuva420p" in text


# ------------------------------------------------------------------ compiled and read back

INDEXED = '''\
import numpy as np
from moviepy import VideoClip


def indexed(width, height, duration, fps):
    """Grey 16 + 3·k on frame k (so every frame shown names its frame), opaque on the left half only."""
    def frame(t):
        return np.full((height, width, 3), 16 + 3 * round(t * fps), np.uint8)

    def mask(t):
        m = np.zeros((height, width))
        m[:, : width // 2] = 1.0
        return m

    return VideoClip(frame, duration=duration).with_mask(VideoClip(mask, is_mask=True, duration=duration))
'''


@pytest.mark.render
def test_alpha_layers_show_the_same_frames_whole_and_chunked(tmp_path):
    from toolkit.film.compile.graph import compile_frames
    from toolkit.film.compile.raster import rasterise
    from toolkit.film.run.pylayers import PythonLayerJob, render_python_layer
    from toolkit.film.run.runner import run_ffmpeg

    (tmp_path / "fx.py").write_text(INDEXED, encoding="utf-8")
    drawn = render_python_layer(PythonLayerJob(tmp_path / "fx.py", "indexed", 216, 384, 60, Fraction(10)),
                                tmp_path / "cache")
    frames = []
    for i in range(4):
        im = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
        im.paste((255, 255, 0, 255), (0, 0, 20, 40))
        im.putpixel((30, 2 + i), (0, 255, 0, 255))
        frames.append(im)
    frames[0].save(tmp_path / "dot.gif", save_all=True, append_images=frames[1:], duration=100, loop=0, disposal=2)
    timeline = _alpha_timeline()
    layers = (dataclasses.replace(timeline.layers[0], source=dataclasses.replace(timeline.layers[0].source,
                                                                                 path=drawn)),
              dataclasses.replace(timeline.layers[1], source=dataclasses.replace(timeline.layers[1].source,
                                                                                 path=tmp_path / "dot.gif")))
    timeline = dataclasses.replace(timeline, layers=layers)
    raster = rasterise(timeline, tmp_path / "work")
    wanted = [10, 23, 24, 25, 30, 34, 35, 44, 50, 60, 64, 69]

    def stills(folder: Path, max_segments: int) -> list[np.ndarray]:
        folder.mkdir()
        for argv in compile_frames(timeline, raster, frames=wanted, output=folder / "f_%04d.png",
                                   max_segments=max_segments):
            run_ffmpeg(argv, stage="frames")
        return [np.asarray(Image.open(folder / f"f_{i:04d}.png").convert("RGB")).astype(int)
                for i in range(1, len(wanted) + 1)]

    whole, chunked = stills(tmp_path / "whole", 8), stills(tmp_path / "chunked", 2)
    for n, a, b in zip(wanted, whole, chunked, strict=True):
        assert np.array_equal(a, b), f"frame {n} differs between one graph and chunks"
        k = n - 10  # the python layer's own frame
        if k < 55:  # before its fade-out: the left half is its frame, the right half the scene underneath
            assert abs(a[300, 40, 0] - (16 + 3 * k)) <= 4, (n, a[300, 40])
            assert abs(a[300, 180, 0] - (16 + 3 * k)) > 12
    # the GIF (frames 44-73 at x 20-80, y 40-100): its opaque half at half opacity, its clear half the picture under
    # over the python layer's opaque half (grey 16 + 3·40 at frame 50)
    still, under = whole[wanted.index(50)], np.array([136, 136, 136])
    assert np.abs(still[90, 70] - under).max() <= 6  # clear pixels show what is under them
    assert np.abs(still[90, 30] - (under + np.array([255, 255, 0])) / 2).max() <= 8  # yellow at opacity 0.5


_HOSTILE = st.one_of(st.text(max_size=30), st.sampled_from([
    "fx.py:half", "fx.py:nothere", "fx.py:half:half", ":half", "fx.py:__init__", "fx.py:half ", " fx.py:half",
    "/etc/passwd.py:x", "../../fx.py:half", "sub/../fx.py:half", "fx.py:h\u00e4lf", "fx.py:\u202ehalf",
    "x" * 300 + ".py:a",
    "fx.PY:half", ".py:half", "fx.py\n:half", "fx.py:half\x00"]))


@settings(derandomize=True, database=None, deadline=None, max_examples=60,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_HOSTILE)
def test_whatever_python_names_it_plans_or_is_a_located_error_and_never_runs(film, value):
    marker = film.with_name("ran.txt")
    film.with_name("fx.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n" + FX, encoding="utf-8")
    doc = {"title": "Fuzz", "region": "IE", "scenes": [{"background": "navy", "duration": "1s",
                                                        "layers": [{"python": value}]}]}
    film.write_text(yaml.safe_dump(doc, allow_unicode=True, width=10**9), encoding="utf-8")
    try:
        timeline = prepare(film).timeline
    except IssuesError as exc:
        errors = [i for i in exc.issues if i.severity == "error"]
        assert errors and all(i.line is not None and i.path.startswith("scenes[0].layers[0]") for i in errors), \
            [i.format() for i in errors]
    else:
        [layer] = timeline.layers
        assert isinstance(layer.source, PythonSource) and layer.source.path.parent == film.parent.resolve()
    assert not marker.exists()


def test_a_function_file_gone_since_the_plan_is_a_clear_error(film):
    from toolkit.errors import RenderError
    from toolkit.film.pylayers import resolve_python_layers
    from toolkit.film.steps import plan_render

    prepared = prepare(film, width=DRAFT_WIDTH)
    film.with_name("fx.py").unlink()
    with pytest.raises(RenderError, match=r"fx.py:half: cannot read .*fx.py: No such file"):
        plan_render(prepared, film.with_name("f.mp4"), draft=True)
    with pytest.raises(RenderError, match=r"fx.py:half: cannot read"):
        resolve_python_layers(prepared, prepared.timeline, allow=True)
