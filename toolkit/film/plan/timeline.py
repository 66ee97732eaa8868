"""The Timeline: a frozen, I/O-free description of a film in integer frames at a Fraction rate.

The planner builds it from a validated storyboard, the template and probed media; the
rasteriser turns its text overlays into images; the compiler turns it into one ffmpeg
command. `reel plan --json` prints it (`Timeline.to_dict`); `reel plan` prints `describe.describe(timeline)`.

Coordinates are output pixels on `canvas` (origin top-left). Frame numbers are positions on
the output timeline; `length` values are frame counts. Source trims are seconds (`Fraction`)
because sources have their own frame rates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from toolkit.errors import TimelineFormatError
from toolkit.film.plan.codec import CodecError, from_jsonable, to_jsonable
from toolkit.geometry import Box

Fit = Literal["cover", "contain", "blur-fill"]
Hold = Literal["none", "last-frame", "loop"]
Move = Literal["none", "zoom-in", "zoom-out", "pan-left", "pan-right", "pan-up", "pan-down"]
TransitionKind = Literal["cut", "fade", "dip-to-black", "slide-left", "slide-up"]
SegmentKind = Literal["scene", "slate", "end_card", "intro", "outro"]
OverlayKind = Literal["caption", "slate", "end_card", "logo", "title", "text"]
AudioRole = Literal["source", "voice", "music", "effect"]
LayerMotionKind = Literal["cut", "fade", "slide-left", "slide-right", "slide-up", "slide-down", "pop"]

# The `version` of `Timeline.to_dict`'s JSON. Bump it when a field is added, removed or changes
# meaning, so a saved plan is never read as something it is not.
JSON_VERSION = 3


@dataclass(frozen=True, slots=True)
class Canvas:
    """The output frame: size, rate, and the platform-safe box where text must stay."""

    width: int
    height: int
    fps: Fraction
    safe: Box
    scale: Fraction = Fraction(1)  # output pixels per reference (1080×1920) pixel

    def seconds(self, frames: int) -> Fraction:
        return Fraction(frames) / self.fps


# ------------------------------------------------------------------ visuals


FaceCoverKind = Literal["blur", "pixelate", "box"]


@dataclass(frozen=True, slots=True)
class CoverBox:
    """A place covered by hand (`anonymise.boxes`): shares 0–1 of the picture from its left and top
    edges; `start`/`end` are seconds on the footage's own clock (None: from the trim's start, to
    its end; a photo ignores them)."""

    x: float
    y: float
    w: float
    h: float
    start: Fraction | None = None
    end: Fraction | None = None


@dataclass(frozen=True, slots=True)
class Anonymise:
    """Faces hidden in a footage or photo source (`toolkit.film.anonymising`): every face the
    detector follows and every `boxes` place, covered by `face` (a strong blur, large blocks, or a
    solid block) in a copy made before the render, which the film plays instead. `loc` is where
    `anonymise` is written, for messages."""

    face: FaceCoverKind
    boxes: tuple[CoverBox, ...] = ()
    loc: tuple[str | int, ...] = ()


@dataclass(frozen=True, slots=True)
class VideoSource:
    """Footage trimmed to [start, end) seconds and fitted to the canvas (or a layer's box).

    Output frame k of the segment shows the source at `start + k·speed/fps` (with `reverse`,
    at the same distance back from `end`). No frame at or after `end` is ever decoded: a
    segment longer than the trim is filled by `hold` (`last-frame` repeats the last trimmed
    frame, `loop` starts the trim again). `end` None means the footage's own end (the segment
    is never longer than the footage then; `reverse` needs an `end`). `focus` is where a
    `cover` crop sits across the frame's overflow: 0 keeps the left (or top) edge, 1/2 the
    centre, 1 the right (or bottom) edge.
    """

    path: Path
    start: Fraction
    fit: Fit
    width: int
    height: int
    has_audio: bool
    end: Fraction | None = None
    hold: Hold = "none"
    speed: Fraction = Fraction(1)
    reverse: bool = False
    focus: Fraction = Fraction(1, 2)
    alpha: bool = False  # the footage carries transparency: composited with it (layers only)
    anonymise: Anonymise | None = None  # faces to hide: played from a covered copy (`film.anonymising`)

    def trim_frames(self, fps: Fraction) -> int | None:
        """Canvas frames inside the trim (those at `start + k·speed/fps < end`), or None without an end."""
        if self.end is None:
            return None
        return max(1, -(-((self.end - self.start) * fps / self.speed) // 1))


# `hold: loop` either keeps the trim's frames in memory and plays them again (the `loop`
# filter: cheap for short trims) or decodes the trim once per play (no frames held, but one
# decoder per play). Both are bounded so a looped scene never costs more memory than a chunk
# of ordinary footage: at most LOOP_MEMORY_BYTES of held 1080×1920 frames, else at most
# LOOP_MAX_DECODES plays (the chunk bound on open segments).
LOOP_MEMORY_BYTES = 128 * 1024 * 1024
LOOP_MAX_DECODES = 4
LoopPlan = Literal["filter", "decodes"]


def loop_plan(trim: int, first: int, count: int, width: int = 1080, height: int = 1920) -> LoopPlan | None:
    """How frames `first`…`first + count - 1` of a looped `trim`-frame span are made, or None
    when neither way fits its bound (the planner reports that as an error).

    Judged at the 1080×1920 reference size by default, so a draft and the final agree.
    """
    plays = -(-(first % trim + count) // trim)
    if plays <= 2 or trim * width * height * 3 // 2 <= LOOP_MEMORY_BYTES:
        return "filter" if plays > 2 else "decodes"
    return "decodes" if plays <= LOOP_MAX_DECODES else None


@dataclass(frozen=True, slots=True)
class ImageSource:
    path: Path
    fit: Fit
    move: Move
    width: int
    height: int
    anonymise: Anonymise | None = None  # faces to hide: shown from a covered copy (`film.anonymising`)


@dataclass(frozen=True, slots=True)
class ColorSource:
    color: str  # "#rrggbb"


@dataclass(frozen=True, slots=True)
class GradientSource:
    colors: tuple[str, str]
    direction: Literal["vertical", "horizontal", "diagonal"]


Source = VideoSource | ImageSource | ColorSource | GradientSource


@dataclass(frozen=True, slots=True)
class PythonSource:
    """A layer drawn by the function `func` in the Python file `path` (a `python:` layer).

    Never compiled as it is: before a render, still or sheet, `toolkit.film.pylayers` renders it
    to a file with transparency and puts a `VideoSource` with `alpha` in its place.
    """

    path: Path
    func: str


LayerSource = Source | PythonSource


@dataclass(frozen=True, slots=True)
class Transition:
    """How segment i-1 hands over to segment i; `frames` of overlap (0 for a cut)."""

    kind: TransitionKind
    frames: int


@dataclass(frozen=True, slots=True)
class Segment:
    """One visual segment on the output timeline: a scene, a slate or the end card."""

    index: int
    kind: SegmentKind
    name: str
    start: int
    length: int
    source: Source
    transition_in: Transition  # from the previous segment; Transition("cut", 0) for the first
    loc: tuple[str | int, ...] = ()  # where it was written in the storyboard, for error messages

    @property
    def end(self) -> int:
        return self.start + self.length


# ------------------------------------------------------------------ text


@dataclass(frozen=True, slots=True)
class TextRun:
    """A run of text on one line, drawn at `x` on the line's baseline box, in one colour."""

    text: str
    x: int
    color: str


