"""Custom Python layers: a MoviePy function rendered once to a lossless intermediate with alpha,
cached by content, with clear errors for every way the user's code can go wrong."""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from toolkit.errors import RenderError
from toolkit.film.run.pylayers import PythonLayerJob, intermediate_path, render_python_layer

pytest.importorskip("moviepy", reason="the python-layer extra: pip install 'reel[moviepy]'")

EFFECTS = '''\
from pathlib import Path

import numpy as np
from moviepy import ColorClip, VideoClip


def bar(width, height, duration, fps):
    """A white bar growing from the left, on a transparent frame; counts its calls in calls.txt."""
    calls = Path(__file__).with_name("calls.txt")
    calls.write_text(str(int(calls.read_text()) + 1 if calls.exists() else 1))

    def frame(t):
        return np.full((height, width, 3), 255, np.uint8)

    def mask(t):
        m = np.zeros((height, width))
        m[:, : int(round(width * t / duration))] = 1.0
        return m

    clip = VideoClip(frame, duration=duration)
    return clip.with_mask(VideoClip(mask, is_mask=True, duration=duration))


def wrong_size(width, height, duration, fps):
    return ColorClip((width + 2, height), color=(0, 0, 0), duration=duration)


def broken(width, height, duration, fps):
    return 1 / 0


def not_a_clip(width, height, duration, fps):
    return "a clip"
'''


@pytest.fixture()
def effects(tmp_path: Path) -> Path:
    source = tmp_path / "effects.py"
    source.write_text(EFFECTS, encoding="utf-8")
    return source


def job(source: Path, func: str = "bar", frames: int = 10) -> PythonLayerJob:
    return PythonLayerJob(source, func, 64, 32, frames, Fraction(10))


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgba") for f in container.decode(video=0)]


def test_the_layer_renders_once_with_its_alpha(effects: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    out = render_python_layer(job(effects), cache)
    frames = decoded(out)
    assert len(frames) == 10 and frames[0].shape == (32, 64, 4)
    assert (frames[5][..., :3] == 255).all()  # lossless colour
    assert (frames[5][:, :32, 3] == 255).all() and (frames[5][:, 32:, 3] == 0).all()  # the mask, halfway
    assert (frames[0][..., 3] == 0).all()
    again = render_python_layer(job(effects), cache)
    assert again == out and (effects.parent / "calls.txt").read_text() == "1"  # cached: not called again
    assert [p.name for p in cache.iterdir()] == [out.name]  # no partial files left


def test_an_edit_to_the_function_file_renders_it_again(effects: Path, tmp_path: Path) -> None:
    first = intermediate_path(job(effects), tmp_path)
    effects.write_text(EFFECTS.replace("255, np.uint8", "200, np.uint8"), encoding="utf-8")
    assert intermediate_path(job(effects), tmp_path) != first
    assert intermediate_path(job(effects, frames=11), tmp_path) != intermediate_path(job(effects), tmp_path)


@pytest.mark.parametrize("func, said", [
    ("wrong_size", "effects.py:wrong_size returned a 66×32 clip; the layer is 64×32"),
    ("broken", "effects.py:broken raised ZeroDivisionError: division by zero"),
    ("not_a_clip", "effects.py:not_a_clip returned str, not a MoviePy clip"),
    ("missing", "effects.py has no function `missing`; it defines bar, broken, not_a_clip, wrong_size"),
])
def test_the_users_mistakes_are_named(effects: Path, tmp_path: Path, func: str, said: str) -> None:
    with pytest.raises(RenderError) as caught:
        render_python_layer(job(effects, func), tmp_path / "cache")
    assert said in str(caught.value)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_the_traceback_shows_the_users_line(effects: Path, tmp_path: Path) -> None:
    with pytest.raises(RenderError) as caught:
        render_python_layer(job(effects, "broken"), tmp_path)
    assert "return 1 / 0" in str(caught.value) and "moviepy" not in str(caught.value).lower().split("raised")[1]


def test_without_moviepy_the_layer_is_a_clear_error(effects: Path, tmp_path: Path, monkeypatch) -> None:
    import toolkit.film.run.pylayers as pylayers

    monkeypatch.setattr(pylayers, "moviepy_version", lambda: None)
    with pytest.raises(RenderError) as caught:
        render_python_layer(job(effects), tmp_path)
    assert "effects.py:bar is a python layer, which needs MoviePy: pip install 'reel[moviepy]'" in str(caught.value)


def test_a_file_that_fails_to_import_is_named(tmp_path: Path) -> None:
    source = tmp_path / "bad.py"
    source.write_text("import no_such_module_here\n", encoding="utf-8")
    with pytest.raises(RenderError) as caught:
        render_python_layer(job(source), tmp_path / "cache")
    assert "bad.py:bar: loading bad.py raised ModuleNotFoundError" in str(caught.value)
    assert str(tmp_path) not in sys.path


def test_zero_and_absurd_frame_counts_are_refused(effects: Path, tmp_path: Path) -> None:
    for frames in (0, 10**9):
        with pytest.raises(RenderError, match="a python layer needs 1 to"):
            render_python_layer(job(effects, frames=frames), tmp_path)
