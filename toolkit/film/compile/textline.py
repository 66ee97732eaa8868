"""Text lines laid out by Reel: any script, in visual order, with colour emoji.

Pillow's own layout orders and shapes text only through raqm, which loads the system
libfribidi at run time (without it Pillow draws Arabic unjoined and reversed, Devanagari
unshaped, and Latin without its kerning, 1.7 % wider: different line breaks on another machine),
and it lays out one font run at a time, so a line mixing Arabic words with a number drawn from
another font came out in logical order. So every line is laid out here with libraries that are
inside their wheels, and a film draws the same on every machine:

1. each character gets its font (`FontBook.pieces`: the block's font, else the fallback chain);
2. python-bidi gives each character its embedding level (`compile.bidi`), with the block's
   paragraph direction;
3. the line is cut into items of one level and one font, each shaped by HarfBuzz (uharfbuzz) in
   its own direction with the whole line as context (kerning and ligatures, Arabic joining, Indic
   conjuncts and reordered vowel signs, marks on their base, emoji ZWJ sequences, skin tones and
   flags as one glyph);
4. the items are placed in visual order (UAX #9 rule L2) and every glyph is drawn by FreeType
   (freetype-py) at HarfBuzz's position, colour fonts (COLR) in their own colours.

Widths measured here (`text_width`) are what the planner wraps with, so the drawn line matches
the planned one; they equal Pillow's raqm widths (same HarfBuzz advances), so line breaks are
the ones films had on a machine with libfribidi.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import freetype
import uharfbuzz as hb
from PIL import Image, ImageChops, ImageColor, ImageDraw

from toolkit.film.compile import bidi
from toolkit.film.compile.fonts import FontBook, default_fallbacks

__all__ = ["Glyph", "ShapedLine", "draw_line", "draw_shaped", "shape_line", "text_width"]

_LOAD = freetype.FT_LOAD_DEFAULT | freetype.FT_LOAD_NO_BITMAP
_LOAD_COLOR = freetype.FT_LOAD_DEFAULT | freetype.FT_LOAD_COLOR


@dataclass(frozen=True, slots=True)
class Glyph:
    """One positioned glyph: `x` from the line's start and `y` up from the baseline, in pixels."""

    font: Path
    gid: int
    x: float
    y: float
    cluster: int  # index of the first character of the line it comes from
    advance: float = 0.0  # how far it moves the pen


@dataclass(frozen=True, slots=True)
class ShapedLine:
    """A line in visual order: its glyphs, its advance width and the characters no font has."""

    glyphs: tuple[Glyph, ...]
    width: float
    missing: tuple[str, ...]


def text_width(book: FontBook, text: str, font: Path, size: int) -> float:
    """Advance width of `text` as the rasteriser will draw it (fallbacks included), in pixels.

    The planner measures with this (`pipeline.FontMeasurer`), so line breaks match what is drawn.
    """
    return shape_line(book, text, font, size).width


def shape_line(book: FontBook, text: str, primary: Path, size: int, *, rtl: bool | None = None) -> ShapedLine:
    """Lay out one line of `text` (logical order) with `primary` and its fallbacks at `size` pixels.

    `rtl` is the paragraph direction (None: from this line's first strong character). Results are
    kept in the book: the planner measures the same candidate lines many times while wrapping.
    """
    key = ("line", text, primary, size, rtl)
    if key not in book.native:
        book.native[key] = _shape(book, text, primary, size, rtl)
    return book.native[key]