@dataclass(frozen=True, slots=True)
class TextLine:
    """One laid-out line: its box, and its runs (several runs when one word is highlighted)."""

    box: Box
    runs: tuple[TextRun, ...]

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True, slots=True)
class TextBlock:
    """Lines of text in one font at one size, with an optional rounded backing box per line."""

    lines: tuple[TextLine, ...]
    font: Path
    size: int  # pixels (font em size on the output canvas)
    backing: str | None  # "#rrggbbaa" of the box behind each line, or None
    padding: int  # backing-box padding around each line, pixels
    radius: int  # backing-box corner radius
    bounds: Box  # union of line boxes including padding: what must sit in the safe box
    outline: tuple[int, str] | None = None  # width in pixels and "#rrggbb" of the stroke around the letters
    shadow: tuple[int, int, str] | None = None  # offset right and down in pixels, "#rrggbbaa" of the drop shadow


@dataclass(frozen=True, slots=True)
class ImageBlock:
    """A picture (logo) placed at `box`, with opacity 0–1."""

    path: Path
    box: Box
    opacity: float


@dataclass(frozen=True, slots=True)
class Overlay:
    """Something drawn over the picture from frame `start` for `length` frames."""

    id: str
    kind: OverlayKind
    start: int
    length: int
    blocks: tuple[TextBlock | ImageBlock, ...]
    loc: tuple[str | int, ...] = ()
    # how it comes in (cut, fade, pop, slide-up): drawn as a picture of its own and moved by ffmpeg
    enter: LayerMotion = field(default_factory=lambda: LayerMotion("cut", 0))

    @property
    def end(self) -> int:
        return self.start + self.length


