"""Layers (`Timeline.layers`) composited over the joined picture, under the text.

Each layer visible in a stretch of the film becomes one stream the size of its picture
(`layer_art.picture_rect`: the box, or the contained rectangle for `contain`), timed so that its
frame k sits on film frame `start + k`, and is laid over the picture with one `overlay` whose
`eof_action=pass` lets the picture through before and after it: the layer shows on exactly the
frames [start, end). Layers are drawn in `Timeline.layers` order, then the text goes over all.

How each layer is made:

* footage, colours, gradients and `blur-fill` pictures: `video.build_segment` at the picture's
  size, so footage is decoded exactly as a segment is (opened at its first needed frame, never a
  frame outside its trim, hold/loop, speed, reverse and focus as `video.py` does them);
* footage with transparency (`VideoSource.alpha`: a python layer's rendered file, an animated
  GIF): `layer_alpha.alpha_footage`, kept in yuva420p; corners and opacity multiply its alpha;
* still images fitted `cover`/`contain`: one RGBA frame drawn by `layer_art` (own alpha, corners,
  border and opacity baked in), repeated;
* corners and opacity: `alphamerge` of a grey mask drawn once; the border: `overlay` of an RGBA
  ring drawn once (`layer_art`);
* `fade`: the `fade` filter on the alpha plane (it touches frames only while fading);
* `slide-*`: the overlay's x/y expressions, from just off the canvas edge to the box (or from the
  box off the edge) at a constant speed, as the `slide-*` transitions move (and as a progress bar,
  one long slide, must);
* `pop`: a per-frame `scale` from 40 % to full size (ease-out) during the pop frames, kept
  centred on the box by the overlay's expressions.

A stretch that begins inside a layer (a chunk, `pieces.py`) opens the layer from its own frame
there, and every expression is written in the layer's own frame numbers, so a chunked render
shows the same pixels as one graph.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from fractions import Fraction

from toolkit.film.compile.layer_alpha import alpha_footage
from toolkit.film.compile.layer_art import LayerArt, bakes_picture, picture_rect
from toolkit.film.compile.nodes import Graph, Stream, rate, seconds, timebase
from toolkit.film.compile.video import build_segment
from toolkit.film.plan.timeline import (
    Canvas,
    ColorSource,
    GradientSource,
    ImageSource,
    Layer,
    Segment,
    Timeline,
    Transition,
    VideoSource,
)
from toolkit.geometry import Box

# A popping layer starts at this fraction of its size and grows to full size (ease-out cubic).
POP_FROM = Fraction(2, 5)

_TO_BT709 = {"out_color_matrix": "bt709", "out_range": "tv"}


def opens_decoder(layer: Layer) -> bool:
    """True when the layer holds a decoder of its source for as long as its filtergraph lives:
    footage, or a picture decoded at its own size (`blur-fill`). `pieces.chunks` counts these.

    A still fitted cover/contain is read from `layer_art`'s drawing at the picture's size (at
    most one 1080×1920 RGBA frame, 8 MB, for a full-frame one; 0.4 MB for a 300×300 sticker);
    colours and gradients are generated small and scaled once; masks and rings are one small
    frame each. None of those grows like a footage decoder (4–50 MB at 1080×1920).
    """
    return isinstance(layer.source, VideoSource) or (isinstance(layer.source, ImageSource) and not bakes_picture(layer))


def composite_layers(picture: Stream, timeline: Timeline, art: Sequence[LayerArt], first: int, frames: int,
                     graph: Graph) -> Stream:
    """`picture` (film frames `first`…`first + frames - 1`, pts 0 at `first`) with every layer
    that shows in those frames drawn over it, in order.

    `art` is the raster step's `RasterPlan.layers` (one entry per layer); a layer that needs a
    mask, ring or still picture and has none raises ValueError (rasterise the Timeline first).
    """
    if not timeline.layers:
        return picture
    if len(art) != len(timeline.layers):
        raise ValueError(f"the raster plan has drawings for {len(art)} layers, the timeline has "
                         f"{len(timeline.layers)}: rasterise this timeline first")
    for layer, drawn in zip(timeline.layers, art, strict=True):
        lo, hi = max(layer.start, first), min(layer.end, first + frames)
        if lo >= hi:
            continue
        stream = layer_stream(layer, drawn, timeline.canvas, graph, lo - layer.start, hi - lo)
        # the layer's frame k goes on the picture's frame start + k - first
        shift = layer.start - first
        if shift:
            stream = stream.filter("setpts", f"PTS{shift:+d}")
        x, y = _position(layer, timeline.canvas, first - layer.start)
        picture = graph.filter([picture, stream], "overlay", x=x, y=y, format="yuv420", eof_action="pass")
    return picture


def layer_stream(layer: Layer, art: LayerArt, canvas: Canvas, graph: Graph, first: int, count: int) -> Stream:
    """Frames `first`…`first + count - 1` of the layer's picture, with their alpha, pts = layer frame."""
    if first < 0 or count < 1 or first + count > layer.length:
        raise ValueError(f"layer {layer.id!r}: frames {first}+{count} outside its {layer.length}")
    rect = picture_rect(layer)
    tb = timebase(canvas.fps)
    if bakes_picture(layer):
        if art.picture is None:
            raise ValueError(f"layer {layer.id!r}: its picture was not drawn: rasterise the timeline first")
        stream = (graph.input(art.picture, threads=1)["v"].filter("trim", end_frame=1)
                  .filter("scale", **_TO_BT709).filter("format", "yuva420p"))
        stream = stream.filter("loop", loop=count - 1, size=1).filter("settb", tb)
        stream = stream.filter("setpts", f"N+{first}" if first else "N")
        alpha = True
    else:
        own = isinstance(layer.source, VideoSource) and layer.source.alpha  # footage with transparency
        if own:
            assert isinstance(layer.source, VideoSource)
            stream = alpha_footage(layer.source, rect, canvas, graph, first, count)
        else:
            stream = build_segment(_as_segment(layer, rect, canvas), _box_canvas(rect, canvas), graph, first, count)
            if first:
                stream = stream.filter("setpts", f"PTS+{first}")
        if ((layer.radius > 0 or layer.opacity < 1) and art.mask is None) or (layer.border > 0 and art.ring is None):
            raise ValueError(f"layer {layer.id!r}: its corners or border were not drawn: rasterise the timeline first")
        if art.ring is not None:
            ring = graph.input(art.ring, threads=1)["v"].filter("scale", **_TO_BT709).filter("format", "yuva420p")
            stream = graph.filter([stream, ring], "overlay", x=0, y=0, format="yuv420")
        alpha = own or art.mask is not None
        if art.mask is not None:
            mask = graph.input(art.mask, threads=1)["v"].filter("format", "gray")
            if own:
                # the picture's own alpha times the corners and opacity (alphamerge alone would replace it)
                kept, plane = graph.split(stream, 2)
                mask = graph.filter([plane.filter("alphaextract"), mask], "blend", all_mode="multiply")
                stream = kept
            stream = graph.filter([stream, mask], "alphamerge")
    fps = canvas.fps
    if "fade" in (layer.enter.kind, layer.exit.kind) and not alpha:
        stream = stream.filter("format", "yuva420p")
    if layer.enter.kind == "fade" and layer.enter.frames > 0:
        stream = stream.filter("fade", t="in", st=0, d=seconds(Fraction(layer.enter.frames) / fps), alpha=1)
    if layer.exit.kind == "fade" and layer.exit.frames > 0:
        stream = stream.filter("fade", t="out", st=seconds(Fraction(layer.length - layer.exit.frames) / fps),
                               d=seconds(Fraction(layer.exit.frames) / fps), alpha=1)
    # the stream's timestamps are the layer's frame numbers here
    scale = _pop_scale(layer, _frame(fps))
    if scale is not None:
        w = f"if(lt({scale},1),max(2,2*trunc({rect.w}*{scale}/2)),{rect.w})"
        h = f"if(lt({scale},1),max(2,2*trunc({rect.h}*{scale}/2)),{rect.h})"
        stream = stream.filter("scale", w=w, h=h, eval="frame")
    return stream