def _shape(book: FontBook, text: str, primary: Path, size: int, rtl: bool | None) -> ShapedLine:
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    if not text:
        return ShapedLine((), 0.0, ())
    fonts: list[Path | None] = []
    for piece in book.pieces(text, primary):
        fonts += [piece.font] * len(piece.text)
    rtl = bidi.paragraph_rtl(text) if rtl is None else rtl
    levels = bidi.levels(text, rtl)
    position = {index: rank for rank, index in enumerate(bidi.visual_order(text, rtl))}
    items: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or (levels[i], fonts[i]) != (levels[start], fonts[start]):
            items.append((start, i))
            start = i
    # items are contiguous in display order: sort by where any of their characters is displayed
    items.sort(key=lambda item: min((position[i] for i in range(*item) if i in position), default=item[0]))
    codepoints = [ord(c) for c in text]
    glyphs: list[Glyph] = []
    missing: list[str] = []
    pen = 0.0
    for start, end in items:
        font = fonts[start]
        if font is None:
            missing += [c for c in text[start:end] if not c.isspace()]
            continue
        hb_font = _hb_font(book, font, primary, size)
        buffer = hb.Buffer()
        buffer.add_codepoints(codepoints, start, end - start)
        buffer.direction = "rtl" if levels[start] % 2 else "ltr"
        buffer.guess_segment_properties()
        hb.shape(hb_font, buffer)
        for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True):
            glyphs.append(Glyph(font, info.codepoint, pen + pos.x_offset / 64, pos.y_offset / 64, info.cluster,
                                pos.x_advance / 64))
            pen += pos.x_advance / 64
    return ShapedLine(tuple(glyphs), pen, tuple(missing))


