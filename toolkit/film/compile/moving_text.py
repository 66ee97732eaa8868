"""Captions and texts that come in with a motion (`enter: fade | pop | slide-up`), done by ffmpeg.

The rasteriser draws such an overlay as a picture of its own (not into the image sequence of the
still text), and the compiler lays it over the picture like a still-image layer
(`layers.layer_stream`): `fade` is the `fade` filter on its alpha plane, `pop` a per-frame
`scale` from 40 % (ease-out) kept centred on its place, and `slide-up` a rise of half its height
into place (ease-out) while it fades in. Nothing is computed per frame in Python; each text moves
once, when it comes in, so nothing blinks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from toolkit.atomic import replacing
from toolkit.film.compile.layer_art import LayerArt
from toolkit.film.compile.layers import layer_stream
from toolkit.film.compile.nodes import Graph, Stream, rate
from toolkit.film.plan.timeline import Canvas, ImageSource, Layer, LayerMotion, Overlay
from toolkit.geometry import Box


@dataclass(frozen=True, slots=True)
class MovingText:
    """One overlay's picture (`box` on the canvas, on even pixels), shown for frames [start, start + length)
    and coming in with `enter` (its frames at most the overlay's length)."""

    path: Path
    box: Box
    start: int
    length: int
    enter: LayerMotion


def write_moving(workdir: Path, image: Image.Image, x: int, y: int, overlay: Overlay, version: str) -> MovingText:
    """Save an overlay's drawn picture (cropped, top-left at x, y) on even pixels, named by its content."""
    x0, y0 = x - x % 2, y - y % 2
    w, h = image.width + x - x0, image.height + y - y0
    picture = Image.new("RGBA", (w + w % 2, h + h % 2), (0, 0, 0, 0))
    picture.paste(image, (x - x0, y - y0))
    key = hashlib.sha256(f"reel-moving-text {version} {picture.size}".encode() + picture.tobytes())
    path = workdir / f"text-{key.hexdigest()[:20]}.png"
    if not path.exists():
        with replacing(path) as tmp:
            picture.save(tmp, "PNG", compress_level=1)
    enter = LayerMotion(overlay.enter.kind, max(1, min(overlay.enter.frames, overlay.length)))
    return MovingText(path, Box(x0, y0, picture.width, picture.height), overlay.start, overlay.length, enter)


def overlay_moving(picture: Stream, moving: Sequence[MovingText], canvas: Canvas, graph: Graph, lo: int,
                   hi: int) -> Stream:
    """`picture` (its timestamps are film frames) with every moving text that shows in frames [lo, hi)."""
    k_film = f"round(t*{rate(canvas.fps)})"
    for n, text in enumerate(moving):
        first, last = max(text.start, lo), min(text.start + text.length, hi)
        if first >= last:
            continue
        kind, frames = text.enter.kind, text.enter.frames
        # slide-up fades in as it rises: the layer's fade draws that part
        motion = LayerMotion("fade" if kind == "slide-up" else kind, frames)
        box = text.box
        layer = Layer(f"moving-text-{n}", ImageSource(text.path, "cover", "none", box.w, box.h), text.start,
                      text.length, box, enter=motion)
        stream = layer_stream(layer, LayerArt(picture=text.path), canvas, graph, first - text.start, last - first)
        if text.start:
            stream = stream.filter("setpts", f"PTS+{text.start}")
        k = f"({k_film}-{text.start})"  # the text's own frame number
        x: str | int = box.x
        y: str | int = box.y
        if kind == "pop":  # kept centred while it grows
            x, y = f"{box.x}+({box.w}-overlay_w)/2", f"{box.y}+({box.h}-overlay_h)/2"
        elif kind == "slide-up":
            y = f"if(lt({k},{frames}),{box.y}+{max(2, box.h // 2)}*pow(1-{k}/{frames},3),{box.y})"
        picture = graph.filter([picture, stream], "overlay", x=x, y=y, format="yuv420", eof_action="pass")
    return picture
