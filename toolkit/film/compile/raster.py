"""The rasteriser: every text and logo overlay drawn with Pillow into one image sequence.

The film is cut into intervals in which the set of visible overlays does not change. Each
interval's overlays are composed into one transparent RGBA PNG, and an ffconcat file lists the
PNGs with their durations, so the compiler adds the film's text as ONE input and ONE `overlay`
filter (which keeps showing the latest image). Text never enters the filtergraph, so captions
containing `' : ; , [ ] \\ %`, newlines, emoji or any script cannot break or inject anything.

Details that matter:

* Every image is cropped to the same box, the union of everything drawn (rounded out to even
  pixels for 4:2:0 chroma). Overlaying a 768×960 box instead of the full 1080×1920 frame cut the
  overlay's cost by ≈40 % in measurement; one size for all images also keeps ffmpeg from
  re-initialising the filtergraph, which it does whenever an input's frame size changes.
* Image i > 0 starts half a frame early, so decimal rounding of the ffconcat durations can never
  make it show one frame late.
* Names are content hashes of the pixels, so re-rendering an unchanged film rewrites nothing.
* Layout contract with the planner (`plan/layout.py`): `TextRun.x` is the pen position in canvas
  pixels; a line's `box` already includes the backing padding, and is exactly its backing box;
  the text is centred vertically on that box using the block font's ascent and descent. The
  boxes of one block are drawn as one shape (anti-aliased corners of `radius`), so where they
  touch or overlap the backing is not darker.
* Every line is laid out by `compile.textline` (python-bidi, HarfBuzz and FreeType from their
  wheels: the same pixels with or without the system libfribidi, in any script), from its first
  run's pen; the planner measured it the same way. Its colours come from the runs by character,
  so a highlighted word in a right-to-left line is the right word.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import PIL
from PIL import Image, ImageDraw, ImageOps

from toolkit.atomic import replacing, write_atomic
from toolkit.errors import AssetError, Issue, RenderError
from toolkit.film.compile import bidi
from toolkit.film.compile.fonts import FontBook, default_fallbacks, font_label
from toolkit.film.compile.layer_art import LayerArt, draw_layer_art
from toolkit.film.compile.moving_text import MovingText, write_moving
from toolkit.film.compile.text_effects import stroke_and_shadow
from toolkit.film.compile.textline import draw_shaped, shape_line
from toolkit.film.plan.timeline import ImageBlock, Overlay, TextBlock, Timeline
from toolkit.geometry import Box

# Bump when drawing changes in a way that should invalidate cached images.
RENDERER_VERSION = "2"

_SUPERSAMPLE = 4  # backing boxes are drawn 4× larger and reduced, for smooth rounded corners


@dataclass(frozen=True, slots=True)
class RasterImage:
    """One picture of the sequence, shown for output frames [start, end)."""

    path: Path
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class RasterPlan:
    """What the compiler needs: the ffconcat file and where its images go on the canvas.

    `concat` is None when nothing is drawn. `warnings` name characters that were drawn from a
    fallback font, or could not be drawn at all, per overlay. `layers` holds what each of the
    Timeline's layers needs drawn once (`layer_art`), one entry per layer, in order.
    """

    concat: Path | None
    box: Box
    images: tuple[RasterImage, ...]
    warnings: tuple[Issue, ...] = ()
    layers: tuple[LayerArt, ...] = ()
    moving: tuple[MovingText, ...] = ()  # overlays that come in with a motion, each a picture of its own


@dataclass
class _Layer:
    """One overlay, drawn: its pixels (cropped to what is drawn) and where they sit."""

    image: Image.Image
    x: int
    y: int
    digest: str = field(default="")


def rasterise(timeline: Timeline, workdir: Path, *, fallback_fonts: Sequence[Path] | None = None) -> RasterPlan:
    """Draw the Timeline's overlays into PNGs plus an ffconcat file under `workdir`.

    `fallback_fonts` replaces the default chain (`fonts.default_fallbacks()`) for characters the
    block's own font lacks.
    """
    workdir = Path(workdir)
    book = FontBook(default_fallbacks() if fallback_fonts is None else tuple(fallback_fonts))
    canvas = (timeline.canvas.width, timeline.canvas.height)
    warnings: list[Issue] = []
    layers: dict[int, _Layer] = {}
    moving: list[MovingText] = []
    for index, overlay in enumerate(timeline.overlays):
        layer = _draw_overlay(overlay, canvas, book, warnings)
        if layer is not None and overlay.enter.kind != "cut" and overlay.enter.frames > 0:
            try:
                workdir.mkdir(parents=True, exist_ok=True)
                moving.append(write_moving(workdir, layer.image, layer.x, layer.y, overlay, RENDERER_VERSION))
            except OSError as exc:
                raise _disk_error(exc, workdir) from None
        elif layer is not None:
            layers[index] = layer
    intervals = _intervals(timeline.frames, timeline.overlays, set(layers))
    try:
        art = draw_layer_art(timeline.layers, workdir) if timeline.layers else ()
    except OSError as exc:
        raise _disk_error(exc, workdir) from None
    if not layers:
        return RasterPlan(None, Box(0, 0, 0, 0), (), tuple(warnings), art, tuple(moving))
    box = _union(layers.values(), canvas)
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        images = tuple(_write_image(workdir, box, [layers[i] for i in active], start, end)
                       for start, end, active in intervals)
        concat = _write_concat(workdir, images, timeline.canvas.fps, timeline.frames)
    except OSError as exc:
        raise _disk_error(exc, workdir) from None
    return RasterPlan(concat, box, images, tuple(warnings), art, tuple(moving))


# ------------------------------------------------------------------ timing


def _intervals(frames: int, overlays: Sequence[Overlay], drawn: set[int]) -> list[tuple[int, int, tuple[int, ...]]]:
    """[start, end) spans covering the film, each with the (ordered) overlays visible in it."""
    cuts = {0, frames}
    for i in drawn:
        cuts |= {min(max(overlays[i].start, 0), frames), min(max(overlays[i].end, 0), frames)}
    edges = sorted(cuts)
    spans: list[tuple[int, int, tuple[int, ...]]] = []
    for start, end in itertools.pairwise(edges):
        active = tuple(i for i in sorted(drawn) if overlays[i].start <= start < overlays[i].end)
        if spans and spans[-1][2] == active:
            spans[-1] = (spans[-1][0], end, active)
        else:
            spans.append((start, end, active))
    return spans


def _write_concat(workdir: Path, images: Sequence[RasterImage], fps: Fraction, frames: int) -> Path:
    """The ffconcat list: each image with the time until the next one starts."""
    def starts_at(image: RasterImage) -> Fraction:
        # Half a frame early (except at 0), so rounding cannot make an image late.
        return Fraction(0) if image.start == 0 else (image.start - Fraction(1, 2)) / fps

    lines = ["ffconcat version 1.0"]
    for i, image in enumerate(images):
        until = starts_at(images[i + 1]) if i + 1 < len(images) else Fraction(frames) / fps
        lines += [f"file '{image.path.name}'", f"duration {float(until - starts_at(image)):.6f}"]
    text = "\n".join(lines) + "\n"
    path = workdir / f"overlays-{hashlib.sha256(text.encode()).hexdigest()[:16]}.ffconcat"
    if not path.exists():
        write_atomic(path, text)
    return path


# ------------------------------------------------------------------ composition


def _union(layers: Iterable[_Layer], canvas: tuple[int, int]) -> Box:
    items = list(layers)
    x0 = min(layer.x for layer in items)
    y0 = min(layer.y for layer in items)
    x1 = max(layer.x + layer.image.width for layer in items)
    y1 = max(layer.y + layer.image.height for layer in items)
    # Even edges: 4:2:0 chroma covers 2×2 pixels, so an odd offset would smear colour by one pixel.
    x0, y0 = max(0, x0 - x0 % 2), max(0, y0 - y0 % 2)
    x1, y1 = min(canvas[0], x1 + x1 % 2), min(canvas[1], y1 + y1 % 2)
    return Box(x0, y0, max(2, x1 - x0), max(2, y1 - y0))


def _write_image(workdir: Path, box: Box, layers: Sequence[_Layer], start: int, end: int) -> RasterImage:
    key = hashlib.sha256(f"reel-raster {RENDERER_VERSION} {PIL.__version__} {box}".encode())
    for layer in layers:
        key.update(f"{layer.digest} {layer.x} {layer.y};".encode())
    path = workdir / f"overlay-{key.hexdigest()[:20]}.png"
    if not path.exists():
        image = Image.new("RGBA", (box.w, box.h), (0, 0, 0, 0))
        for layer in layers:
            _composite(image, layer.image, layer.x - box.x, layer.y - box.y)
        with replacing(path) as tmp:
            # Fast PNG compression: these files are read once per render by ffmpeg.
            image.save(tmp, "PNG", compress_level=1)
    return RasterImage(path, start, end)


def _composite(base: Image.Image, image: Image.Image, x: int, y: int) -> None:
    """alpha_composite `image` onto `base` at (x, y), clipped to `base`."""
    left, top = max(0, -x), max(0, -y)
    right, bottom = min(image.width, base.width - x), min(image.height, base.height - y)
    if right <= left or bottom <= top:
        return
    base.alpha_composite(image, dest=(x + left, y + top), source=(left, top, right, bottom))


# ------------------------------------------------------------------ drawing


def _draw_overlay(overlay: Overlay, canvas: tuple[int, int], book: FontBook, warnings: list[Issue]) -> _Layer | None:
    if overlay.length <= 0:
        return None
    image = Image.new("RGBA", canvas, (0, 0, 0, 0))
    fallback: dict[str, list[str]] = {}
    missing: list[str] = []
    overflow = 0
    for block in overlay.blocks:
        if isinstance(block, TextBlock):
            overflow = max(overflow, _draw_text(image, block, book, fallback, missing))
        elif isinstance(block, ImageBlock):
            _draw_logo(image, block)
        else:
            raise TypeError(f"overlay {overlay.id}: unknown block {type(block).__name__}")
    warnings += _glyph_warnings(overlay, fallback, missing)
    if overflow > 1:
        warnings.append(Issue(f"text runs {overflow} px past its planned box (the drawn text is wider than "
                              "the layout measured, e.g. because of fallback glyphs)",
                              path=_loc(overlay.loc) or f"overlay {overlay.id}", severity="warning",
                              code="text-overflow"))
    bbox = image.getbbox(alpha_only=True)
    if bbox is None:
        return None
    cropped = image.crop(bbox)
    digest = hashlib.sha256(cropped.tobytes()).hexdigest()
    return _Layer(cropped, bbox[0], bbox[1], f"{digest}:{cropped.width}x{cropped.height}")


def _draw_text(image: Image.Image, block: TextBlock, book: FontBook, fallback: dict[str, list[str]],
               missing: list[str]) -> int:
    """Draw the block; returns how many pixels the text ran past the right of its line boxes."""
    overflow = 0
    if block.backing is not None:
        _draw_backing(image, block)
    ascent, descent = book.face(block.font, block.size).getmetrics()
    # with an outline or a shadow the letters are drawn apart first: both are made from their shapes
    target = image if block.outline is None and block.shadow is None else Image.new("RGBA", image.size, (0, 0, 0, 0))
    # the paragraph's direction comes from the whole block, so every wrapped line runs the same way
    rtl = bidi.paragraph_rtl(" ".join(line.text for line in block.lines))
    for line in block.lines:
        if not line.runs:
            continue
        baseline = line.box.y + (line.box.h + ascent - descent) / 2
        text = line.text
        shaped = shape_line(book, text, block.font, block.size, rtl=rtl)
        missing += list(shaped.missing)
        for piece in book.pieces(text, block.font):
            if piece.font is not None and piece.font != block.font:
                fallback.setdefault(font_label(piece.font), []).extend(c for c in piece.text if not c.isspace())
        # one colour per character, from its run: a highlighted word is coloured wherever the line puts it
        colors = [_rgba(run.color) for run in line.runs for _ in run.text]
        x = float(line.runs[0].x)
        draw_shaped(target, shaped, book, block.font, block.size, (x, baseline), colors)
        overflow = max(overflow, round(x + shaped.width) - line.box.right)
    if target is not image:
        stroke_and_shadow(image, target, block)
    return overflow


def _draw_backing(image: Image.Image, block: TextBlock) -> None:
    """One rounded box per line, drawn as a single shape so overlaps are not darker."""
    s = _SUPERSAMPLE
    boxes = [ln.box for ln in block.lines]
    if not boxes:
        return
    x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
    w, h = max(b.right for b in boxes) - x0, max(b.bottom for b in boxes) - y0
    if w <= 0 or h <= 0:
        return
    mask = Image.new("L", (w * s, h * s), 0)
    draw = ImageDraw.Draw(mask)
    for b in boxes:
        draw.rounded_rectangle(((b.x - x0) * s, (b.y - y0) * s, (b.right - x0) * s - 1, (b.bottom - y0) * s - 1),
                               radius=max(0, block.radius) * s, fill=255)
    mask = mask.resize((w, h), Image.Resampling.BOX)
    r, g, b_, a = _rgba(block.backing or "#000000")
    layer = Image.new("RGBA", (w, h), (r, g, b_, 0))
    layer.putalpha(mask.point(lambda v: v * a // 255))
    _composite(image, layer, x0, y0)


def _draw_logo(image: Image.Image, block: ImageBlock) -> None:
    try:
        with Image.open(block.path) as opened:
            logo = ImageOps.exif_transpose(opened).convert("RGBA")
    except FileNotFoundError:
        raise AssetError(f"{block.path}: logo file not found") from None
    except (OSError, Image.DecompressionBombError) as exc:
        raise AssetError(f"{block.path}: cannot read the logo as an image ({exc})") from None
    if block.box.w <= 0 or block.box.h <= 0:
        return
    logo = ImageOps.contain(logo, (block.box.w, block.box.h), Image.Resampling.LANCZOS)
    if block.opacity < 1:
        alpha = logo.getchannel("A").point(lambda v: round(v * max(0.0, block.opacity)))
        logo.putalpha(alpha)
    x = block.box.x + (block.box.w - logo.width) // 2
    y = block.box.y + (block.box.h - logo.height) // 2
    _composite(image, logo, x, y)


# ------------------------------------------------------------------ helpers


def _rgba(color: str) -> tuple[int, int, int, int]:
    text = color.strip().lstrip("#")
    if len(text) == 6:
        text += "ff"
    if len(text) != 8:
        raise ValueError(f"not a #rrggbb or #rrggbbaa colour: {color!r}")
    value = int(text, 16)
    return (value >> 24) & 255, (value >> 16) & 255, (value >> 8) & 255, value & 255


def _glyph_warnings(overlay: Overlay, fallback: dict[str, list[str]], missing: list[str]) -> list[Issue]:
    where = _loc(overlay.loc) or f"overlay {overlay.id}"
    issues = [Issue(f"{_chars(chars)} not in the caption font; drawn with {font}", path=where,
                    severity="warning", code="glyph-fallback") for font, chars in sorted(fallback.items())]
    if missing:
        issues.append(Issue(f"{_chars(missing)} could not be drawn: no font has them (install "
                            "manimgx-fonts / manimgx-fonts-cjk, or change the text)",
                            path=where, severity="warning", code="glyph-missing"))
    return issues


def _chars(chars: Sequence[str]) -> str:
    unique = list(dict.fromkeys(chars))
    return ", ".join(f"{c!r} (U+{ord(c):04X})" for c in unique)


def _loc(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _disk_error(exc: OSError, workdir: Path) -> Exception:
    if exc.errno == errno.ENOSPC:
        return RenderError("raster", f"the disk holding {workdir} is full: free some space and render again")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return RenderError("raster", f"cannot write to {workdir}: {exc.strerror.lower()}")
    return RenderError("raster", f"cannot write overlay images to {workdir}: {exc.strerror or exc}")
