"""Per-segment video: each segment becomes exactly `length` canvas-sized BT.709 yuv420p frames.

Every source kind has a builder (`SOURCES`), every fit mode has one (`FITS`), and every Ken Burns
move has one (`MOVES`). All of them end in the same shape: canvas width × height, square pixels,
`yuv420p` with a BT.709 matrix in limited range, a time base of one frame and exactly the
frames asked for, starting at 0 — which is what `concat` and `xfade` require of their inputs.

Stills (images, colours, gradients) are decoded, fitted and colour-converted once and then
repeated with the `loop` filter, so a 5-second slate costs one conversion, not 150.

Footage never shows a frame from outside its trim (`VideoSource.start`–`end`), in a whole render,
a chunk, a still or a draft (whose proxies keep the source's timing): the decode itself stops at
`end`, and a segment longer than its trim repeats the last trimmed frame (`hold: last-frame`,
`tpad` clone) or plays the trimmed frames again (`hold: loop`, the `loop` filter).

Memory: ffmpeg opens and primes every input when a filtergraph starts and keeps each input's
decoder and frame pools until the graph ends, so what one segment holds is paid for its whole
chunk (see `pieces.py`). Hence colours and gradients are generated small and scaled up once (a full-size
lavfi source queued 14–28 MB of raw frames per segment), and footage and pictures are decoded
with one thread (frame threads each hold frames: ≈ 10 MB more per 1080p input, measured, and
decoding is never the bottleneck of a render).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import TypeVar

from toolkit.film.compile.moves import MOVES
from toolkit.film.compile.nodes import Graph, Stream, hex_color, lavfi, rate, timebase
from toolkit.film.plan.timeline import (
    LOOP_MEMORY_BYTES,
    Canvas,
    ColorSource,
    Fit,
    GradientSource,
    ImageSource,
    Segment,
    Source,
    VideoSource,
    loop_plan,
)

# Extra source frames decoded past the segment's end, so that rounding of `-t` or a late last
# frame never leaves the segment short (any shortfall is padded by repeating the last frame).
_DECODE_MARGIN_FRAMES = 3

# Blur-fill background: blur at 1/8 of the canvas size (cheap), then scale up; the blur radius
# below is in those small pixels (≈ 32 px at full size), and luma is dimmed to 60 %.
_BLUR_DIVISOR = 8
_BLUR_SIGMA = 4
_BLUR_DIM = "16+(val-16)*0.6"

# Flat colours are generated at this size and scaled up (identical pixels, a fraction of the memory);
# gradients at this fraction of the canvas (a linear ramp scales up to the same ramp).
_COLOR_SIZE = "16x16"
_GRADIENT_DIVISOR = 4

# Footage at another speed opens this much earlier than its first frame (see `_sped`): longer
# than the gap between two frames of any real footage.
_LEAD_SECONDS = Fraction(1, 2)

# Decoder threads per input (see the module docstring).
_DECODE_THREADS = 1

# The most frames the in-graph `reverse` filter may hold: LOOP_MEMORY_BYTES of 1080×1920 yuv420p
# (43). Longer reversed trims must be played from `toolkit.film.reversing`'s intermediate.
IN_GRAPH_REVERSE_FRAMES = LOOP_MEMORY_BYTES // (1080 * 1920 * 3 // 2)

_S = TypeVar("_S")

_TO_BT709 = {"out_color_matrix": "bt709", "out_range": "tv"}

Builder = Callable[[Segment, Canvas, Graph, int, int], Stream]
FitBuilder = Callable[[Stream, Canvas, Graph], Stream]


def build_segment(segment: Segment, canvas: Canvas, graph: Graph, first: int = 0, count: int | None = None) -> Stream:
    """Frames `first`…`first + count - 1` of one segment (all of it by default), starting at pts 0.

    A part of a segment looks exactly like the same frames of the whole: footage is opened from
    the matching source time, and Ken Burns moves continue from the matching position.
    """
    count = segment.length - first if count is None else count
    if first < 0 or count < 1 or first + count > segment.length:
        raise ValueError(f"segment {segment.index}: frames {first}+{count} outside its {segment.length}")
    try:
        builder = SOURCES[type(segment.source)]
    except KeyError:
        raise ValueError(f"segment {segment.index}: unsupported source {type(segment.source).__name__}") from None
    return builder(segment, canvas, graph, first, count)


# ------------------------------------------------------------------ sources


def _video(segment: Segment, canvas: Canvas, graph: Graph, first: int, count: int) -> Stream:
    return build_footage(_expect(segment.source, VideoSource), canvas, graph, first, count)


def build_footage(src: VideoSource, canvas: Canvas, graph: Graph, first: int = 0, count: int = 1) -> Stream:
    """Frames `first`…`first + count - 1` of footage `src`, fitted (`src.fit`, `src.focus`) to
    `canvas.width` × `canvas.height` at `canvas.fps`: yuv420p, square pixels, pts 0, 1, 2, ….

    Never a frame from outside the trim. Frame k shows the source at `start + k·speed/fps` while
    that is inside the trim (reversed: trimmed frame `trim - 1 - k`); past it, `hold: last-frame`
    repeats the last trimmed frame and `hold: loop` shows trimmed frame k mod (trim length). A
    part that starts late (a chunk split, a still) opens the footage at its own first needed
    frame, so it looks exactly like the same frames of the whole. A layer passes a canvas of its
    box's size (`dataclasses.replace(canvas, width=w, height=h)`).
    """
    if src.speed != 1 or src.reverse:
        return _retimed(src, canvas, graph, first, count)
    trim = src.trim_frames(canvas.fps)
    if trim is not None and src.hold == "loop":
        offset = first % trim
        if offset + count > trim and loop_plan(trim, offset, count) == "filter":
            return _looped(src, canvas, graph, offset, count, trim)
        if offset + count > trim:
            # Each play of the trim is its own short decode (the first from `offset`, the last up
            # to where the part ends): nothing is held in memory.
            plays, left, at = [], count, offset
            while left:
                take = min(left, trim - at)
                plays.append(_decoded(src, canvas, graph, at, take))
                left, at = left - take, 0
            stream = graph.filter(plays, "concat", n=len(plays), v=1, a=0)
            # concat spaces its inputs by their frames' durations, which a one-frame part may lack
            stream = stream.filter("settb", timebase(canvas.fps)).filter("setpts", "N")
            return _finish(_fit(src, stream, canvas, graph), canvas)
        first = offset
    if trim is not None and first >= trim:
        # Only the held last frame is needed: decode the trim's last half second (long enough to
        # hold a frame of any real footage, whatever its rate) and keep its last frame.
        window = min(trim, max(_DECODE_MARGIN_FRAMES, -(-canvas.fps // 2)))
        stream = _decoded(src, canvas, graph, trim - window, window)
        stream = stream.filter("trim", start_frame=window - 1).filter("setpts", "PTS-STARTPTS")
        stream = stream.filter("tpad", stop_mode="clone", stop=-1).filter("trim", end_frame=count)
    else:
        stream = _decoded(src, canvas, graph, first, count)
    return _finish(_fit(src, stream, canvas, graph), canvas)


def _decoded(src: VideoSource, canvas: Canvas, graph: Graph, first: int, count: int) -> Stream:
    """Exactly `count` canvas-rate frames from trimmed frame `first`, fitted later; none past `end`.

    A source that ends early (the trim's end, or the footage's) repeats its last frame. Decoded as
    footage at any speed is (`_sped`): opened a little before `first` with timestamps kept relative
    to the opening point, so a part opened mid-way (a chunk, a still, a draft piece) shows the same
    source frame in every slot as the whole. (Shifting the first decoded frame to 0 put variable-
    frame-rate phone footage opened mid-way a source frame early or late.)
    """
    return _sped(src, canvas, graph, first, count)


def _looped(src: VideoSource, canvas: Canvas, graph: Graph, offset: int, count: int, trim: int) -> Stream:
    """`count` frames of the trim played round and round, from trimmed frame `offset`.

    The trim is decoded once and fitted; the `loop` filter keeps its `trim` canvas-sized frames
    to play them again (memory: `trim` × width × height × 1.5 bytes, e.g. 2 s at 540×960 is
    47 MB), so it is used only for trims within `LOOP_MEMORY_BYTES` at 1080×1920
    (`toolkit.film.plan.timeline.loop_plan`); longer trims are decoded once per play.
    """
    stream = _owned(src, _fit(src, _decoded(src, canvas, graph, 0, trim), canvas, graph)).filter("format", "yuv420p")
    loops = -(-(offset + count) // trim) - 1
    stream = stream.filter("loop", loop=loops, size=trim)
    stream = stream.filter("trim", start_frame=offset, end_frame=offset + count)
    stream = stream.filter("settb", timebase(canvas.fps)).filter("setpts", "N")
    return _finish(stream, canvas)


def _retimed(src: VideoSource, canvas: Canvas, graph: Graph, first: int, count: int) -> Stream:
    """`build_footage` for footage played at another speed or backwards (same holds, same bounds)."""
    trim = src.trim_frames(canvas.fps)
    if src.reverse and trim is None:
        raise ValueError(f"{src.path.name}: reversed footage needs the trim's end")
    if trim is not None and src.hold == "loop":
        offset = first % trim
        if offset + count > trim:
            if loop_plan(trim, offset, count) == "filter":
                stream = _owned(src, _clip(src, canvas, graph, 0, trim))
                stream = stream.filter("loop", loop=-(-(offset + count) // trim) - 1, size=trim)
                stream = stream.filter("trim", start_frame=offset, end_frame=offset + count)
            else:
                plays, left, at = [], count, offset
                while left:
                    take = min(left, trim - at)
                    plays.append(_clip(src, canvas, graph, at, take))
                    left, at = left - take, 0
                stream = graph.filter(plays, "concat", n=len(plays), v=1, a=0)
            return _finish(stream.filter("settb", timebase(canvas.fps)).filter("setpts", "N"), canvas)
        first = offset
    if trim is not None and first >= trim:
        # only the held last frame is needed
        stream = _clip(src, canvas, graph, trim - 1, 1)
    else:
        stream = _clip(src, canvas, graph, first, count if trim is None else min(count, trim - first))
    stream = stream.filter("tpad", stop_mode="clone", stop=-1).filter("trim", end_frame=count)
    return _finish(stream, canvas)


def _clip(src: VideoSource, canvas: Canvas, graph: Graph, first: int, count: int) -> Stream:
    """Exactly `count` fitted frames of the retimed trim from its frame `first` (reversed when asked).

    Reversed frame k is forward frame `trim - 1 - k`, so the part is forward frames
    `trim - first - count`… decoded, fitted and then reversed: the `reverse` filter holds `count`
    canvas-sized frames. Renders, stills and sheets never come here: they play reversed footage
    from a file made before the render (`toolkit.film.reversing`); a Timeline compiled without
    that may reverse in the graph only trims within `IN_GRAPH_REVERSE_FRAMES`.
    """
    if not src.reverse:
        return _fit(src, _sped(src, canvas, graph, first, count), canvas, graph)
    trim = src.trim_frames(canvas.fps)
    assert trim is not None
    if trim > IN_GRAPH_REVERSE_FRAMES:
        raise ValueError(f"{src.path.name}: a reversed trim of {trim} frames would hold them all in memory; "
                         f"reverse it first with toolkit.film.reversing (in the graph: at most "
                         f"{IN_GRAPH_REVERSE_FRAMES} frames)")
    stream = _owned(src, _fit(src, _sped(src, canvas, graph, trim - first - count, count), canvas, graph))
    stream = stream.filter("format", "yuv420p").filter("reverse")
    return stream.filter("settb", timebase(canvas.fps)).filter("setpts", "N")


def _sped(src: VideoSource, canvas: Canvas, graph: Graph, first: int, count: int) -> Stream:
    """Exactly `count` canvas-rate frames of the trim at `src.speed`, from its frame `first`: frame
    k shows the last source frame at or before `start + (first + k)·speed/fps`; none past `end`.

    The decode opens up to `_LEAD_SECONDS` of source earlier (never before `start`): the input's
    `-ss` drops the frame that covers the opening instant, and the lead makes the first frame
    kept the same one a whole render shows there. Timestamps stay relative to the opening point,
    so the `fps` filter puts every source frame in the same slot as in the whole render.
    """
    fps, speed = canvas.fps, src.speed
    lead = min(first, -(-(_LEAD_SECONDS * fps / speed) // 1))
    start = src.start + (first - lead) * speed / fps
    stop = src.start + (first + count + _DECODE_MARGIN_FRAMES) * speed / fps
    if src.end is not None:
        stop = min(stop, src.end)
    ss, until = _microseconds(start), _microseconds(stop)
    stream = graph.input(src.path, ss=_us(ss), t=_us(max(until - ss, 1)), threads=_DECODE_THREADS)["v"]
    if speed != 1:
        stream = stream.filter("setpts", f"PTS*{speed.denominator}/{speed.numerator}")
    # start_time=0: the first slot is filled even when the first kept frame falls after it
    stream = stream.filter("fps", fps=rate(fps), start_time=0, eof_action="pass")
    stream = stream.filter("tpad", stop_mode="clone", stop=-1)
    return stream.filter("trim", start_frame=lead, end_frame=lead + count).filter("setpts", "PTS-STARTPTS")


def _owned(src: VideoSource, stream: Stream) -> Stream:
    """Fitted frames that hold only their own canvas-sized pixels, for filters that keep many.

    A cover crop is a window into the scaled frame: a 16:9 picture covering 1080×1920 keeps its
    3413×1920 scaled buffer alive. `copy` gives each frame a buffer of its own size: a 43-frame
    loop or reverse of 1920×1080 footage at 1080×1920 peaked at 474 MB without it, 206 MB with
    it (ffmpeg's peak RSS; the same frames played once: 94 MB).
    """
    return stream.filter("copy") if src.fit == "cover" else stream


def _microseconds(value: Fraction) -> int:
    return int(value * 1_000_000 // 1)


def _us(value: int) -> str:
    """Microseconds as ffmpeg's decimal seconds (`1.5`, `0.033333`)."""
    whole, frac = divmod(value, 1_000_000)
    return f"{whole}.{frac:06d}".rstrip("0").rstrip(".")


def _image(segment: Segment, canvas: Canvas, graph: Graph, first: int, count: int) -> Stream:
    src = _expect(segment.source, ImageSource)
    # One decoded frame (an animated image contributes its first frame only).
    still = graph.input(src.path, threads=_DECODE_THREADS)["v"].filter("trim", end_frame=1)
    frames = _loop(FITS[src.fit](still, canvas, graph), count, canvas)
    return _finish(MOVES[src.move](frames, segment.length, first, count, canvas), canvas)


def _color(segment: Segment, canvas: Canvas, graph: Graph, first: int, count: int) -> Stream:
    src = _expect(segment.source, ColorSource)
    still = graph.source(lavfi("color", c=hex_color(src.color), s=_COLOR_SIZE, r=rate(canvas.fps)))
    return _finish(_loop(_rgb_still(still, canvas), count, canvas), canvas)


def _gradient(segment: Segment, canvas: Canvas, graph: Graph, first: int, count: int) -> Stream:
    src = _expect(segment.source, GradientSource)
    small_w = max(2, -(-canvas.width // _GRADIENT_DIVISOR))
    small_h = max(2, -(-canvas.height // _GRADIENT_DIVISOR))
    w, h = small_w - 1, small_h - 1
    ends = {"vertical": (w // 2, 0, w // 2, h), "horizontal": (0, h // 2, w, h // 2),
            "diagonal": (0, 0, w, h)}[src.direction]
    x0, y0, x1, y1 = ends
    # speed=0 keeps the gradient still; explicit points and seed keep it deterministic (the
    # filter picks random points for any it is not given).
    still = graph.source(lavfi("gradients", s=f"{small_w}x{small_h}", r=rate(canvas.fps),
                               c0=hex_color(src.colors[0]), c1=hex_color(src.colors[1]), nb_colors=2,
                               x0=x0, y0=y0, x1=x1, y1=y1, speed=0, seed=0))
    return _finish(_loop(_rgb_still(still, canvas), count, canvas), canvas)


SOURCES: dict[type[Source], Builder] = {
    VideoSource: _video,
    ImageSource: _image,
    ColorSource: _color,
    GradientSource: _gradient,
}


# ------------------------------------------------------------------ fits


def _cover(stream: Stream, canvas: Canvas, graph: Graph, focus: Fraction = Fraction(1, 2)) -> Stream:
    """Fill the canvas, cropping what overflows: at `focus` across the overflow (0 keeps the
    left or top edge, 1/2 the centre, 1 the right or bottom edge).

    The crop comes first, in the source's pixels, and only the kept window is scaled: landscape
    footage covering a portrait frame keeps under a third of its width, so scaling the whole
    frame first (then cropping) did three times the scaling work (4.2 → 1.9 ms a frame for
    1920×1080 into 1080×1920, measured).
    """
    w, h = canvas.width, canvas.height
    at = f"{float(focus):.9g}"
    stream = stream.filter("crop", f"min(iw,ih*{w}/{h})", f"min(ih,iw*{h}/{w})", f"(iw-ow)*{at}", f"(ih-oh)*{at}")
    return stream.filter("scale", w, h, **_TO_BT709)


def _contained(stream: Stream, canvas: Canvas) -> Stream:
    # force_divisible_by=2: x264 needs even sizes, and odd phone/export sizes do occur.
    return stream.filter("scale", canvas.width, canvas.height, force_original_aspect_ratio="decrease",
                         force_divisible_by=2, **_TO_BT709)


def _contain(stream: Stream, canvas: Canvas, graph: Graph) -> Stream:
    """Show the whole picture, letterboxed in black."""
    stream = _contained(stream, canvas).filter("format", "yuv420p")
    return stream.filter("pad", canvas.width, canvas.height, "(ow-iw)/2", "(oh-ih)/2", color="black")


def _blur_fill(stream: Stream, canvas: Canvas, graph: Graph) -> Stream:
    """The whole picture over a blurred, dimmed, cover-scaled copy of itself."""
    back, front = graph.split(stream, 2)
    small_w = max(2, round(canvas.width / _BLUR_DIVISOR / 2) * 2)
    small_h = max(2, round(canvas.height / _BLUR_DIVISOR / 2) * 2)
    back = (back.filter("scale", small_w, small_h, force_original_aspect_ratio="increase", **_TO_BT709)
            .filter("crop", small_w, small_h)
            .filter("format", "yuv420p")
            .filter("gblur", sigma=_BLUR_SIGMA)
            .filter("lutyuv", y=_BLUR_DIM)
            .filter("scale", canvas.width, canvas.height, flags="bilinear"))
    front = _contained(front, canvas).filter("format", "yuv420p")
    return graph.filter([back, front], "overlay", x="(W-w)/2", y="(H-h)/2")


FITS: dict[Fit, FitBuilder] = {
    "cover": _cover,
    "contain": _contain,
    "blur-fill": _blur_fill,
}


def _fit(src: VideoSource, stream: Stream, canvas: Canvas, graph: Graph) -> Stream:
    """Footage fitted by its `fit`, a cover crop placed at its `focus`."""
    if src.fit == "cover":
        return _cover(stream, canvas, graph, src.focus)
    if src.fit == "blur-fill" and fills_canvas(src.width, src.height, canvas):
        # 9:16 phone footage in a 9:16 frame: the whole picture already fills it, so the blurred
        # backdrop would be drawn only to be covered (4.7 ms a frame at 1080×1920). `contain`'s pad
        # is a no-op then, and keeps the frame canvas-sized if the file's pixels are not square.
        return _contain(stream, canvas, graph)
    return FITS[src.fit](stream, canvas, graph)


def fills_canvas(width: int, height: int, canvas: Canvas) -> bool:
    """Whether a `width`×`height` picture scaled to fit inside `canvas` (as `_contained` does,
    with ffmpeg's rounding and even sizes) covers all of it."""
    if width <= 0 or height <= 0:
        return False
    w, h = canvas.width, canvas.height
    # ffmpeg's av_rescale rounds half up; force_divisible_by=2 then rounds down to even
    fit_w = min(w, (h * width * 2 + height) // (2 * height)) // 2 * 2
    fit_h = min(h, (w * height * 2 + width) // (2 * width)) // 2 * 2
    return (fit_w, fit_h) == (w, h)


# ------------------------------------------------------------------ helpers


def _rgb_still(stream: Stream, canvas: Canvas) -> Stream:
    # lavfi colour sources are RGB; converting through rgb24 with an explicit BT.709 matrix avoids
    # the BT.601 default that a direct YUV negotiation would use. The same scale brings the small
    # source up to the canvas (bilinear: a flat colour stays flat, a ramp stays a ramp).
    return (stream.filter("trim", end_frame=1).filter("format", "rgb24")
            .filter("scale", canvas.width, canvas.height, flags="bilinear", **_TO_BT709)
            .filter("format", "yuv420p"))


def _loop(stream: Stream, length: int, canvas: Canvas) -> Stream:
    """Repeat a one-frame stream `length` times with exact frame timestamps."""
    stream = stream.filter("loop", loop=length - 1, size=1)
    return stream.filter("settb", timebase(canvas.fps)).filter("setpts", "N")


def _finish(stream: Stream, canvas: Canvas) -> Stream:
    # `fps` stamps the link's frame rate, which xfade and the encoder read (an image input
    # otherwise reports image2's 25 fps); the timestamps are already exact, so it drops nothing.
    return (stream.filter("format", "yuv420p").filter("setsar", 1)
            .filter("fps", fps=rate(canvas.fps)))


def _expect(source: Source, kind: type[_S]) -> _S:
    if not isinstance(source, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(source).__name__}")
    return source
