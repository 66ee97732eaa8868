"""Outline and drop shadow under a block's letters (the template's `captions.outline` and `.shadow`).

The letters are drawn first on a picture of their own; their coverage, grown by the outline's width
with a round brush (a disc, so corners stay round), is the outline, and that shape moved by the
shadow's offset is the shadow. Both come from the glyphs as drawn, so every script, fallback glyph
and emoji gets them. Under the letters: shadow, then outline, then the letters.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from toolkit.film.plan.timeline import TextBlock


def stroke_and_shadow(base: Image.Image, letters: Image.Image, block: TextBlock) -> None:
    """Composite `letters` (the block's glyphs on a transparent picture the size of `base`) onto
    `base`, with the block's outline and shadow under them."""
    box = letters.getbbox(alpha_only=True)
    if box is None:
        return
    width = block.outline[0] if block.outline else 0
    dx, dy = (block.shadow[0], block.shadow[1]) if block.shadow else (0, 0)
    margin = width + max(abs(dx), abs(dy)) + 1
    x0, y0 = box[0] - margin, box[1] - margin
    piece = letters.crop((x0, y0, box[2] + margin, box[3] + margin))  # zero beyond the picture's edges
    coverage = np.asarray(piece.getchannel("A"))
    body = _grow(coverage, width) if width else coverage
    out = Image.new("RGBA", piece.size, (0, 0, 0, 0))
    if block.shadow is not None:
        r, g, b, a = _rgba(block.shadow[2])
        shadow = (_moved(body, dx, dy).astype(np.uint16) * a // 255).astype(np.uint8)
        out.alpha_composite(_solid((r, g, b), shadow))
    if block.outline is not None:
        out.alpha_composite(_solid(_rgba(block.outline[1])[:3], body))
    out.alpha_composite(piece)
    _paste(base, out, x0, y0)


def _grow(coverage: np.ndarray, radius: int) -> np.ndarray:
    """The coverage grown by `radius` pixels: the largest value within a disc around each pixel."""
    h, w = coverage.shape
    padded = np.pad(coverage, radius)
    out = coverage.copy()
    reach = radius * radius + radius  # a disc that includes the axis points' neighbours, as a round pen does
    for oy in range(-radius, radius + 1):
        for ox in range(-radius, radius + 1):
            if ox * ox + oy * oy <= reach:
                np.maximum(out, padded[radius + oy:radius + oy + h, radius + ox:radius + ox + w], out=out)
    return out


def _moved(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """`mask` moved right by `dx` and down by `dy` (what leaves the array is lost; the margin keeps it in)."""
    h, w = mask.shape
    out = np.zeros_like(mask)
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = mask[max(-dy, 0):h - max(dy, 0),
                                                                       max(-dx, 0):w - max(dx, 0)]
    return out


def _solid(rgb: tuple[int, ...], alpha: np.ndarray) -> Image.Image:
    layer = Image.new("RGBA", (alpha.shape[1], alpha.shape[0]), (*rgb[:3], 0))
    layer.putalpha(Image.fromarray(np.ascontiguousarray(alpha, dtype=np.uint8)))
    return layer


def _rgba(color: str) -> tuple[int, int, int, int]:
    text = color.strip().lstrip("#")
    text += "ff" if len(text) == 6 else ""
    value = int(text, 16)
    return (value >> 24) & 255, (value >> 16) & 255, (value >> 8) & 255, value & 255


def _paste(base: Image.Image, picture: Image.Image, x: int, y: int) -> None:
    left, top = max(0, -x), max(0, -y)
    right, bottom = min(picture.width, base.width - x), min(picture.height, base.height - y)
    if right > left and bottom > top:
        base.alpha_composite(picture, dest=(x + left, y + top), source=(left, top, right, bottom))
