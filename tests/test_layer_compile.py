"""Layers compiled into the filtergraph: golden argv, chunking rules, and renders read back.

The render tests use one small film (216×384, 10 fps) with a layer of each use over two colour
scenes: a full-frame B-roll of footage whose frame n is flat luma 16 + 7·n (so every frame shown
names its source frame), a picture-in-picture with rounded corners and a border that spans a
transition, a fading band, a sliding box and a popping sticker with its own transparency. The
film is rendered whole, chunked two segments at a time, and read back as stills of every frame.

Golden argv live in tests/goldens/compile/layers-*.json; after an intended change:

    REEL_UPDATE_GOLDENS=1 python -m pytest tests/test_layer_compile.py -k golden
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from fractions import Fraction
from pathlib import Path

import av
import media_factory as mf
import numpy as np
import pytest
from PIL import Image

from toolkit.film.compile.graph import compile_frames, compile_render
from toolkit.film.compile.layer_art import LayerArt, picture_rect
from toolkit.film.compile.layers import opens_decoder
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.pieces import chunks, pieces
from toolkit.film.compile.raster import RasterPlan, rasterise
from toolkit.film.plan.timeline import (
    Box,
    ColorSource,
    GradientSource,
    ImageSource,
    Layer,
    LayerMotion,
    Timeline,
    Transition,
    VideoSource,
)
from toolkit.film.run.runner import atomic_output, run_ffmpeg, run_render

GOLDENS = Path(__file__).parent / "goldens" / "compile"
UPDATE = os.environ.get("REEL_UPDATE_GOLDENS") == "1"
OUT = Path("/out/.film.reel-tmp-0000.mp4")
CLIP = Path("/media/walk.mp4")
STICKER = Path("/media/sticker.png")

RED, BLUE, GREEN, WHITE, YELLOW = "#cc3333", "#3344cc", "#22aa44", "#ffffff", "#eedd22"
FPS = 10
STEP = 7  # luma per source frame of the indexed footage
PIP = Box(20, 40, 100, 80)
BAND = Box(0, 300, 216, 60)
SLIDER = Box(40, 150, 80, 40)
STICK = Box(140, 60, 60, 60)


# ------------------------------------------------------------------ golden argv


def _golden_timeline() -> Timeline:
    base = mf.timeline([(VideoSource(CLIP, Fraction(0), "cover", 1920, 1080, True), 40, Transition("cut", 0)),
                        (ColorSource("#222222"), 40, Transition("fade", 6))])
    clip = VideoSource(CLIP, Fraction(1), "cover", 1920, 1080, True, end=Fraction(2), hold="loop")
    layers = (
        Layer("broll", clip, 4, 30, Box(0, 0, 216, 384)),
        Layer("pip", VideoSource(CLIP, Fraction(3), "cover", 1920, 1080, True), 20, 30, PIP, fit="contain",
              radius=12, border=3, border_color="#ffffffff", enter=LayerMotion("slide-left", 5),
              exit=LayerMotion("fade", 5)),
        Layer("sticker", ImageSource(STICKER, "contain", "none", 200, 200), 30, 20, STICK, opacity=0.8,
              radius=8, enter=LayerMotion("pop", 4), exit=LayerMotion("slide-down", 4)),
        Layer("bar", ColorSource("#00ff00"), 0, 70, Box(0, 376, 216, 8), enter=LayerMotion("fade", 6)),
        Layer("card", GradientSource(("#000000", "#ffffff"), "vertical"), 50, 20, SLIDER, opacity=0.5,
              radius=6, enter=LayerMotion("slide-up", 5), exit=LayerMotion("slide-right", 5)),
    )
    return dataclasses.replace(base, layers=layers)


# The raster step's drawings, by hand (compile is pure: it only names them).
_ART = (LayerArt(), LayerArt(mask=Path("/work/layer-mask-pip.png"), ring=Path("/work/layer-ring-pip.png")),
        LayerArt(picture=Path("/work/layer-still-sticker.png")), LayerArt(),
        LayerArt(mask=Path("/work/layer-mask-card.png")))
RASTER = RasterPlan(Path("/work/overlays-0123456789abcdef.ffconcat"), Box(24, 56, 154, 194), (), (), _ART)

CASES = {
    "layers-final": lambda: compile_render(_golden_timeline(), RASTER, output=OUT, encode=EncodeSettings.final(),
                                           gain=None).to_dict(),
    "layers-chunked-draft": lambda: compile_render(_golden_timeline(), RASTER, output=OUT,
                                                   encode=EncodeSettings.draft(), gain=None,
                                                   max_segments=2).to_dict(),
    "layers-stills": lambda: compile_frames(_golden_timeline(), RASTER, frames=[10, 45], output=Path("/o/f_%03d.png"),
                                            max_segments=3),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_layer_argv_matches_golden(case: str) -> None:
    argv = CASES[case]()
    assert argv == CASES[case]()  # deterministic
    path = GOLDENS / f"{case}.json"
    if UPDATE:
        path.write_text(json.dumps({"regenerate": "REEL_UPDATE_GOLDENS=1 python -m pytest "
                                    "tests/test_layer_compile.py -k golden", "argv": argv}, indent=1) + "\n")
    assert path.exists(), f"{path} is missing: run with REEL_UPDATE_GOLDENS=1 to create it"
    assert argv == json.loads(path.read_text())["argv"]


def test_a_layer_without_its_drawings_is_refused() -> None:
    bare = RasterPlan(RASTER.concat, RASTER.box, (), (), (LayerArt(),) * 5)
    with pytest.raises(ValueError, match="rasterise"):
        compile_render(_golden_timeline(), bare, output=OUT, encode=EncodeSettings.draft(), gain=None)
    with pytest.raises(ValueError, match="rasterise"):
        compile_render(_golden_timeline(), RasterPlan(None, Box(0, 0, 0, 0), ()), output=OUT,
                       encode=EncodeSettings.draft(), gain=None)


def test_contain_sits_the_picture_centred_in_its_box() -> None:
    layer = _golden_timeline().layers[1]  # 16:9 footage in a 100×80 box
    assert picture_rect(layer) == Box(20, 52, 100, 56)
    assert picture_rect(dataclasses.replace(layer, fit="cover")) == PIP


# ------------------------------------------------------------------ chunks


@pytest.mark.parametrize("bound", [2, 3, 4])
def test_chunks_count_layers_and_cover_every_frame_once(bound: int) -> None:
    timeline = _golden_timeline()
    groups = chunks(timeline, bound)
    frames = [n for group in groups for piece in group for n in range(piece.start, piece.start + piece.length)]
    assert frames == list(range(timeline.frames))
    for group in groups:
        lo, hi = group[0].start, group[-1].start + group[-1].length
        segments = {part.segment for piece in group for part in piece.parts}
        layers = {i for i, layer in enumerate(timeline.layers)
                  if opens_decoder(layer) and layer.start < hi and layer.end > lo}
        # a chunk over the bound is one piece whose own frames need that much
        assert len(segments) + len(layers) <= bound or len(group) == 1


def test_without_layers_the_chunks_are_unchanged() -> None:
    bare = dataclasses.replace(_golden_timeline(), layers=())
    assert chunks(bare, 4) == [pieces(bare.segments)]
    layered = chunks(_golden_timeline(), 4)
    assert len(layered) > 1  # three decoders at once: the film is cut where they start and end


# ------------------------------------------------------------------ renders


def _flat_video(path: Path, color: str, size: tuple[int, int] = (320, 180)) -> Path:
    mf.ffmpeg("-f", "lavfi", "-i", f"color=c=0x{color[1:]}:s={size[0]}x{size[1]}:r=30:d=4",
              "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path))
    return path


def _indexed_video(path: Path) -> Path:
    """216×384 footage, 10 fps, 30 frames; frame n is flat luma 16 + 7·n."""
    mf.ffmpeg("-f", "lavfi", "-i", f"color=c=black:s=216x384:r={FPS}:d=3,format=yuv420p,"
              f"geq=lum='16+{STEP}*N':cb=128:cr=128", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
              "-pix_fmt", "yuv420p", str(path))
    return path


def _sticker(path: Path) -> Path:
    """60×60 RGBA: transparent, with an opaque yellow square in the middle."""
    image = Image.new("RGBA", (60, 60), (0, 0, 0, 0))
    image.paste((238, 221, 34, 255), (15, 15, 45, 45))
    image.save(path)
    return path


# broll: film frames 5–19 show source frames 10, 11, …, 19, 10, … (trim 1 s–2 s looped)
BROLL = range(5, 20)


@pytest.fixture(scope="module")
def layered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Timeline, RasterPlan, Path]:
    folder = tmp_path_factory.mktemp("layers")
    indexed = _indexed_video(folder / "indexed.mp4")
    green = _flat_video(folder / "green.mp4", GREEN)
    sticker = _sticker(folder / "sticker.png")
    base = mf.timeline([(ColorSource(RED), 40, Transition("cut", 0)), (ColorSource(BLUE), 40, Transition("fade", 6))])
    layers = (
        Layer("broll", VideoSource(indexed, Fraction(1), "cover", 216, 384, False, end=Fraction(2), hold="loop"),
              BROLL.start, len(BROLL), Box(0, 0, 216, 384)),
        Layer("pip", VideoSource(green, Fraction(0), "cover", 320, 180, False), 28, 22, PIP, radius=16, border=4,
              border_color="#ffffffff"),
        Layer("band", ColorSource(WHITE), 44, 20, BAND, enter=LayerMotion("fade", 10)),
        Layer("slider", ColorSource(YELLOW), 50, 20, SLIDER, enter=LayerMotion("slide-left", 6),
              exit=LayerMotion("slide-down", 4)),
        Layer("sticker", ImageSource(sticker, "cover", "none", 60, 60), 60, 12, STICK, enter=LayerMotion("pop", 4)),
    )
    timeline = dataclasses.replace(base, layers=layers)
    return timeline, rasterise(timeline, folder / "work"), folder


def _render(timeline: Timeline, raster: RasterPlan, target: Path, **options) -> list[np.ndarray]:
    with atomic_output(target, force=False, inputs=()) as temp:
        commands = compile_render(timeline, raster, output=temp, encode=EncodeSettings.draft(), gain=None, **options)
        run_render(commands, stage="render", total_frames=timeline.frames)
    with av.open(str(target)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _stills(timeline: Timeline, raster: RasterPlan, frames: list[int], folder: Path,
            max_segments: int = 4) -> list[np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    for argv in compile_frames(timeline, raster, frames=frames, output=folder / "f_%04d.png",
                               max_segments=max_segments):
        run_ffmpeg(argv, stage="frames")
    return [np.asarray(Image.open(folder / f"f_{i:04d}.png").convert("RGB"))
            for i in range(1, len(frames) + 1)]


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _close(pixel: np.ndarray, color: str | np.ndarray, tolerance: float = 16) -> bool:
    want = _rgb(color) if isinstance(color, str) else color
    return bool(np.abs(pixel.astype(float) - want).max() <= tolerance)


def _source_frame(frame: np.ndarray) -> int:
    """Which frame of the indexed footage a film frame shows (its centre's grey)."""
    grey = float(frame[150:230, 60:160].astype(float).mean())
    luma = 16 + grey * 219 / 255
    shown = round((luma - 16) / STEP)
    assert abs(luma - (16 + STEP * shown)) < 2.5, f"grey {grey} is not a frame of the indexed footage"
    return shown


def _expected_source(n: int) -> int:
    return 10 + (n - BROLL.start) % 10


@pytest.fixture(scope="module")
def every_still(layered, tmp_path_factory) -> list[np.ndarray]:
    timeline, raster, _ = layered
    return _stills(timeline, raster, list(range(timeline.frames)), tmp_path_factory.mktemp("stills"))


def test_a_still_in_a_broll_cutaway_shows_the_broll(every_still) -> None:
    assert _close(every_still[BROLL.start - 1][190, 108], RED)
    assert _close(every_still[BROLL.stop][190, 108], RED)
    for n in BROLL:
        assert _source_frame(every_still[n]) == _expected_source(n), n


@pytest.mark.parametrize("chunked", [False, True], ids=["whole", "chunked"])
def test_no_frame_outside_the_trim_shows_through_a_layer(layered, tmp_path: Path, chunked: bool) -> None:
    timeline, raster, _ = layered
    frames = _render(timeline, raster, tmp_path / "film.mp4", **({"max_segments": 2} if chunked else {}))
    assert len(frames) == timeline.frames
    for n in BROLL:
        shown = _source_frame(frames[n])
        assert 10 <= shown < 20, f"frame {n} shows source frame {shown}, outside the layer's trim"
        assert shown == _expected_source(n), n
    assert _close(frames[BROLL.start - 1][190, 108], RED, 24) and _close(frames[BROLL.stop][190, 108], RED, 24)


def test_stills_from_a_chunked_graph_are_identical(layered, every_still, tmp_path: Path) -> None:
    timeline, raster, _ = layered
    assert len(chunks(timeline, 2)) > 3  # layers are reopened in several chunks
    chunked = _stills(timeline, raster, list(range(timeline.frames)), tmp_path, max_segments=2)
    for n, (a, b) in enumerate(zip(every_still, chunked, strict=True)):
        assert hashlib.sha256(a.tobytes()).digest() == hashlib.sha256(b.tobytes()).digest(), f"frame {n}"


def test_picture_in_picture_has_rounded_corners_a_border_and_the_footage(every_still) -> None:
    frame = every_still[30]  # over the red scene
    x0, y0, x1, y1 = PIP.x, PIP.y, PIP.right - 1, PIP.bottom - 1
    for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
        assert _close(frame[y, x], RED, 24), (x, y, frame[y, x])  # corners cut away
    assert _close(frame[y0 + 1, (x0 + x1) // 2], WHITE, 24)  # the border along the top
    assert _close(frame[(y0 + y1) // 2, x0 + 1], WHITE, 24)  # and the left
    assert _close(frame[(y0 + y1) // 2, (x0 + x1) // 2], GREEN, 12)  # the footage inside
    assert _close(frame[y0 - 2, x0 + 30], RED, 12) and _close(frame[y1 + 3, x0 + 30], RED, 12)  # nothing outside
    # the same picture over the transition and the blue scene (frames 34–39 blend red and blue)
    assert _close(every_still[45][(y0 + y1) // 2, (x0 + x1) // 2], GREEN, 12)
    assert _close(every_still[50][(y0 + y1) // 2, (x0 + x1) // 2], BLUE, 12)  # gone at its end


def test_a_fading_layer_is_half_transparent_halfway(every_still) -> None:
    y, x = BAND.y + BAND.h // 2, 108
    assert _close(every_still[43][y, x], BLUE)
    assert _close(every_still[44][y, x], BLUE)  # the fade's first frame is fully transparent
    half = (_rgb(BLUE) + _rgb(WHITE)) / 2
    assert _close(every_still[49][y, x], half, 10), every_still[49][y, x]
    assert _close(every_still[54][y, x], WHITE) and _close(every_still[63][y, x], WHITE)
    assert _close(every_still[64][y, x], BLUE)


def _yellow_columns(frame: np.ndarray, row: int) -> tuple[int, int] | None:
    hits = [x for x in range(frame.shape[1]) if _close(frame[row, x], YELLOW, 30)]
    return (hits[0], hits[-1]) if hits else None


def test_a_sliding_layer_comes_in_from_the_edge_and_ends_at_its_box(every_still) -> None:
    row = SLIDER.y + SLIDER.h // 2
    positions = [_yellow_columns(every_still[n], row) for n in range(50, 57)]
    assert positions[0] is None  # frame 0 of the slide: just off the right edge
    lefts = [p[0] for p in positions[1:]]
    assert lefts == sorted(lefts, reverse=True) and lefts[0] > SLIDER.x + 40  # moving left, from far right
    for n in range(56, 66):  # from the slide's end until the exit
        assert _yellow_columns(every_still[n], row) == (SLIDER.x, SLIDER.right - 1), n
    # leaving downwards: lower each frame, gone after the last one
    assert every_still[66][SLIDER.y + 1, SLIDER.x + 40][2] < 100  # still covering its box top at the exit's start
    assert _close(every_still[70][row, SLIDER.x + 40], BLUE)


def test_a_sticker_keeps_its_transparency_and_pops(every_still) -> None:
    inside = (STICK.y + STICK.h // 2, STICK.x + STICK.w // 2)
    edge = (STICK.y + 5, STICK.x + 5)  # a transparent pixel of the sticker
    popped = every_still[60]
    assert _close(every_still[64][inside], YELLOW, 20) and _close(every_still[64][edge], BLUE, 12)
    # at the pop's first frame the square is 40 % of its size around the centre
    assert _close(popped[inside], YELLOW, 20)
    assert _close(popped[STICK.y + 16, STICK.x + 16], BLUE, 12)
    assert _close(every_still[72][inside], BLUE)


def test_an_odd_sized_box_is_drawn_on_even_pixels(layered, tmp_path: Path) -> None:
    # 4:2:0 footage cropped to 81 rows comes out 80: the mask and the place must agree with it
    layer = Layer("odd", VideoSource(Path("/media/x.mp4"), Fraction(0), "cover", 320, 180, False), 0, 5,
                  Box(21, 41, 101, 81), radius=9, border=3)
    assert picture_rect(layer) == Box(20, 40, 100, 80)
    timeline, _, folder = layered
    layer = dataclasses.replace(layer, source=dataclasses.replace(layer.source, path=folder / "green.mp4"))
    odd = dataclasses.replace(timeline, layers=(dataclasses.replace(layer, start=30),))
    [frame] = _stills(odd, rasterise(odd, tmp_path / "work"), [32], tmp_path)
    assert _close(frame[80, 70], GREEN, 12) and _close(frame[41, 70], WHITE, 24) and _close(frame[40, 20], RED, 24)


def test_stills_open_only_the_layers_up_to_the_last_wanted_frame() -> None:
    [early] = compile_frames(_golden_timeline(), RASTER, frames=[10], output=Path("/o/f_%03d.png"))
    opened = {arg for arg in early if arg.startswith("/")}
    assert "/work/layer-still-sticker.png" not in opened and "/work/layer-ring-pip.png" not in opened
    [later] = compile_frames(_golden_timeline(), RASTER, frames=[10, 35], output=Path("/o/f_%03d.png"))
    assert {"/work/layer-still-sticker.png", "/work/layer-ring-pip.png"} <= set(later)