def _box_canvas(rect: Box, canvas: Canvas) -> Canvas:
    """A canvas the size of the layer's picture: `video.py` fits sources to whatever canvas it is given."""
    return Canvas(rect.w, rect.h, canvas.fps, Box(0, 0, rect.w, rect.h), canvas.scale)


def _as_segment(layer: Layer, rect: Box, canvas: Canvas) -> Segment:
    """The layer as a segment for `video.build_segment` (the layer's `fit` wins over its source's)."""
    source = layer.source
    if isinstance(source, VideoSource | ImageSource):
        # contain: `rect` already has the source's shape, so cover fills it without letterboxing
        source = dataclasses.replace(source, fit="cover" if layer.fit == "contain" else layer.fit)
        if isinstance(source, ImageSource):
            source = dataclasses.replace(source, move="none")
    elif not isinstance(source, ColorSource | GradientSource):
        raise ValueError(f"layer {layer.id!r}: unsupported source {type(source).__name__}")
    return Segment(0, "scene", f"layer {layer.id}", layer.start, layer.length, source, Transition("cut", 0),
                   layer.loc)


# ------------------------------------------------------------------ motion


def _num(value: Fraction | float | int) -> str:
    return f"{float(value):.9g}"


def _frame(fps: Fraction, offset: int = 0) -> str:
    """The layer's frame number in a filter expression, from the frame's time `t`.

    Not `n`: in `overlay` and `scale` it has already counted the frame being drawn (1 for the first).
    """
    return f"round(t*{rate(fps)})" if offset == 0 else f"(round(t*{rate(fps)}){offset:+d})"