def draw_shaped(image: Image.Image, line: ShapedLine, book: FontBook, primary: Path, size: int,
                origin: tuple[float, float], colors: list[tuple[int, int, int, int]]) -> None:
    """Draw `line` on `image` with its start at `origin` (x, baseline y).

    `colors[i]` is the colour of the line's character i (a highlighted word has its own); a glyph
    takes the colour of its cluster's first character. Colour-font glyphs keep their own colours,
    with the text colour's opacity.
    """
    inked: dict[tuple[int, int, int, int], list[tuple[Image.Image, int, int]]] = {}
    pictures: list[tuple[Image.Image, int, int]] = []
    for glyph in line.glyphs:
        rendered = _glyph_image(book, glyph, primary, size)
        if rendered is None:
            continue
        picture, left, top = rendered
        x, y = round(origin[0] + glyph.x) + left, round(origin[1] - glyph.y) - top
        fill = colors[min(glyph.cluster, len(colors) - 1)]
        if fill[3] == 0:
            continue  # a clear colour draws nothing: a word not shown yet keeps its place in the line
        if picture.mode == "RGBA":  # a colour glyph: its own colours, at the text's opacity
            if fill[3] < 255:
                picture = picture.copy()
                picture.putalpha(picture.getchannel("A").point(lambda v, a=fill[3]: v * a // 255))
            pictures.append((picture, x, y))
        else:
            inked.setdefault(fill, []).append((picture, x, y))
    draw = ImageDraw.Draw(image)
    for fill, glyphs in inked.items():
        # one mask per colour over just the glyphs; where glyphs overlap (marks on their base,
        # joined letters) the coverage is the larger one, not the sum
        x0, y0 = min(x for _, x, _ in glyphs), min(y for _, _, y in glyphs)
        x1, y1 = max(x + m.width for m, x, _ in glyphs), max(y + m.height for m, _, y in glyphs)
        mask = Image.new("L", (x1 - x0, y1 - y0), 0)
        for glyph_mask, x, y in glyphs:
            region = (x - x0, y - y0, x - x0 + glyph_mask.width, y - y0 + glyph_mask.height)
            mask.paste(ImageChops.lighter(mask.crop(region), glyph_mask), region)
        draw.bitmap((x0, y0), mask, fill=fill)
    for picture, x, y in pictures:
        _paste(image, picture, x, y)


def _glyph_image(book: FontBook, glyph: Glyph, primary: Path, size: int) -> tuple[Image.Image, int, int] | None:
    """The glyph drawn by FreeType ("L" coverage, or "RGBA" for a colour glyph) and its bearings, once per book."""
    key = ("glyph", glyph.font, book.weight_for(glyph.font, primary), size, glyph.gid)
    if key not in book.native:
        face = _ft_face(book, glyph.font, primary, size)
        face.load_glyph(glyph.gid, _LOAD_COLOR if book.is_colour(glyph.font) else _LOAD)
        face.glyph.render(freetype.FT_RENDER_MODE_NORMAL)
        bitmap = face.glyph.bitmap
        rendered = None
        if bitmap.width and bitmap.rows:
            if bitmap.pixel_mode == freetype.FT_PIXEL_MODE_BGRA:
                picture = _unpremultiply(Image.frombuffer("RGBA", (bitmap.width, bitmap.rows), bytes(bitmap.buffer),
                                                          "raw", "BGRA", bitmap.pitch, 1))
            else:
                picture = Image.frombuffer("L", (bitmap.width, bitmap.rows), bytes(bitmap.buffer), "raw", "L",
                                           bitmap.pitch, 1)
            rendered = (picture, face.glyph.bitmap_left, face.glyph.bitmap_top)
        book.native[key] = rendered
    return book.native[key]


def _unpremultiply(picture: Image.Image) -> Image.Image:
    # FreeType's BGRA bitmaps are premultiplied by alpha; Pillow's RGBA is not
    rgba = picture.convert("RGBa")
    return rgba.convert("RGBA")


def _paste(base: Image.Image, picture: Image.Image, x: int, y: int) -> None:
    left, top = max(0, -x), max(0, -y)
    right, bottom = min(picture.width, base.width - x), min(picture.height, base.height - y)
    if right > left and bottom > top:
        base.alpha_composite(picture, dest=(x + left, y + top), source=(left, top, right, bottom))


def _hb_font(book: FontBook, path: Path, primary: Path, size: int) -> hb.Font:
    key = ("hb", path, book.weight_for(path, primary), size)
    if key not in book.native:
        font = hb.Font(hb.Face(book.data(path)))
        font.scale = (size * 64, size * 64)
        weight = book.weight_for(path, primary)
        if weight is not None:
            font.set_variations({"wght": weight})
        book.native[key] = font
    return book.native[key]


def _ft_face(book: FontBook, path: Path, primary: Path, size: int) -> freetype.Face:
    key = ("ft", path, book.weight_for(path, primary), size)
    if key not in book.native:
        face = freetype.Face(str(path))
        face.set_char_size(size * 64)
        weight = book.weight_for(path, primary)
        if weight is not None:
            axes = face.get_variation_info().axes
            face.set_var_design_coords(tuple(weight if a.tag == "wght" else a.default for a in axes))
        book.native[key] = face
    return book.native[key]


def draw_line(image: Image.Image, xy: tuple[float, float], text: str, font: Path, size: int,
              fill: str | tuple[int, ...], book: FontBook | None = None) -> float:
    """Draw one line of any script with its top-left at `xy` (like Pillow's `draw.text`); returns its width.

    For headers and labels outside the film (the contact sheet): the same layout as captions,
    fallback fonts, bidi, shaping and colour emoji included.
    """
    book = FontBook(default_fallbacks()) if book is None else book
    fill = ImageColor.getrgb(fill) if isinstance(fill, str) else fill
    rgba = (*fill[:3], fill[3] if len(fill) > 3 else 255)
    ascent, descent = book.face(font, size).getmetrics()
    line = shape_line(book, text, font, size)
    # drawn on a picture the size of the line (a margin of one em for overhangs), then placed
    pad = size
    target = Image.new("RGBA", (int(line.width) + 2 * pad, ascent + descent + 2 * pad), (0, 0, 0, 0))
    draw_shaped(target, line, book, font, size, (pad, pad + ascent), [rgba] * max(1, len(text)))
    x, y = round(xy[0]) - pad, round(xy[1]) - pad
    if image.mode == "RGBA":
        _paste(image, target, x, y)
    else:
        image.paste(target.convert(image.mode), (x, y), target)
    return line.width
