"""Layers: a storyboard's `layers:` (on scenes and on the film) placed on the output timeline.

Times become frames on the output timeline, boxes become output pixels (`canvas.scale` times
the reference 1080×1920 pixels written in the storyboard), and each layer gets its source:
footage (trimmed like a scene's: nothing outside `from`–`to` is ever shown), a still picture,
an animated GIF (footage that loops), a colour or a gradient. Footage sound that is not muted
becomes an `AudioCue`. Pure: the media were probed during validation (`spec.layer_media`).

Scene layers are drawn first, in scene order, then the film's layers over them; all of them lie
under every caption, slate, logo and the end card (the compiler draws overlays last).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from toolkit.film.plan import anonymise, shape
from toolkit.film.plan import layer_footage as footage
from toolkit.film.plan.audio import disguised, nothing_to_disguise
from toolkit.film.plan.inputs import LocIssue, PlanInputs
from toolkit.film.plan.timeline import (
    AudioCue,
    ColorSource,
    GradientSource,
    ImageSource,
    Layer,
    LayerMotion,
    LayerSource,
    Overlay,
    PythonSource,
    Segment,
    TextBlock,
    VideoSource,
)
from toolkit.film.spec.layer_media import has_alpha, is_animated
from toolkit.film.spec.layer_parts import (
    PROGRESS_HEIGHT,
    MotionSpec,
    Point,
    Size,
)
from toolkit.film.spec.layers import (
    AssetLayer,
    ColorLayer,
    GradientLayer,
    ImageLayer,
    LayerBase,
    ProgressLayer,
    PythonLayer,
    VideoLayer,
)
from toolkit.geometry import REFERENCE_HEIGHT, REFERENCE_SAFE, REFERENCE_WIDTH, Box, describe_safe_zone

if TYPE_CHECKING:
    from toolkit.film.plan.entry import Entry

FRAME = Box(0, 0, REFERENCE_WIDTH, REFERENCE_HEIGHT)
Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class _Window:
    """Where a list of layers lives: output frames from `start`; `default_end` and `limit` are
    frames from `start` (the default end, and the latest end allowed)."""

    start: int
    length: int
    default_end: int
    limit: int
    card: int  # the end card's first frame, on the output timeline
    film: bool


def build(inp: PlanInputs, entries: Sequence[Entry], segments: Sequence[Segment],
          issues: list[LocIssue]) -> tuple[list[Layer], list[AudioCue]]:
    """Every layer of the film, in drawing order, and the sound of those that keep theirs."""
    card = segments[-1].start
    out: list[Layer] = []
    cues: list[AudioCue] = []
    for i, (entry, seg) in enumerate(zip(entries, segments, strict=True)):
        if entry.scene is None or not entry.scene.layers:
            continue
        handover = segments[i + 1].transition_in.frames if i + 1 < len(segments) else 0
        # by default a scene's layer leaves when the next scene starts to show, so a transition is seen
        window = _Window(seg.start, seg.length, max(1, seg.length - handover), min(seg.length, card - seg.start),
                         card, film=False)
        for j, spec in enumerate(entry.scene.layers):
            _place(inp, spec, window, (*entry.loc, "layers", j), out, cues, issues)
    film = _Window(0, card, card, card, card, film=True)
    for j, spec in enumerate(inp.storyboard.layers):
        _place(inp, spec, film, ("layers", j), out, cues, issues)
    return out, cues


# What a text overlay is called in a message.
_TEXT_NAMES = {"caption": "caption", "slate": "slate", "title": "title", "end_card": "end card", "text": "text"}


def check_under_text(layers: Sequence[Layer], overlays: Sequence[Overlay], issues: list[LocIssue]) -> None:
    """A layer may not lie under words whose contrast was judged against a plain background.

    Text with a backing box keeps its contrast over any picture (the box is judged over black and
    white), but a slate's words, and captions without a box on a colour scene, were judged against
    that colour: a layer under them would change what the words are read against. Such a layer is
    an error at the layer, naming the text and when they meet.
    """
    for layer in layers:
        for ov in overlays:
            if ov.kind not in _TEXT_NAMES or ov.end <= layer.start or layer.end <= ov.start:
                continue
            bare = [b for b in ov.blocks if isinstance(b, TextBlock) and b.backing is None
                    and b.bounds.intersects(layer.box)]
            if not bare:
                continue
            words = " ".join(line.text for line in bare[0].lines)
            shown = words if len(words) <= 40 else words[:37] + "…"
            issues.append(LocIssue(layer.loc, f"the layer lies under the words of a {_TEXT_NAMES[ov.kind]} (“{shown}”, "
                                              f"frames {max(ov.start, layer.start)}–{min(ov.end, layer.end)}), whose "
                                              "contrast was checked against a plain background with no box behind "
                                              "them: move the layer off the words or to another time, or give the "
                                              "template's text a `box` colour", code="layer-under-text"))
            break


def _place(inp: PlanInputs, spec: LayerBase, window: _Window, loc: Loc, out: list[Layer], cues: list[AudioCue],
           issues: list[LocIssue]) -> None:
    fps = inp.canvas.fps
    source, natural = _source(inp, spec, loc)
    span = _span(inp, spec, source, window, loc, issues)
    box = _box(spec, natural, loc, issues)
    if span is None or box is None:
        return
    first, length = span
    if not footage.fits(inp, spec, source, length, box, loc, issues):
        return
    enter, exit_ = _motion(spec.enter, fps), _motion(spec.exit, fps)
    if isinstance(spec, ProgressLayer):
        enter = LayerMotion("slide-right", length)  # the bar fills from the left over its whole length
    elif enter.frames + exit_.frames > length:
        issues.append(LocIssue((*loc, "enter" if enter.frames else "exit"),
                               f"`enter` ({_say(enter.frames, fps)}) and `exit` ({_say(exit_.frames, fps)}) take "
                               f"{_say(enter.frames + exit_.frames, fps)} together, longer than the layer "
                               f"({_say(length, fps)}): shorten them or show the layer longer"))
        return
    opacity = spec.opacity
    if isinstance(spec, ColorLayer | ProgressLayer) and len(spec.color) == 9:
        opacity *= int(spec.color[7:], 16) / 255  # `#rrggbbaa`: the colour's own alpha
    scale = inp.canvas.scale
    border = spec.border
    out_box = _output_box(box, inp)
    # corners rounder than half the box's short side are a pill already, and a border can at most fill it
    half = max(1, min(out_box.w, out_box.h) // 2)
    layer = Layer(
        id=_path(loc), source=source, start=window.start + first, length=length, box=out_box,
        fit=spec.fit, opacity=round(opacity, 4), radius=min(half, round(spec.radius * scale)),
        border=min(half, max(1, round(border.width * scale))) if border else 0,
        border_color=(border.color if len(border.color) == 9 else border.color + "ff") if border else "#ffffffff",
        enter=enter, exit=exit_, bears_text=spec.text, loc=loc)
    out.append(layer)
    if footage.heard(spec, source):
        # like a scene's footage sound: it keeps to the trim (silent past `to`, or repeating with `hold: loop`),
        # at the footage's speed with its pitch kept
        assert isinstance(source, VideoSource) and isinstance(spec, VideoLayer)
        cues.append(AudioCue("source", source.path, layer.start, layer.length, source.start, spec.volume,
                             loop=source.hold == "loop" and source.end is not None, source_end=source.end,
                             speed=source.speed, disguise=disguised(spec)))
    elif isinstance(spec, VideoLayer) and isinstance(source, VideoSource) and disguised(spec):
        issues.append(nothing_to_disguise((*loc, "anonymise", "voice"), None if not source.has_audio else
                                          f"audio: {spec.audio}" if spec.volume <= 0 else "reverse: yes"))


def _path(loc: Loc) -> str:
    """`scenes[1].layers[0]`: the layer's id, as the storyboard would name it."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _say(frames: int, fps: Fraction) -> str:
    return shape.say(Fraction(frames) / fps)


