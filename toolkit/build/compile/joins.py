"""Joining segments into one picture stream, and laying the rasterised text over it.

Runs of cuts become one `concat`; every other transition is an `xfade` whose offset and duration
come from the Timeline's integer frames (segment i's overlap starts at its `start` frame, which on
a stream that begins at frame 0 is also the offset in seconds × fps).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from toolkit.build.compile.nodes import Graph, Stream, rate, seconds, timebase
from toolkit.build.plan.timeline import Canvas, Segment, Transition, TransitionKind

# Transition kind → xfade transition name. A cut is not here: it is a `concat`.
XFADES: dict[TransitionKind, str] = {
    "fade": "fade",
    "dip-to-black": "fadeblack",
    "slide-left": "slideleft",
    "slide-up": "slideup",
}

Join = Callable[[Stream, Stream, Segment, Canvas, Graph], Stream]


def join_segments(segments: Sequence[Segment], streams: Sequence[Stream], canvas: Canvas,
                  graph: Graph) -> Stream:
    """One stream of the whole film from per-segment streams, in Timeline order."""
    if len(segments) != len(streams) or not segments:
        raise ValueError("join_segments needs one stream per segment")
    # Group consecutive cuts so that n cut segments become one concat with n inputs.
    groups: list[list[int]] = [[0]]
    for i, seg in enumerate(segments[1:], start=1):
        if _is_cut(seg.transition_in):
            groups[-1].append(i)
        else:
            groups.append([i])
    joined: Stream | None = None
    for group in groups:
        block = _concat([streams[i] for i in group], canvas, graph)
        if joined is None:
            joined = block
            continue
        first = segments[group[0]]
        joined = _xfade(joined, block, first, canvas, graph)
    assert joined is not None
    return joined


def _is_cut(transition: Transition) -> bool:
    return transition.kind == "cut" or transition.frames <= 0


def _concat(streams: list[Stream], canvas: Canvas, graph: Graph) -> Stream:
    if len(streams) == 1:
        return streams[0]
    joined = graph.filter(streams, "concat", n=len(streams), v=1, a=0)
    # concat's output time base is 1/1000000, and xfade refuses inputs whose time bases differ.
    return joined.filter("settb", timebase(canvas.fps))


def _xfade(before: Stream, after: Stream, segment: Segment, canvas: Canvas, graph: Graph) -> Stream:
    try:
        name = XFADES[segment.transition_in.kind]
    except KeyError:
        raise ValueError(f"segment {segment.index}: unknown transition {segment.transition_in.kind!r}") from None
    duration = canvas.seconds(segment.transition_in.frames)
    offset = canvas.seconds(segment.start)
    joined = graph.filter([before, after], "xfade", transition=name, duration=seconds(duration),
                          offset=seconds(offset))
    return joined.filter("settb", timebase(canvas.fps))


def overlay_text(picture: Stream, concat_file: str | None, x: int, y: int, canvas: Canvas,
                 graph: Graph) -> Stream:
    """Lay the rasteriser's image sequence over the picture at (x, y).

    The images arrive as one ffconcat input; `overlay` keeps showing the latest image until the
    next one starts (framesync's default), so the whole film's text costs one input and one filter.
    """
    if concat_file is None:
        return picture
    text = graph.input(concat_file, format="concat")["v"]
    # RGBA → yuva420p with the BT.709 matrix explicitly (the auto-inserted conversion would use BT.601).
    text = (text.filter("scale", out_color_matrix="bt709", out_range="tv").filter("format", "yuva420p"))
    shown = graph.filter([picture, text], "overlay", x=x, y=y, format="yuv420", eof_action="repeat")
    return shown.filter("fps", fps=rate(canvas.fps))
