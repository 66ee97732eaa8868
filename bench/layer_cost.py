"""What one layer costs per frame at 1080×1920: the picture graph alone, with and without it.

    python bench/layer_cost.py [--workdir DIR] [--seconds 10] [--repeats 3]

Each case is a 1080×1920 colour scene with one layer over it for the whole run, compiled as the
render compiles it (`join_pieces` + `composite_layers`, masks drawn by `rasterise`) and run to
`-f null` (no encoder), so the difference from the bare scene is what the layer adds to the
filtergraph. The bench media (`film.make_media`) supply the footage and stickers. Prints ms per
frame (median of the repeats) and writes `bench/out/layer_cost.json`. The machine is shared: read
the numbers as sizes, not as a timed test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import film  # noqa: E402

from toolkit.film.compile.graph import RenderCommands  # noqa: E402
from toolkit.film.compile.joins import join_pieces  # noqa: E402
from toolkit.film.compile.layer_art import draw_layer_art  # noqa: E402
from toolkit.film.compile.layers import composite_layers  # noqa: E402
from toolkit.film.compile.nodes import Graph  # noqa: E402
from toolkit.film.compile.output import global_options  # noqa: E402
from toolkit.film.compile.pieces import chunks  # noqa: E402
from toolkit.film.plan.timeline import (  # noqa: E402
    Box,
    Canvas,
    ColorSource,
    ImageSource,
    Layer,
    LayerMotion,
    Overlay,
    Segment,
    TextBlock,
    Timeline,
    Transition,
    VideoSource,
)
from toolkit.film.run.runner import run_render  # noqa: E402

FPS = Fraction(30)
FULL = Box(0, 0, 1080, 1920)
PIP = Box(700, 1160, 300, 533)
STICKER = Box(660, 330, 300, 300)


def cases(media: Path, frames: int) -> dict[str, tuple[Layer, ...]]:
    disc = media / "sticker-disc.png"
    landscape = VideoSource(media / "landscape-c.mp4", Fraction(1), "cover", 1920, 1080, False)
    portrait = VideoSource(media / "portrait-b.mp4", Fraction(0), "cover", 1080, 1920, False)
    fade = LayerMotion("fade", 9)
    return {
        "none": (),
        "B-roll: 1080p landscape footage, full frame, cover": (Layer("b", landscape, 0, frames, FULL),),
        "B-roll: 1080x1920 portrait footage, full frame": (Layer("b", portrait, 0, frames, FULL),),
        "B-roll, full frame, rounded corners + fade in/out": (
            Layer("b", landscape, 0, frames, FULL, radius=40, enter=fade, exit=fade),),
        "picture-in-picture 300x533, rounded, bordered, slide in": (
            Layer("p", portrait, 0, frames, PIP, radius=28, border=6, enter=LayerMotion("slide-left", 12)),),
        "sticker 300x300 PNG with alpha, pop in, fade out": (
            Layer("s", ImageSource(disc, "contain", "none", 480, 480), 0, frames, STICKER,
                  enter=LayerMotion("pop", 8), exit=fade),),
        "full-frame photo (3000x2000 JPEG), cover": (
            Layer("f", ImageSource(media / "photo-landscape.jpg", "cover", "none", 3000, 2000), 0, frames, FULL),),
        "colour band 1080x120, fade in": (
            Layer("c", ColorSource("#1d3557"), 0, frames, Box(0, 1700, 1080, 120), enter=fade),),
    }


def timeline(frames: int, layers: tuple[Layer, ...]) -> Timeline:
    canvas = Canvas(1080, 1920, FPS, Box(120, 288, 768, 960))
    scene = Segment(0, "scene", "scene", 0, frames, ColorSource("#264653"), Transition("cut", 0))
    card = Segment(1, "end_card", "card", frames, 1, ColorSource("#000000"), Transition("cut", 0))
    text = Overlay("card", "end_card", frames, 1, (TextBlock((), Path("x"), 1, None, 0, 0, Box(0, 0, 1, 1)),))
    return Timeline(canvas, (scene, card), (text,), (), None, "layer cost", min_end_card_frames=1,  # type: ignore[arg-type]
                    layers=layers)


def command(tl: Timeline, work: Path, frames: int) -> tuple[str, ...]:
    """The scene's frames with the layers, to -f null (what a producer does, without the pipe)."""
    art = draw_layer_art(tl.layers, work)
    graph = Graph()
    group = chunks(tl, 8)[0]
    picture = join_pieces(group, tl.segments, tl.canvas, graph)
    picture = composite_layers(picture, tl, art, 0, frames, graph)
    body = graph.argv([picture], "-")
    return (*global_options(loglevel="warning", progress=False), *body[:-1], "-f", "null", "-frames:v",
            str(frames), body[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "reel-bench")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    film.make_media(args.workdir, lengths=())
    media = args.workdir / "media"
    film.make_stickers(media)
    frames = round(args.seconds * FPS)
    results: dict[str, float] = {}
    for name, layers in cases(media, frames).items():
        argv = command(timeline(frames, layers), args.workdir / "layer-art", frames)
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            run_render(RenderCommands((), argv), stage="layer cost")
            times.append(time.perf_counter() - started)
        results[name] = statistics.median(times) * 1000 / frames
        extra = results[name] - results.get("none", results[name])
        print(f"{name:<58} {results[name]:6.2f} ms/frame  (+{extra:.2f})", flush=True)
    out = HERE / "out" / "layer_cost.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"frames": frames, "ms_per_frame": results}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
