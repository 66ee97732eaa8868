"""Words inside the pictures a film shows, read from their pixels and checked like captions.

A screenshot of a message, a sticker, a photo scene or an animated GIF can carry words the
storyboard never wrote, and the safe-messaging lint reads only what was written. So before a
film is planned for render, every still picture the Timeline draws (scene pictures, image and
asset layers), every animated picture (GIF layers, sampled once a second) and every footage
layer marked `text: yes` (sampled once a second inside its trim) is read with the same OCR
engine the end-card check and the grader use. What is read is linted like a caption, located at
the field that names the picture. Words read on a layer that sit outside the platform-safe box
are reported too: a layer marked `text: yes` must lie inside it already; any other gets a warning
naming the words, because a sticker's words under the buttons are as hidden as a caption's.

Readings are cached by the picture's content, the samples taken and the OCR models, so the
edit loop reads a picture once. Scene footage is not read here: a talking head rarely carries
words and reading all of it would cost seconds on every first validate; mark a layer
`text: yes` to have its footage read, and the grader reads every finished film.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.atomic import write_atomic
from toolkit.errors import ReelError
from toolkit.film.plan.timeline import ImageSource, Layer, Timeline, VideoSource
from toolkit.film.proxy import content_digest
from toolkit.geometry import Box
from toolkit.media.ocr import DETECTOR_MODEL, RECOGNISER_MODEL, OcrEngine, ReadLine, read_picture, shared_engine
from toolkit.settings import Settings

__all__ = ["Picture", "PictureWords", "cache_dir", "outside_safe", "pictures_of", "read_words", "sample_times"]

_VERSION = 1  # bump when what is read (flattening, sampling, reader settings) changes
SAMPLE_EVERY = Fraction(1)  # seconds between the frames read of moving pictures
MAX_SAMPLES = 30  # a moving picture is read at most this many times (spread over its trim)
_FLATTEN = ((0, 0, 0), (255, 255, 255))  # a transparent picture is read over black and over white


@dataclass(frozen=True, slots=True)
class Picture:
    """One picture whose words are read: `field` names it in the storyboard, `times` are the
    source seconds read from moving pictures (empty for a still), `layer` is where it is drawn
    (None for a scene's own picture)."""

    field: tuple[str | int, ...]
    path: Path
    times: tuple[Fraction, ...]
    layer: Layer | None
    size: tuple[int, int]  # the picture's own pixels
    alpha: bool = False  # moving pictures with transparency are read over black and over white


@dataclass(frozen=True, slots=True)
class PictureWords:
    """The lines read on a picture: one tuple per sample, in reading order."""

    picture: Picture
    samples: tuple[tuple[ReadLine, ...], ...]

    def texts(self) -> list[str]:
        """Each sample's lines joined as one text (a phrase can run over two lines), distinct, in order."""
        out: list[str] = []
        for lines in self.samples:
            text = " ".join(line.text for line in lines).strip()
            if text and text not in out:
                out.append(text)
        return out


def cache_dir() -> Path:
    """Where readings are kept between validations (content-addressed, safe to delete)."""
    return Settings.cache_root() / "words"


def pictures_of(timeline: Timeline, field_of: Any = None) -> list[Picture]:
    """The pictures of `timeline` whose words are read (see the module doc), in drawing order.

    `field_of(loc, source)` names the storyboard field of a layer's picture (`image`, `asset`,
    `video`); without it a layer is located at the layer itself.
    """
    out: list[Picture] = []
    seen: set[tuple[Path, tuple[Fraction, ...], tuple[str | int, ...]]] = set()

    def add(field: tuple[str | int, ...], path: Path, times: tuple[Fraction, ...], layer: Layer | None,
            size: tuple[int, int], alpha: bool = False) -> None:
        if (path, times, field) not in seen:
            seen.add((path, times, field))
            out.append(Picture(field, path, times, layer, size, alpha))

    for seg in timeline.segments:
        if isinstance(seg.source, ImageSource) and seg.loc:
            add((*seg.loc, "background", "image"), seg.source.path, (), None,
                (seg.source.width, seg.source.height))
    for layer in timeline.layers:
        src = layer.source
        field = tuple(field_of(layer.loc, src)) if field_of else layer.loc
        if isinstance(src, ImageSource):
            add(field, src.path, (), layer, (src.width, src.height))
        elif isinstance(src, VideoSource) and (layer.bears_text or field[-1:] in (("image",), ("asset",))):
            # an animated GIF (named by `image:`/`asset:`) is read like footage marked `text: yes`
            add(field, src.path, sample_times(src, Fraction(layer.length) / timeline.canvas.fps), layer,
                (src.width, src.height), src.alpha)
    return out


def sample_times(src: VideoSource, shown: Fraction) -> tuple[Fraction, ...]:
    """Source seconds to read: once a second across the part of the trim that is shown."""
    span = shown * src.speed
    if src.end is not None:
        span = min(span, src.end - src.start)
    count = max(1, min(MAX_SAMPLES, int(span / SAMPLE_EVERY) + 1))
    step = span / count
    return tuple(src.start + step * k + step / 2 for k in range(count))


def read_words(pictures: Sequence[Picture], *, engine: OcrEngine | None = None,
               cache: Path | None = None) -> list[PictureWords]:
    """Read every picture's words, from the cache when its content was read before.

    The OCR engine is loaded only when some picture is not in the cache. Raises `ReelError`
    when a picture cannot be decoded (validation has probed each one, so this is a file that
    changed or broke since).
    """
    cache = cache or cache_dir()
    out: list[PictureWords] = []
    for picture in pictures:
        key = _key(picture, cache)
        stored = cache / f"{key}.json"
        samples = _load(stored)
        if samples is None:
            samples = _read(picture, engine or shared_engine())
            write_atomic(stored, json.dumps([[[line.text, line.score, list(line.box)] for line in lines]
                                             for lines in samples]))
        out.append(PictureWords(picture, samples))
    return out


def _key(picture: Picture, cache: Path) -> str:
    recipe = (f"v{_VERSION}|{DETECTOR_MODEL}|{RECOGNISER_MODEL}|"
              f"{','.join(str(t) for t in picture.times) or 'still'}")
    digest = content_digest(picture.path, cache / "digests")
    return hashlib.blake2b(f"{digest}|{recipe}".encode(), digest_size=16).hexdigest()


def _load(stored: Path) -> tuple[tuple[ReadLine, ...], ...] | None:
    try:
        data = json.loads(stored.read_text(encoding="utf-8"))
        return tuple(tuple(ReadLine(str(text), float(score), (int(box[0]), int(box[1]), int(box[2]), int(box[3])))
                           for text, score, box in sample) for sample in data)
    except (OSError, ValueError, TypeError, IndexError, KeyError):
        return None  # missing or damaged: read the picture again


def _read(picture: Picture, engine: OcrEngine) -> tuple[tuple[ReadLine, ...], ...]:
    if not picture.times:
        return (_read_still(picture.path, engine),)
    if picture.alpha:
        return tuple(_read_flattened(rgba, engine) for rgba in _rgba_frames(picture))
    from toolkit.media.frames import frames_at, video_fps
    from toolkit.media.probe import ProbeError

    try:
        rate = video_fps(picture.path)
        indices = sorted({int(t * rate) for t in picture.times})
        frames = frames_at(picture.path, indices)
    except ProbeError as exc:
        raise ReelError(f"{picture.path}: its words could not be read: {exc}") from None
    return tuple(read_picture(engine, frame.rgb) for frame in frames)


def _rgba_frames(picture: Picture) -> list[np.ndarray]:
    """The frames at `picture.times` with their transparency (an animated GIF, a python layer's
    file): decoded in order, keeping only the sampled ones (such clips are short and small)."""
    import av

    wanted = sorted(picture.times)
    out: list[np.ndarray] = []
    try:
        with av.open(str(picture.path)) as container:
            stream = container.streams.video[0]
            last = None
            for frame in container.decode(stream):
                t = Fraction(frame.pts * stream.time_base) if frame.pts is not None else Fraction(0)
                while wanted and t > wanted[0] and last is not None:
                    out.append(last)
                    wanted.pop(0)
                if not wanted:
                    break
                last = frame.to_ndarray(format="rgba")
            if wanted and last is not None:
                out.append(last)  # past the end: the last picture is what shows
    except (av.error.FFmpegError, IndexError, ValueError) as exc:
        raise ReelError(f"{picture.path}: its words could not be read: {exc}") from None
    return out


def _read_flattened(rgba: np.ndarray, engine: OcrEngine) -> tuple[ReadLine, ...]:
    """Lines read on a transparent picture laid over black and over white (white words vanish on
    one, black words on the other), each line once."""
    pixels = rgba.astype(np.float32)
    alpha = pixels[..., 3:4] / 255.0
    lines: list[ReadLine] = []
    for colour in _FLATTEN:
        flat = pixels[..., :3] * alpha + np.asarray(colour, dtype=np.float32) * (1.0 - alpha)
        for line in read_picture(engine, np.ascontiguousarray(flat.round().astype(np.uint8))):
            if not any(line.text == kept.text for kept in lines):
                lines.append(line)
    return tuple(lines)


def _read_still(path: Path, engine: OcrEngine) -> tuple[ReadLine, ...]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            image = ImageOps.exif_transpose(opened)
            image.load()
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ReelError(f"{path}: its words could not be read: {exc}") from None
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return _read_flattened(np.asarray(image.convert("RGBA")), engine)
    return read_picture(engine, np.asarray(image.convert("RGB")))


def outside_safe(words: PictureWords, safe: Box) -> list[str]:
    """The lines read on a layer's picture that are drawn (at rest) outside the `safe` box.

    A line's box is carried from the picture's pixels into the layer's box by the layer's fit
    (cover crops around the focus, contain letterboxes, blur-fill shows the whole picture);
    only its part inside the layer's box is drawn.
    """
    picture, layer = words.picture, words.picture.layer
    w, h = picture.size
    if layer is None or w <= 0 or h <= 0:
        return []
    box = layer.box
    scale_x, scale_y = Fraction(box.w, w), Fraction(box.h, h)
    scale = max(scale_x, scale_y) if layer.fit == "cover" else min(scale_x, scale_y)
    focus = layer.source.focus if isinstance(layer.source, VideoSource) else Fraction(1, 2)
    left = box.x + (box.w - w * scale) * (focus if layer.fit == "cover" else Fraction(1, 2))
    top = box.y + (box.h - h * scale) * (focus if layer.fit == "cover" else Fraction(1, 2))
    out: list[str] = []
    for lines in words.samples:
        for line in lines:
            x0, y0, x1, y1 = line.box
            a, b = max(box.x, int(left + x0 * scale)), max(box.y, int(top + y0 * scale))
            c, d = min(box.right, int(left + x1 * scale + 1)), min(box.bottom, int(top + y1 * scale + 1))
            if c > a and d > b and not safe.contains(Box(a, b, c - a, d - b)) and line.text not in out:
                out.append(line.text)
    return out