# ------------------------------------------------------------------ sources


def _source(inp: PlanInputs, spec: LayerBase, loc: Loc = ()) -> tuple[LayerSource, tuple[int, int] | None]:
    """The layer's picture, and its own size (None for colours, gradients and python layers)."""
    fps = inp.canvas.fps
    hidden = anonymise.planned(getattr(spec, "anonymise", None), loc, fps)
    if isinstance(spec, VideoLayer):
        path = inp.asset(spec.video)
        info = inp.media[path]
        v = info.video
        size = (v.width, v.height) if v else (0, 0)
        end = spec.to.to_seconds(fps) if spec.to is not None else (
            Fraction(str(info.duration)) if spec.hold != "none" or spec.reverse or hidden else None)
        return VideoSource(path, spec.from_.to_seconds(fps), spec.fit, *size, info.has_audio, end=end,
                           hold=spec.hold, speed=spec.speed, reverse=spec.reverse, focus=spec.focus,
                           anonymise=hidden), size
    if isinstance(spec, ImageLayer | AssetLayer):
        path = inp.asset(spec.image) if isinstance(spec, ImageLayer) else spec.library.path
        info = inp.media[path]
        v = info.video
        size = (v.width, v.height) if v else (0, 0)
        if is_animated(info):
            # an animated GIF is footage that loops; its length is the container's, or its frames at its rate
            seconds = Fraction(str(info.duration)) or (Fraction(v.frames or 1) / (v.fps or Fraction(10)) if v
                                                       else Fraction(1))
            # composited with its transparency when its decoded pictures carry any (an opaque GIF's alpha is
            # all 255: the same picture)
            return VideoSource(path, Fraction(0), spec.fit, *size, False, end=seconds, hold="loop",
                               alpha=bool(v and has_alpha(v.pix_fmt)), anonymise=hidden), size
        return ImageSource(path, spec.fit, "none", *size, anonymise=hidden), size
    if isinstance(spec, PythonLayer):
        # drawn at the layer's box size when rendered (`toolkit.film.pylayers`): no size of its own
        return PythonSource(inp.asset(spec.file), spec.func), None
    if isinstance(spec, GradientLayer):
        return GradientSource((spec.gradient[0][:7], spec.gradient[1][:7]), spec.direction), None
    assert isinstance(spec, ColorLayer | ProgressLayer)
    return ColorSource(spec.color[:7]), None


