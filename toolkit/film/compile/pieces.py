"""The film's picture as pieces (runs of output frames) and chunks (runs of pieces).

A **piece** is made of one segment's frames (a *body*), or of the overlapping frames of two
segments blended by their transition. Every output frame belongs to exactly one piece, so the
picture is the `concat` of its pieces and only the overlaps go through `xfade`. (Chaining whole
streams through `xfade` handed every frame of the film through every transition filter before
it: 2–3× the cost of `concat` for the same frames; the 60 s bench film's filter time fell by 43 %
at 1080×1920 without it.)

A **chunk** is a run of pieces that together touch at most `max_segments` segments. Each chunk is
rendered by its own filtergraph, one after another, so ffmpeg never holds more than that many
inputs open: an input's decoder and frame pools cost 4–50 MB at 1080×1920 for as long as the
graph lives, which made one graph's memory grow with the film's length (0.6 GB for 15 s, 2 GB for
180 s). A segment whose pieces fall in two chunks is opened in both, each time from its own
first needed frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from toolkit.film.compile.layers import opens_decoder
from toolkit.film.plan.timeline import Segment, Timeline, TransitionKind

# At most this many segments open in one filtergraph (see the module docstring). Four keeps a
# blur-fill, a Ken Burns picture and a transition's both sides in one graph while bounding
# memory; every extra chunk costs one ffmpeg start and one seek (≈ 0.1–0.3 s).
CHUNK_SEGMENTS = 4


@dataclass(frozen=True, slots=True)
class Part:
    """`count` frames of segment `segment` (its index in the Timeline), from its frame `first`."""

    segment: int
    first: int
    count: int


@dataclass(frozen=True, slots=True)
class Piece:
    """Output frames `start`…`start + length - 1`: one part, or two blended by `transition`."""

    start: int
    parts: tuple[Part, ...]
    transition: TransitionKind | None = None

    @property
    def length(self) -> int:
        return self.parts[0].count

    @property
    def segments(self) -> frozenset[int]:
        return frozenset(p.segment for p in self.parts)


def overlap(segment: Segment) -> int:
    """Frames this segment shares with the one before it (0 for a cut)."""
    t = segment.transition_in
    return 0 if t.kind == "cut" or t.frames <= 0 else t.frames


def pieces(segments: Sequence[Segment]) -> list[Piece]:
    """Every output frame of the film in exactly one piece, in order."""
    out: list[Piece] = []
    for i, seg in enumerate(segments):
        head = overlap(seg)
        tail = overlap(segments[i + 1]) if i + 1 < len(segments) else 0
        if head + tail > seg.length:
            raise ValueError(f"segment {seg.index}: transitions of {head} and {tail} frames overlap "
                             f"inside its {seg.length} frames")
        if head:
            before = segments[i - 1]
            out.append(Piece(seg.start, (Part(i - 1, before.length - head, head), Part(i, 0, head)),
                             seg.transition_in.kind))
        if seg.length - head - tail > 0:
            out.append(Piece(seg.start + head, (Part(i, head, seg.length - head - tail),)))
    return out


def chunks(timeline: Timeline, max_segments: int = CHUNK_SEGMENTS) -> list[list[Piece]]:
    """The film's pieces grouped so that no group touches more than `max_segments` segments.

    Layers count too (`Timeline.layers`): each layer showing in a group's frames that holds a
    decoder of its source (footage, or a `blur-fill` picture: `layers.opens_decoder`) is one
    more input held open; stills drawn at their box's size, colours and gradients do not count.
    A body piece is cut where such a layer starts or ends, so a chunk can end inside a segment
    and the next one reopens the segment (and the layers still showing) from their own frames.
    A piece whose own frames need more inputs than the bound (a transition under three footage
    layers with the default 4) gets a chunk to itself: the planner is expected to keep segments
    plus footage layers showing at once within the bound.
    """
    if max_segments < 2:
        raise ValueError("a chunk must hold at least the two sides of a transition")
    spans = [(i, layer.start, layer.end) for i, layer in enumerate(timeline.layers) if opens_decoder(layer)]
    groups: list[list[Piece]] = []
    touched: set[int | tuple[str, int]] = set()
    for whole in pieces(timeline.segments):
        for piece in _cut_at(whole, spans):
            end = piece.start + piece.length
            uses: set[int | tuple[str, int]] = {*piece.segments,
                                                *(("layer", i) for i, a, b in spans if a < end and b > piece.start)}
            if groups and len(touched | uses) <= max_segments:
                previous = groups[-1][-1]
                groups[-1][-1:] = _rejoined(previous, piece)
                touched |= uses
            else:
                groups.append([piece])
                touched = uses
    return groups


def _cut_at(piece: Piece, spans: Sequence[tuple[int, int, int]]) -> list[Piece]:
    """A body piece cut at the layer edges inside it (a transition piece stays whole)."""
    if piece.transition is not None or not spans:
        return [piece]
    end = piece.start + piece.length
    return split_body(piece, sorted({e for _, a, b in spans for e in (a, b) if piece.start < e < end}))


def split_body(piece: Piece, edges: Sequence[int]) -> list[Piece]:
    """A one-part body piece cut at `edges` (film frames inside it, in order) into consecutive pieces
    of the same segment."""
    part = piece.parts[0]
    out, at = [], piece.start
    for edge in [*edges, piece.start + piece.length]:
        out.append(Piece(at, (Part(part.segment, part.first + at - piece.start, edge - at),)))
        at = edge
    return out


def _rejoined(previous: Piece, piece: Piece) -> list[Piece]:
    """The two pieces as one when they are consecutive frames of one segment's body, else both."""
    if previous.transition is None and piece.transition is None and previous.parts[0].segment == \
            piece.parts[0].segment and previous.parts[0].first + previous.length == piece.parts[0].first:
        first = previous.parts[0]
        return [Piece(previous.start, (Part(first.segment, first.first, first.count + piece.length),))]
    return [previous, piece]


def needed(group: Sequence[Piece]) -> dict[int, tuple[int, int]]:
    """For each segment a group uses: the first frame it needs and how many frames from there."""
    spans: dict[int, tuple[int, int]] = {}
    for piece in group:
        for part in piece.parts:
            lo, hi = part.first, part.first + part.count
            if part.segment in spans:
                first, count = spans[part.segment]
                lo, hi = min(lo, first), max(hi, first + count)
            spans[part.segment] = (lo, hi - lo)
    return spans
