"""Joining pieces into one picture stream, and laying the rasterised text over it.

The picture is the `concat` of its pieces (`pieces.py`): a body piece is a part of one segment; a
transition piece blends the last frames of one segment with the first frames of the next in an
`xfade` that starts at offset 0 and lasts the whole piece. Each segment used by a group of pieces
is built once, from the first frame the group needs, and split between the pieces that use it;
`trim` cuts each piece's frames out of its copy. Frames reach the copies in film order, so no copy
ever queues more than a transition's worth of frames.
"""

from __future__ import annotations

from collections.abc import Sequence

from toolkit.film.compile.nodes import Graph, Stream, rate, seconds, timebase
from toolkit.film.compile.pieces import Part, Piece, needed
from toolkit.film.compile.video import build_segment
from toolkit.film.plan.timeline import Canvas, Segment, TransitionKind

# Transition kind → xfade transition name. A cut is not here: it is a `concat`.
XFADES: dict[TransitionKind, str] = {
    "fade": "fade",
    "dip-to-black": "fadeblack",
    "slide-left": "slideleft",
    "slide-up": "slideup",
}


def join_pieces(group: Sequence[Piece], segments: Sequence[Segment], canvas: Canvas, graph: Graph) -> Stream:
    """One stream of `group`'s frames (consecutive pieces of the film), starting at pts 0."""
    if not group:
        raise ValueError("join_pieces needs at least one piece")
    spans = needed(group)
    uses: dict[int, int] = {}
    for piece in group:
        for part in piece.parts:
            uses[part.segment] = uses.get(part.segment, 0) + 1
    copies: dict[int, list[Stream]] = {}
    for index, (first, count) in spans.items():
        stream = build_segment(segments[index], canvas, graph, first, count)
        copies[index] = [stream] if uses[index] == 1 else graph.split(stream, uses[index])
    built = [_piece(piece, copies, spans, canvas, graph) for piece in group]
    if len(built) == 1:
        return built[0]
    joined = graph.filter(built, "concat", n=len(built), v=1, a=0)
    # concat's output time base is 1/1000000; later filters and the encoder expect one frame.
    return joined.filter("settb", timebase(canvas.fps))


def _piece(piece: Piece, copies: dict[int, list[Stream]], spans: dict[int, tuple[int, int]], canvas: Canvas,
           graph: Graph) -> Stream:
    sides = [_part(part, copies[part.segment].pop(0), spans[part.segment]) for part in piece.parts]
    if piece.transition is None:
        return sides[0]
    try:
        name = XFADES[piece.transition]
    except KeyError:
        raise ValueError(f"unknown transition {piece.transition!r}") from None
    mixed = graph.filter(sides, "xfade", transition=name, duration=seconds(canvas.seconds(piece.length)), offset=0)
    return mixed.filter("settb", timebase(canvas.fps))


def _part(part: Part, stream: Stream, span: tuple[int, int]) -> Stream:
    """`part`'s frames out of a copy of its segment that begins at the span's first frame."""
    first, count = span
    skip = part.first - first
    if skip == 0 and part.count == count:
        return stream
    if skip == 0:
        return stream.filter("trim", end_frame=part.count)
    return stream.filter("trim", start_frame=skip, end_frame=skip + part.count).filter("setpts", "PTS-STARTPTS")


def overlay_text(picture: Stream, concat_file: str | None, x: int, y: int, canvas: Canvas,
                 graph: Graph, *, frames: int | None = None) -> Stream:
    """Lay the rasteriser's image sequence over the picture at (x, y).

    The images arrive as one ffconcat input; `overlay` keeps showing the latest image until the
    next one starts (framesync's default), so the whole film's text costs one input and one filter.
    `frames` says the picture is a stretch of the film, that many frames long, whose text goes
    on after it: past the picture's end `overlay` keeps emitting its last frame under the next
    images (the next scene's text starts half a frame early, so with the same timestamp as
    that last frame), and `fps` would keep the later one; only the first `frames` are kept.
    """
    if concat_file is None:
        return picture
    text = graph.input(concat_file, format="concat")["v"]
    # RGBA → yuva420p with the BT.709 matrix explicitly (the auto-inserted conversion would use BT.601).
    text = (text.filter("scale", out_color_matrix="bt709", out_range="tv").filter("format", "yuva420p"))
    shown = graph.filter([picture, text], "overlay", x=x, y=y, format="yuv420", eof_action="repeat")
    if frames is not None:
        # no `fps` after this cut: at the cut's end it would drop the last frame (a still needs
        # frames, not a rate)
        return shown.filter("trim", end_frame=frames)
    return shown.filter("fps", fps=rate(canvas.fps))
