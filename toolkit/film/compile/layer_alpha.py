"""Footage layers that carry transparency (`VideoSource.alpha`): composited with their own alpha.

Two kinds of footage have it:

* a python layer's intermediate (`toolkit.film.pylayers`): exactly the layer's frames at the
  canvas rate and the box's size, so layer frame k is the file's frame k. A part of the layer (a
  chunk, a still) opens the file half a frame before its first frame, so the first frame decoded
  is exactly that one (each FFV1 frame is a key frame; Matroska's millisecond timestamps are far
  inside half a frame), and takes `count` frames from there;
* an animated GIF (`hold: loop`): decoded whole at its own size, resampled to the canvas rate,
  played round and round (the `loop` filter holds its pictures at the GIF's own size, the bound
  `spec.layer_media` checks; or, when `loop_plan` says so, one decode per play), then fitted to
  the layer's picture rectangle.

The pictures become `yuva420p` with the BT.709 matrix in limited range, as drawn RGBA pictures
do, and keep their alpha for the layer's overlay.
"""

from __future__ import annotations

from fractions import Fraction

from toolkit.film.compile.nodes import Graph, Stream, rate, seconds, timebase
from toolkit.film.plan.timeline import Canvas, VideoSource, loop_plan
from toolkit.geometry import Box

_TO_BT709 = {"out_color_matrix": "bt709", "out_range": "tv"}


def alpha_footage(src: VideoSource, rect: Box, canvas: Canvas, graph: Graph, first: int, count: int) -> Stream:
    """Frames `first`…`first + count - 1` of `src` fitted to `rect`, yuva420p, pts = the layer's frame."""
    if src.hold == "loop":
        stream = _looped(src, rect, canvas, graph, first, count)
    else:
        opened = src.start + (Fraction(2 * first - 1, 2) / canvas.fps if first else 0)
        options = {"ss": seconds(opened)} if opened else {}
        stream = graph.input(src.path, threads=1, **options)["v"]
        # a file a frame short repeats its last frame rather than ending the layer early
        stream = stream.filter("tpad", stop_mode="clone", stop=-1).filter("trim", end_frame=count)
    stream = _fitted(stream, rect, src.focus)
    return stream.filter("settb", timebase(canvas.fps)).filter("setpts", f"N+{first}" if first else "N")


def _looped(src: VideoSource, rect: Box, canvas: Canvas, graph: Graph, first: int, count: int) -> Stream:
    trim = src.trim_frames(canvas.fps) or 1
    offset = first % trim
    if offset + count <= trim:
        return _play(src, canvas, graph, trim).filter("trim", start_frame=offset, end_frame=offset + count)
    # judged as the planner judged it (`plan.layer_footage.fits`): at the larger of the two sizes
    w, h = max((src.width, src.height), (rect.w, rect.h), key=lambda s: s[0] * s[1])
    if loop_plan(trim, offset, count, w, h) == "filter":
        stream = _play(src, canvas, graph, trim).filter("copy")
        stream = stream.filter("loop", loop=-(-(offset + count) // trim) - 1, size=trim)
        stream = stream.filter("trim", start_frame=offset, end_frame=offset + count)
        return stream.filter("setpts", "N")
    plays, left, at = [], count, offset
    while left:
        take = min(left, trim - at)
        plays.append(_play(src, canvas, graph, trim).filter("trim", start_frame=at, end_frame=at + take)
                     .filter("setpts", "PTS-STARTPTS"))
        left, at = left - take, 0
    stream = graph.filter(plays, "concat", n=len(plays), v=1, a=0)
    return stream.filter("settb", timebase(canvas.fps)).filter("setpts", "N")


def _play(src: VideoSource, canvas: Canvas, graph: Graph, trim: int) -> Stream:
    """One play of the looped footage: exactly `trim` canvas-rate frames at its own size."""
    stream = graph.input(src.path, threads=1)["v"].filter("setpts", "PTS-STARTPTS")
    stream = stream.filter("fps", fps=rate(canvas.fps), eof_action="pass")
    return stream.filter("tpad", stop_mode="clone", stop=-1).filter("trim", end_frame=trim)


def _fitted(stream: Stream, rect: Box, focus: Fraction) -> Stream:
    """Cover `rect` (a `contain` layer's rectangle already has the picture's shape), to yuva420p."""
    stream = stream.filter("scale", rect.w, rect.h, force_original_aspect_ratio="increase", **_TO_BT709)
    at = f"{float(focus):.9g}"
    crop = () if focus == Fraction(1, 2) else (f"(iw-ow)*{at}", f"(ih-oh)*{at}")
    return stream.filter("crop", rect.w, rect.h, *crop).filter("format", "yuva420p")