# ------------------------------------------------------------------ time


def _span(inp: PlanInputs, spec: LayerBase, source: LayerSource, window: _Window, loc: Loc,
          issues: list[LocIssue]) -> tuple[int, int] | None:
    """(first frame from the window's start, length) of the layer, or None after an error."""
    fps = inp.canvas.fps
    at = spec.at.to_frames(fps) if spec.at is not None else 0
    where = "the film (before the end card)" if window.film else "the scene"
    if at >= window.limit:
        issues.append(LocIssue((*loc, "at"), f"the layer starts at {_say(at, fps)} but {where} is only "
                                             f"{_say(window.limit, fps)} long"))
        return None
    if spec.until is not None:
        end = spec.until.to_frames(fps)
        if end <= at:
            issues.append(LocIssue((*loc, "until"), f"`until` ({spec.until}) must be after `at` "
                                                    f"({spec.at or '0s'})"))
            return None
    elif spec.for_ is not None:
        end = at + max(1, spec.for_.to_frames(fps))
    else:
        end = window.default_end
        if isinstance(source, VideoSource) and source.hold == "none" and isinstance(spec, VideoLayer):
            trim = source.trim_frames(fps)
            if trim is None:
                info = inp.media[source.path]
                trim = max(1, int((Fraction(str(info.duration)) - source.start) * fps / source.speed))
            end = min(end, at + trim)  # footage without a length shows its trim, within the scene
        if end <= at:
            end = window.limit
        return at, end - at
    if end > window.limit:
        key = (*loc, "until" if spec.until is not None else "for")
        ran = f"the layer runs {_say(at, fps)}–{_say(end, fps)} ({_say(end - at, fps)})"
        if window.film:
            issues.append(LocIssue(key, f"{ran}, into the helpline end card, which starts at "
                                        f"{_say(window.card, fps)}: layers end before the end card, so nothing "
                                        "covers the support details"))
        elif window.limit < window.length:
            issues.append(LocIssue(key, f"{ran}, into the helpline end card, which starts "
                                        f"{_say(window.limit, fps)} into this scene: layers end before the end "
                                        "card, so nothing covers the support details"))
        else:
            issues.append(LocIssue(key, f"{ran} but the scene is only {_say(window.length, fps)} long: a layer "
                                        "stays inside its scene (a film-level `layers:` entry can span scenes)"))
        return None
    return at, end - at


def _motion(spec: MotionSpec, fps: Fraction) -> LayerMotion:
    if spec.type == "cut":
        return LayerMotion("cut", 0)
    return LayerMotion(spec.type, max(1, spec.duration.to_frames(fps)))


# ------------------------------------------------------------------ space