def _ramps(layer: Layer, kind: str, k: str) -> tuple[str | None, str | None]:
    """Progress expressions: entering (1 at frame 0 → 0 at `enter.frames`) and leaving (0 → 1)."""
    enter = exit_ = None
    if layer.enter.kind == kind and layer.enter.frames > 0:
        enter = f"(1-{k}/{layer.enter.frames})"
    if layer.exit.kind == kind and layer.exit.frames > 0:
        exit_ = f"(({k}-{layer.length - layer.exit.frames})/{layer.exit.frames})"
    return enter, exit_


def _piecewise(layer: Layer, k: str, enter: str | None, exit_: str | None, rest: str) -> str:
    text = rest
    if exit_ is not None:
        text = f"if(gte({k},{layer.length - layer.exit.frames}),{exit_},{text})"
    if enter is not None:
        text = f"if(lt({k},{layer.enter.frames}),{enter},{text})"
    return text


def _pop_scale(layer: Layer, k: str) -> str | None:
    """The pop's size factor in the layer's frame `k`, or None when the layer does not pop."""
    enter, exit_ = _ramps(layer, "pop", k)
    if enter is None and exit_ is None:
        return None
    shrink = _num(1 - POP_FROM)
    return _piecewise(layer, k, enter and f"(1-{shrink}*pow({enter},3))", exit_ and f"(1-{shrink}*pow({exit_},3))",
                      "1")


_SLIDES: dict[str, tuple[str, int]] = {"slide-left": ("x", -1), "slide-right": ("x", 1),
                                       "slide-up": ("y", -1), "slide-down": ("y", 1)}


def _position(layer: Layer, canvas: Canvas, offset: int) -> tuple[str | int, str | int]:
    """The overlay's x and y: the picture's place, moved by slides and kept centred by pops."""
    rect = picture_rect(layer)
    k = _frame(canvas.fps, offset)
    places: dict[str, str | int] = {"x": rect.x, "y": rect.y}
    for axis in ("x", "y"):
        here, size, span = (rect.x, rect.w, canvas.width) if axis == "x" else (rect.y, rect.h, canvas.height)
        # where a slide along this axis starts (entering) or ends (leaving): just off the canvas
        ahead, behind = span - here, -size - here  # distances to the far and the near edge
        enter = exit_ = None
        if _SLIDES.get(layer.enter.kind, ("", 0))[0] == axis and layer.enter.frames > 0:
            sign = _SLIDES[layer.enter.kind][1]
            start = behind if sign > 0 else ahead  # moving right comes in from the left
            enter = f"{here}+{start}*(1-{k}/{layer.enter.frames})"
        if _SLIDES.get(layer.exit.kind, ("", 0))[0] == axis and layer.exit.frames > 0:
            sign = _SLIDES[layer.exit.kind][1]
            end = ahead if sign > 0 else behind  # moving right leaves by the right
            tail = layer.length - layer.exit.frames
            exit_ = f"{here}+{end}*({k}-{tail})/{layer.exit.frames}"
        place: str | int = here
        if enter is not None or exit_ is not None:
            place = _piecewise(layer, k, enter, exit_, str(here))
        if _pop_scale(layer, k) is not None:
            place = f"{place}+({size}-overlay_{'w' if axis == 'x' else 'h'})/2"
        places[axis] = place
    return places["x"], places["y"]