# ------------------------------------------------------------------ layers


@dataclass(frozen=True, slots=True)
class LayerMotion:
    """How a layer comes in or goes out over `frames` frames (`cut`: 0 frames)."""

    kind: LayerMotionKind
    frames: int


@dataclass(frozen=True, slots=True)
class Layer:
    """A picture composited over the segments' picture from output frame `start` for `length`
    frames, inside `box` (output pixels, within the canvas), fitted by `fit`.

    Layers are drawn in the order of `Timeline.layers` (later over earlier), all of them under
    every text overlay and the logo, so captions, slates and the end card are never covered.
    `source` is footage (its trim, speed and hold work as for a segment: frame k of the layer
    shows the source at `start + k·speed/fps`; an animated GIF is footage with `hold: loop`),
    a still picture (its `move` is always "none"), a colour or a gradient. `opacity` is 0–1;
    `radius` rounds the corners and `border` draws an edge of `border_color` ("#rrggbbaa"),
    both in output pixels. `bears_text` marks a layer whose picture carries words (a
    screenshot, a message): the layout rules keep it inside the safe box. A layer's own sound
    is never part of the layer: the planner places it as an `AudioCue`.
    """

    id: str
    source: LayerSource
    start: int
    length: int
    box: Box
    fit: Fit = "cover"
    opacity: float = 1.0
    radius: int = 0
    border: int = 0
    border_color: str = "#ffffffff"
    enter: LayerMotion = LayerMotion("cut", 0)
    exit: LayerMotion = LayerMotion("cut", 0)
    bears_text: bool = False
    loc: tuple[str | int, ...] = ()

    @property
    def end(self) -> int:
        return self.start + self.length


# ------------------------------------------------------------------ audio


@dataclass(frozen=True, slots=True)
class AudioCue:
    """A sound placed on the output timeline.

    `source_start` seconds into the file play at output frame `start` for `length` frames.
    `fade_in`/`fade_out` are frames (crossfades at transitions). `source_end`, when set, is the
    trim's end: nothing at or after it is played (silence follows), or with `loop` the span
    `source_start`–`source_end` repeats. `loop` without `source_end` repeats the whole file.
    """

    role: AudioRole
    path: Path
    start: int
    length: int
    source_start: Fraction
    volume: float
    fade_in: int = 0
    fade_out: int = 0
    loop: bool = False
    source_end: Fraction | None = None
    speed: Fraction = Fraction(1)  # playback rate, pitch kept (footage played at `speed`)
    duck: bool = True  # a music cue: lowered under speech when the mix ducks (`AudioMix.duck_music`)
    disguise: bool = False  # `anonymise: {voice: disguise}` on its voiceover or footage (`compile.disguise`)