def _box(spec: LayerBase, natural: tuple[int, int] | None, loc: Loc, issues: list[LocIssue]) -> Box | None:
    """The layer's box in reference pixels of the 1080×1920 frame, or None after an error."""
    if isinstance(spec, ProgressLayer):
        w, h = REFERENCE_WIDTH, PROGRESS_HEIGHT
        if spec.size is not None:
            w = spec.size.w or (round(REFERENCE_WIDTH * spec.size.share / 100) if spec.size.share else w)
            h = spec.size.h or h
        placed: str | Point = spec.position if spec.position is not None else \
            Point(x=(REFERENCE_WIDTH - w) // 2, y=REFERENCE_HEIGHT - h)
        return _inside(spec, _anchor(placed, w, h), loc, issues)
    placed = spec.placed()
    if placed == "full":
        if spec.size is not None:
            issues.append(LocIssue((*loc, "size"), "`position: full` fills the frame; leave out `size`, or give "
                                                   "another position such as `center`"))
            return None
        return _inside(spec, FRAME, loc, issues)
    if spec.size is not None:
        size = _sized(spec.size, natural, loc, issues,
                      "a python layer" if isinstance(spec, PythonLayer) else "a colour or gradient box")
        if size is None:
            return None
    elif natural is None:
        what = "a python layer" if isinstance(spec, PythonLayer) else "a colour or gradient box"
        issues.append(LocIssue((*loc, "size"), f"{what} needs a size: `size: {{w, h}}` in pixels of "
                                               "the 1080×1920 frame (or `position: full`)"))
        return None
    else:
        # the picture's own size, shrunk (never enlarged) to fit the safe box, or the frame for `{x, y}`
        room = REFERENCE_SAFE if isinstance(placed, str) else FRAME
        nw, nh = max(1, natural[0]), max(1, natural[1])
        k = min(Fraction(1), Fraction(room.w, nw), Fraction(room.h, nh))
        size = (max(1, round(nw * k)), max(1, round(nh * k)))
    return _inside(spec, _anchor(placed, *size), loc, issues)


def _sized(size: Size, natural: tuple[int, int] | None, loc: Loc, issues: list[LocIssue],
           what: str) -> tuple[int, int] | None:
    w = round(REFERENCE_WIDTH * size.share / 100) if size.share is not None else size.w
    h = size.h
    if w is not None and h is not None:
        return max(1, w), h
    if natural is None or not natural[0] or not natural[1]:
        issues.append(LocIssue((*loc, "size"), f"{what} has no shape of its own to follow: give "
                                               "both `w` and `h` (pixels of the 1080×1920 frame)"))
        return None
    nw, nh = natural
    if w is not None:
        return max(1, w), max(1, round(w * nh / nw))
    assert h is not None
    return max(1, round(h * nw / nh)), h


def _anchor(placed: str | Point, w: int, h: int) -> Box:
    if isinstance(placed, Point):
        return Box(placed.x, placed.y, w, h)
    safe = REFERENCE_SAFE
    x = safe.x if "left" in placed else safe.right - w if "right" in placed else safe.x + (safe.w - w) // 2
    y = safe.y if "top" in placed else safe.bottom - h if "bottom" in placed else safe.y + (safe.h - h) // 2
    return Box(x, y, w, h)


def _inside(spec: LayerBase, box: Box, loc: Loc, issues: list[LocIssue]) -> Box | None:
    where = (*loc, "position") if spec.position is not None else (*loc, "size")
    if not FRAME.contains(box):
        issues.append(LocIssue(where, f"the layer's box (x {box.x}–{box.right}, y {box.y}–{box.bottom}) reaches "
                                      f"outside the {REFERENCE_WIDTH}×{REFERENCE_HEIGHT} frame: place it inside "
                                      f"x 0–{REFERENCE_WIDTH}, y 0–{REFERENCE_HEIGHT}"))
        return None
    if spec.text and not REFERENCE_SAFE.contains(box):
        issues.append(LocIssue((*loc, "text"), f"a layer with `text: yes` must lie inside the platform-safe box "
                                               f"({describe_safe_zone()}, standards §2.2), where no platform button "
                                               f"covers its words; its box is x {box.x}–{box.right}, y "
                                               f"{box.y}–{box.bottom}: use a preset position (they stay inside) or "
                                               "a smaller size"))
        return None
    return box


def _output_box(box: Box, inp: PlanInputs) -> Box:
    """The reference box on the output canvas, kept inside it."""
    c = inp.canvas
    out = box.scaled(c.scale)
    x, y = min(out.x, c.width - 1), min(out.y, c.height - 1)
    return Box(x, y, max(1, min(out.right, c.width) - x), max(1, min(out.bottom, c.height) - y))

