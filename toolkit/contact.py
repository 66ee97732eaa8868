"""Contact sheets: labelled pictures in a grid, with the platform safe zone outlined on each.

One way of laying pictures out for review, shared by `reel sheet` (a thumbnail per segment of
a film) and `reel templates preview` (a panel per moment of a template's sample film).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from toolkit.geometry import Box

Fill = str | tuple[int, ...]
# draws one line of text with its top-left at (x, y): Pillow's by default; `reel sheet` passes the
# film's own text layout, so names in any script or with emoji draw as they do in captions
TextDrawer = Callable[[Image.Image, tuple[int, int], str, ImageFont.FreeTypeFont, Fill], object]


@dataclass(frozen=True)
class Tile:
    """One picture on a sheet and the lines under it (the first is its name)."""

    image: Image.Image
    lines: tuple[str, ...]


def outline_safe_zone(image: Image.Image, box: Box, *, dash: int = 8, width: int = 2) -> None:
    """Draw `box` (in `image`'s pixels) as a black-and-white dashed outline, visible on any picture."""
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = box.x, box.y, box.right - 1, box.bottom - 1
    edges = [((x, y0), (min(x + dash, x1), y0)) for x in range(x0, x1, dash)]
    edges += [((x, y1), (min(x + dash, x1), y1)) for x in range(x0, x1, dash)]
    edges += [((x0, y), (x0, min(y + dash, y1))) for y in range(y0, y1, dash)]
    edges += [((x1, y), (x1, min(y + dash, y1))) for y in range(y0, y1, dash)]
    for k, (a, b) in enumerate(edges):
        draw.line([a, b], fill="#ffffff" if k % 2 else "#000000", width=width)


def draw_grid(sheet: Image.Image, tiles: Sequence[Tile], *, left: int, top: int, columns: int, gap: int,
              label_height: int, fonts: Sequence[ImageFont.FreeTypeFont], fills: Sequence[Fill],
              line_offsets: Sequence[int], frame: Fill | None = None, text: TextDrawer | None = None) -> int:
    """Place `tiles` on `sheet` in rows of `columns`, each picture's lines under it; returns the y below.

    All pictures are the size of the first. Columns are `gap` apart; rows are a picture and
    `label_height` apart. Line k of a tile is drawn `line_offsets[k]` below its picture in
    `fonts[k]` and `fills[k]`; `frame` draws a one-pixel border around each picture; `text`
    replaces Pillow's `draw.text` for the lines.
    """
    if not tiles:
        return top
    width, height = tiles[0].image.size
    draw = ImageDraw.Draw(sheet)
    for i, tile in enumerate(tiles):
        x = left + (i % columns) * (width + gap)
        y = top + (i // columns) * (height + label_height)
        if tile.image.mode == "RGBA":
            sheet.paste(tile.image, (x, y), tile.image)
        else:
            sheet.paste(tile.image, (x, y))
        if frame is not None:
            draw.rectangle([x - 1, y - 1, x + width, y + height], outline=frame)
        for line, font, fill, offset in zip(tile.lines, fonts, fills, line_offsets, strict=False):
            if text is None:
                draw.text((x, y + height + offset), line, font=font, fill=fill)
            else:
                text(sheet, (x, y + height + offset), line, font, fill)
    rows = -(-len(tiles) // columns)
    return top + rows * (height + label_height)
