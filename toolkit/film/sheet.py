"""`reel sheet`: the whole film at a glance — one labelled thumbnail per segment, safe zone drawn."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from PIL import Image, ImageFont

from toolkit.contact import Tile, draw_grid, outline_safe_zone
from toolkit.film.compile.fonts import FontBook, default_fallbacks
from toolkit.film.compile.textline import draw_line
from toolkit.film.pipeline import Prepared
from toolkit.film.plan.timeline import ColorSource, Layer, PythonSource, Segment
from toolkit.film.render import render_frames
from toolkit.film.run.runner import atomic_output
from toolkit.settings import Settings

THUMB_WIDTH = 240
COLUMNS = 6
_PAPER, _INK = (244, 243, 239), (27, 27, 27)


def moment(prepared: Prepared, seg: Segment) -> int:
    """The frame that best shows a segment: the middle of its first caption, else its middle."""
    tl = prepared.timeline
    captions = sorted((o for o in tl.overlays if o.kind == "caption" and seg.start <= o.start < seg.end),
                      key=lambda o: o.start)
    if captions:
        first = captions[0]
        return first.start + first.length // 2
    return seg.start + seg.length // 2


def render_sheet(prepared: Prepared, output: Path, *, force: bool = False, settings: Settings | None = None,
                 allow_python: bool = False) -> Path:
    """Write a PNG contact sheet of `prepared` to `output` (atomically; python layers only with `allow_python`)."""
    tl = prepared.timeline
    frames = [moment(prepared, seg) for seg in tl.segments]
    font = _font(prepared, 15)
    small = _font(prepared, 13)
    thumb_h = THUMB_WIDTH * tl.canvas.height // tl.canvas.width
    cols = min(COLUMNS, len(frames))
    rows = -(-len(frames) // cols)
    pad, label_h, head = 16, 62, 56
    sheet = Image.new("RGB", (pad + cols * (THUMB_WIDTH + pad), head + rows * (thumb_h + label_h + pad)), _PAPER)
    # the title and the scene names may be in any script or have emoji: drawn like captions
    # (bidi, shaping, colour emoji), with one font book for the whole sheet
    book = FontBook(default_fallbacks())
    # the title is isolated (FSI…PDI, UAX #9) so an Arabic title does not pull the numbers after it
    draw_line(sheet, (pad, 14), f"\u2068{tl.title}\u2069 — {float(tl.duration):.1f}s, {len(tl.segments)} segments "
              "(dashed: the platform safe zone)", prepared.inputs.fonts.body, 20, _INK, book)
    fps, tiles = tl.canvas.fps, []
    with tempfile.TemporaryDirectory(prefix="reel-sheet-") as tmp:
        pngs = dict(zip(sorted(set(frames)), render_frames(prepared, frames, Path(tmp), settings,
                                                             allow_python=allow_python), strict=True))
        for i, (seg, frame) in enumerate(zip(tl.segments, frames, strict=True)):
            with Image.open(pngs[frame]) as im:
                thumb = im.convert("RGB").resize((THUMB_WIDTH, thumb_h), Image.Resampling.LANCZOS)
            outline_safe_zone(thumb, tl.canvas.safe.scaled(Fraction(THUMB_WIDTH, tl.canvas.width)))
            tr = "" if seg.transition_in.kind == "cut" else f" · {seg.transition_in.kind} in"
            tiles.append(Tile(thumb, (f"{i + 1}. \u2068{seg.name[:26]}\u2069",
                                      f"{_clock(seg.start / fps)}–{_clock(seg.end / fps)}{tr}",
                                      layers_line(tl.layers, seg))))
    grey = (85, 88, 92)
    draw_grid(sheet, tiles, left=pad, top=head, columns=cols, gap=pad, label_height=label_h + pad,
              fonts=(font, small, small), fills=(_INK, grey, grey), line_offsets=(4, 24, 42),
              text=lambda image, xy, line, face, fill: draw_line(image, xy, line, Path(face.path), face.size,
                                                                 fill, book))
    with atomic_output(Path(output), force=force, inputs=(), kind="image") as temp:
        sheet.save(temp, format="PNG")
    return Path(output)


def layers_line(layers: Sequence[Layer], seg: Segment, width: int = 34) -> str:
    """What the segment has over its picture, e.g. `+ street.mp4, heart.png` (empty without layers):
    a tile shows one moment, so a cutaway or sticker at another moment is named here."""
    names = [_layer_name(layer) for layer in layers if layer.start < seg.end and layer.end > seg.start]
    if not names:
        return ""
    line = "+ " + ", ".join(dict.fromkeys(names))
    return line if len(line) <= width else line[: width - 1] + "…"


def _layer_name(layer: Layer) -> str:
    source = layer.source
    path = getattr(source, "path", None)
    if isinstance(source, PythonSource):
        return f"{source.path.name}:{source.func}"
    if path is not None:
        return Path(path).name
    return "colour box" if isinstance(source, ColorSource) else "gradient box"


def _clock(seconds) -> str:
    seconds = float(seconds)
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def _font(prepared: Prepared, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(prepared.inputs.fonts.body), size)