@dataclass(frozen=True, slots=True)
class AudioMix:
    """How cues are mixed: music ducked under speech, then loudness-normalised."""

    duck_music: bool = True
    target_lufs: float = -14.0
    true_peak: float = -1.0


# ------------------------------------------------------------------ the film


@dataclass(frozen=True, slots=True)
class Timeline:
    """A whole film. Invariants are checked at construction: a Timeline without a final,
    long-enough end card cannot exist."""

    canvas: Canvas
    segments: tuple[Segment, ...]
    overlays: tuple[Overlay, ...]
    audio: tuple[AudioCue, ...]
    mix: AudioMix
    title: str
    metadata: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    min_end_card_frames: int = 150
    layers: tuple[Layer, ...] = ()

    def __post_init__(self) -> None:
        if not self.segments:
            raise ValueError("a timeline needs at least one segment")
        last = self.segments[-1]
        if last.kind != "end_card":
            raise ValueError("a timeline must end with the helpline end card")
        if last.length < self.min_end_card_frames:
            raise ValueError(f"the end card is {last.length} frames; at least {self.min_end_card_frames} needed")
        if not any(o.kind == "end_card" for o in self.overlays):
            raise ValueError("the end card has no text overlay")
        card = last.start
        for layer in self.layers:
            if layer.length <= 0 or layer.start < 0 or layer.end > card:
                raise ValueError(f"layer {layer.id!r} spans frames {layer.start}–{layer.end}: layers must have "
                                 f"frames and end before the end card (frame {card})")
        for prev, seg in zip(self.segments, self.segments[1:], strict=False):
            if seg.start != prev.end - seg.transition_in.frames:
                raise ValueError(f"segment {seg.index} starts at {seg.start}, expected "
                                 f"{prev.end - seg.transition_in.frames}")

    @property
    def frames(self) -> int:
        """Total length in frames."""
        return self.segments[-1].end

    @property
    def duration(self) -> Fraction:
        return Fraction(self.frames) / self.canvas.fps

    @property
    def end_card(self) -> Segment:
        return self.segments[-1]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (paths as strings, Fractions as "n/d" strings), read back by `from_dict`.

        `version` is `JSON_VERSION`; `frames` and `duration_seconds` are derived, for readers.
        """
        return ({"version": JSON_VERSION} | to_jsonable(self, TYPE_TAGS)
                | {"frames": self.frames, "duration_seconds": float(self.duration)})

    @classmethod
    def from_dict(cls, data: Any) -> Timeline:
        """The Timeline `to_dict` wrote (equal to the original). Raises `TimelineFormatError`
        for another `version` or a value that does not fit its field (the field is named)."""
        if not isinstance(data, dict):
            raise TimelineFormatError(f"a saved plan is a JSON object, not {type(data).__name__}")
        version = data.get("version")
        if version != JSON_VERSION:
            said = "has no version" if version is None else f"is version {version!r}"
            raise TimelineFormatError(f"this plan {said}; this Reel reads plan JSON version {JSON_VERSION}: "
                                      "make it again with `reel plan --json`", version=version)
        try:
            timeline = from_jsonable(cls, {k: v for k, v in data.items() if k not in _DERIVED}, TYPE_TAGS)
        except CodecError as exc:
            raise TimelineFormatError(str(exc), field=exc.path or None) from None
        for key, derived in (("frames", timeline.frames), ("duration_seconds", float(timeline.duration))):
            if key in data and data[key] != derived:
                raise TimelineFormatError(f"{key}: {data[key]!r} does not agree with the segments ({derived!r})",
                                          field=key)
        return timeline


# Keys `to_dict` adds beside the fields: its version and values derived from the segments.
_DERIVED = ("version", "frames", "duration_seconds")

# Members of unions get a "type" tag in JSON so a reader can tell a VideoSource from an ImageSource.
TYPE_TAGS: dict[type, str] = {VideoSource: "video", ImageSource: "image", ColorSource: "color",
                          GradientSource: "gradient", PythonSource: "python", TextBlock: "text", ImageBlock: "image"}
