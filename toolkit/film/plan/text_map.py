"""The text map: every piece of text (and the logo) a film draws, for its `reel_text` metadata.

The grader reads text back from the picture and must tell Reel's own text (captions, slates,
the end card) from text in the footage. A film Reel renders says where it drew its text in a
container tag, `reel_text`: compact, versioned JSON, written by the planner (pure: it is a
value of `Timeline.metadata`) and read back by `toolkit.grade.known_text`.

    {"v":1,"size":[1080,1920],"fps":"30","frames":1800,
     "text":[["caption",0,75,120,1059,768,126,"A short caption."], …]}

`size`, `fps` and `frames` describe the picture the map belongs to, so a copy re-encoded,
cropped or trimmed elsewhere (which may keep the tags) is recognised and not trusted. Each
entry is kind, first frame, end frame (exclusive), the box on the 1080×1920 reference frame
(x, y, w, h, backing box included) and the words. The tag holds layout and on-screen words
only. Past `MAX_TAG_BYTES` the words are left out (boxes and times kept); if it is still too
long the film carries no map and the grader judges its text by appearance alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from toolkit.film.plan.timeline import Canvas, TextBlock, Timeline
from toolkit.geometry import REFERENCE_HEIGHT, REFERENCE_WIDTH, Box

TAG_KEY = "reel_text"
TAG_VERSION = 1
# An MP4 tag is read whole into memory by every player and by `probe`; 16 KiB holds about 200
# captions with their words (a 60 s film needs about 2 KiB), and the reader refuses more.
MAX_TAG_BYTES = 16 * 1024  # also bounds the entries: about 700 at most, ~22 bytes each without words
MAX_WORDS_CHARS = 1000
# the overlay kinds, and `layer` for a picture layer that carries words (a screenshot)
KINDS = frozenset({"caption", "slate", "title", "end_card", "logo", "layer", "text"})

_FPS = re.compile(r"^[1-9][0-9]{0,5}(/[1-9][0-9]{0,5})?$")
_MAX_FRAMES = 10_000_000  # ≈ 92 hours at 30 fps: far past any platform's limit


class TextMapError(ValueError):
    """A `reel_text` value that is not a text map this Reel reads (the message says why)."""


@dataclass(frozen=True, slots=True)
class DrawnText:
    """One block Reel draws: `kind`, frames [`start`, `end`), `box` on the reference frame, `text`."""

    kind: str
    start: int
    end: int
    box: Box
    text: str


@dataclass(frozen=True, slots=True)
class TextMap:
    """The text a film draws, and the picture it belongs to (output size, rate, frame count)."""

    width: int
    height: int
    fps: Fraction
    frames: int
    texts: tuple[DrawnText, ...]
    words: bool = True  # False when the words were left out to fit the tag


def text_map(timeline: Timeline) -> TextMap:
    """Every text block of `timeline`'s overlays on the reference frame, and with no words its
    logo and each layer marked `bears_text` (Reel placed them; what they say is not known).

    One entry per text block, its lines joined by a space (any run of white space, no-break
    spaces too, is one space: how text read from the picture is compared). Overlays that repeat
    a block back to back (word-by-word highlighting draws one caption as one overlay per word,
    the logo one per segment) are one entry from the first start to the last end.
    """
    canvas = timeline.canvas
    drawn: list[tuple[str, int, int, Box, str]] = []
    for overlay in timeline.overlays:
        for block in overlay.blocks:
            if isinstance(block, TextBlock):
                words = " ".join(" ".join(line.text.split()) for line in block.lines)
                drawn.append((overlay.kind, overlay.start, overlay.end, block.bounds, words))
            else:
                drawn.append((overlay.kind, overlay.start, overlay.end, block.box, ""))
    drawn += [("layer", layer.start, layer.end, layer.box, "") for layer in timeline.layers if layer.bears_text]
    entries: list[DrawnText] = []
    last: dict[tuple[str, Box, str], int] = {}  # (kind, box, words) → index in entries
    for kind, start, end, box, words in sorted(drawn, key=lambda d: (d[1], d[2])):
        box = _reference(box, canvas)
        if not box.w or not box.h:  # wholly off the frame: nothing of it can be read
            continue
        i = last.get((kind, box, words))
        if i is not None and entries[i].end >= start:
            entries[i] = DrawnText(kind, entries[i].start, max(entries[i].end, end), box, words)
            continue
        last[(kind, box, words)] = len(entries)
        entries.append(DrawnText(kind, start, end, box, words))
    return TextMap(canvas.width, canvas.height, Fraction(canvas.fps), timeline.frames, tuple(entries))


def _reference(box: Box, canvas: Canvas) -> Box:
    """`box` (output pixels) on the 1080×1920 reference frame, rounded outwards, kept inside it."""
    ref = box.scaled(1 / Fraction(canvas.scale)) if canvas.scale != 1 else box
    x0, y0 = max(0, ref.x), max(0, ref.y)
    x1, y1 = min(REFERENCE_WIDTH, ref.right), min(REFERENCE_HEIGHT, ref.bottom)
    return Box(x0, y0, max(0, x1 - x0), max(0, y1 - y0))


def encode(tmap: TextMap) -> str | None:
    """The `reel_text` value: compact JSON of at most `MAX_TAG_BYTES` (UTF-8). Past that, the
    words are left out; None when even the boxes and times do not fit."""
    for words in (True, False):
        value = _dump(tmap, words)
        if len(value.encode("utf-8")) <= MAX_TAG_BYTES:
            return value
    return None


def _dump(tmap: TextMap, words: bool) -> str:
    fps = tmap.fps
    data: dict[str, Any] = {
        "v": TAG_VERSION, "size": [tmap.width, tmap.height],
        "fps": str(fps.numerator) if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}",
        "frames": tmap.frames,
        "text": [[t.kind, t.start, t.end, t.box.x, t.box.y, t.box.w, t.box.h,
                  t.text[:MAX_WORDS_CHARS] if words else ""] for t in tmap.texts]}
    if not words:
        data["words"] = False
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode(value: object) -> TextMap:
    """The map in a `reel_text` value. The value comes from a file anyone may have written:
    anything but a well-formed map of this version, within the limits above, raises
    `TextMapError` saying what is wrong (never another exception)."""
    if not isinstance(value, str):
        raise TextMapError(f"the value is {type(value).__name__}, not text")
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_TAG_BYTES:
        raise TextMapError(f"the value is {size} bytes; a text map is at most {MAX_TAG_BYTES}")
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):
        raise TextMapError("the value is not JSON") from None
    if not isinstance(data, dict):
        raise TextMapError("the value is not a JSON object")
    if data.get("v") != TAG_VERSION or isinstance(data.get("v"), bool):
        raise TextMapError(f"version {_quote(data.get('v'))}; this Reel reads version {TAG_VERSION}")
    size_field = data.get("size")
    if not (isinstance(size_field, list) and len(size_field) == 2):
        raise TextMapError("`size` is not [width, height]")
    width, height = (_int(v, "size", 1, 16384) for v in size_field)
    fps_text = data.get("fps")
    if not isinstance(fps_text, str) or not _FPS.match(fps_text) or not 0 < Fraction(fps_text) <= 240:
        raise TextMapError("`fps` is not a frame rate such as \"30\" or \"30000/1001\" (at most 240)")
    frames = _int(data.get("frames"), "frames", 1, _MAX_FRAMES)
    words = data.get("words", True)
    if not isinstance(words, bool):
        raise TextMapError("`words` is not true or false")
    entries = data.get("text")
    if not isinstance(entries, list):
        raise TextMapError("`text` is not a list")
    return TextMap(width, height, Fraction(fps_text), frames,
                   tuple(_entry(e, i, frames) for i, e in enumerate(entries)), words)


def _entry(entry: object, index: int, frames: int) -> DrawnText:
    where = f"text[{index}]"
    if not (isinstance(entry, list) and len(entry) == 8):
        raise TextMapError(f"{where} is not [kind, start, end, x, y, w, h, words]")
    kind, start, end, x, y, w, h, words = entry
    if kind not in KINDS:
        raise TextMapError(f"{where}: kind {_quote(kind)} is not one of {', '.join(sorted(KINDS))}")
    start = _int(start, f"{where} start", 0, frames - 1)
    end = _int(end, f"{where} end", start + 1, frames)
    x = _int(x, f"{where} x", 0, REFERENCE_WIDTH - 1)
    y = _int(y, f"{where} y", 0, REFERENCE_HEIGHT - 1)
    w = _int(w, f"{where} w", 1, REFERENCE_WIDTH - x)
    h = _int(h, f"{where} h", 1, REFERENCE_HEIGHT - y)
    if not isinstance(words, str) or len(words) > MAX_WORDS_CHARS:
        raise TextMapError(f"{where}: the words are not text of at most {MAX_WORDS_CHARS} characters")
    return DrawnText(kind, start, end, Box(x, y, w, h), words)


def _int(value: object, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise TextMapError(f"`{name}` is {_quote(value)}, not a whole number from {lo} to {hi}")
    return value


def _quote(value: object) -> str:
    """A value from the tag as JSON, cut short: what a note may quote of untrusted data."""
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."
