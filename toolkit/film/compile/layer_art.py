"""What a layer needs drawn once, before ffmpeg runs: its corner mask, its border, or its whole still.

A layer's rounded corners, border and opacity never change from frame to frame, so they are
drawn here with Pillow (4× supersampled, like the caption backings) into small PNGs in the raster
workdir, and the compiler (`layers.py`) lays them on with one cheap filter each: `alphamerge` of
the grey **mask** (the rounded shape × opacity) and `overlay` of the RGBA **ring** (the border).
Nothing is computed per pixel per frame in an expression (as a `geq` corner mask would be).

A still picture (`ImageSource` fitted `cover` or `contain`) is drawn here whole: fitted to its
rectangle, bordered, its own alpha multiplied by the corner mask and the opacity, so a sticker
keeps its transparency and the render only repeats one RGBA frame.

`picture_rect` is where a layer's picture sits on the canvas: its box (on even pixels), or for
`contain` the largest rectangle of the source's shape centred in the box (the rest of the box shows what is
under the layer; the corners and border follow the picture, not the empty box).

Names are content hashes (geometry, colours, and for stills the image file's bytes), so an
unchanged film rewrites nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image, ImageChops, ImageDraw, ImageOps

from toolkit.atomic import replacing
from toolkit.errors import AssetError
from toolkit.film.plan.timeline import ImageSource, Layer, VideoSource
from toolkit.geometry import Box

# Bump when drawing changes in a way that should invalidate cached images.
ART_VERSION = "1"
_SUPERSAMPLE = 4


@dataclass(frozen=True, slots=True)
class LayerArt:
    """The drawn parts of one layer (each None when the layer does not need it).

    `picture`: the whole still (RGBA, `picture_rect` size), for still images fitted cover/contain.
    `mask`: grey (L) corner shape × opacity, `picture_rect` size, for every other source.
    `ring`: the border (RGBA, `picture_rect` size), for every other source.
    """

    picture: Path | None = None
    mask: Path | None = None
    ring: Path | None = None


def bakes_picture(layer: Layer) -> bool:
    """True when the layer is a still image drawn whole here (alpha, corners, border, opacity)."""
    return isinstance(layer.source, ImageSource) and layer.fit in ("cover", "contain")


def picture_rect(layer: Layer) -> Box:
    """Where the layer's picture sits on the canvas (output pixels), before any motion."""
    box = _even(layer.box)
    src = layer.source
    if layer.fit != "contain" or not isinstance(src, VideoSource | ImageSource) or src.width <= 0 or src.height <= 0:
        return box
    # The largest rectangle of the source's shape inside the box, even-sized for 4:2:0 chroma.
    if src.width * box.h >= src.height * box.w:
        w, h = box.w, round(box.w * src.height / src.width)
    else:
        w, h = round(box.h * src.width / src.height), box.h
    w, h = max(2, min(box.w, w - w % 2)), max(2, min(box.h, h - h % 2))
    return _even(Box(box.x + (box.w - w) // 2, box.y + (box.h - h) // 2, w, h))


def _even(box: Box) -> Box:
    """The box on even pixels: 4:2:0 frames have even sizes (a crop to 533 rows gives 532) and chroma
    covers 2×2 pixels, so an odd edge would smear colour by one pixel."""
    x, y = box.x - box.x % 2, box.y - box.y % 2
    return Box(x, y, max(2, box.w - box.w % 2), max(2, box.h - box.h % 2))


def draw_layer_art(layers: tuple[Layer, ...], workdir: Path) -> tuple[LayerArt, ...]:
    """Draw what each layer needs into `workdir` (one `LayerArt` per layer, in order)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return tuple(_art(layer, workdir) for layer in layers)


def _art(layer: Layer, workdir: Path) -> LayerArt:
    rect = picture_rect(layer)
    if bakes_picture(layer):
        assert isinstance(layer.source, ImageSource)
        return LayerArt(picture=_still(layer, layer.source, rect, workdir))
    mask = None
    if layer.radius > 0 or layer.opacity < 1:
        mask = _cached(workdir, "layer-mask", f"{rect.w}x{rect.h} r{layer.radius} o{layer.opacity!r}",
                       lambda: _shape(rect.w, rect.h, layer.radius, layer.opacity))
    ring = None
    if layer.border > 0:
        ring = _cached(workdir, "layer-ring", f"{rect.w}x{rect.h} r{layer.radius} b{layer.border} "
                       f"{layer.border_color}", lambda: _ring(rect.w, rect.h, layer.radius, layer.border,
                                                              layer.border_color))
    return LayerArt(mask=mask, ring=ring)


def _still(layer: Layer, src: ImageSource, rect: Box, workdir: Path) -> Path:
    try:
        data = src.path.read_bytes()
    except FileNotFoundError:
        raise AssetError(f"{src.path}: layer picture not found") from None
    except OSError as exc:
        raise AssetError(f"{src.path}: cannot read the layer picture ({exc.strerror or exc})") from None
    key = (f"{hashlib.sha256(data).hexdigest()} {rect.w}x{rect.h} {layer.fit} r{layer.radius} "
           f"o{layer.opacity!r} b{layer.border} {layer.border_color}")

    def draw() -> Image.Image:
        try:
            with Image.open(src.path) as opened:
                image = ImageOps.exif_transpose(opened).convert("RGBA")
        except (OSError, Image.DecompressionBombError) as exc:
            raise AssetError(f"{src.path}: cannot read the layer picture as an image ({exc})") from None
        if layer.fit == "cover":
            image = ImageOps.fit(image, (rect.w, rect.h), Image.Resampling.LANCZOS)
        else:
            image = image.resize((rect.w, rect.h), Image.Resampling.LANCZOS)
        if layer.border > 0:
            image.alpha_composite(_ring(rect.w, rect.h, layer.radius, layer.border, layer.border_color))
        if layer.radius > 0 or layer.opacity < 1:
            image.putalpha(ImageChops.multiply(image.getchannel("A"),
                                               _shape(rect.w, rect.h, layer.radius, layer.opacity)))
        return image

    return _cached(workdir, "layer-still", key, draw)


def _cached(workdir: Path, prefix: str, key: str, draw: Callable[[], Image.Image]) -> Path:
    digest = hashlib.sha256(f"reel-layer-art {ART_VERSION} {PIL.__version__} {key}".encode()).hexdigest()[:20]
    path = workdir / f"{prefix}-{digest}.png"
    if not path.exists():
        image = draw()
        with replacing(path) as tmp:
            image.save(tmp, "PNG", compress_level=1)
    return path


def _rounded(w: int, h: int, radius: int, inset: int = 0) -> Image.Image:
    """A supersampled L image of (w, h) × 4 with a filled rounded rectangle inset by `inset` px."""
    s = _SUPERSAMPLE
    shape = Image.new("L", (w * s, h * s), 0)
    if w - 2 * inset > 0 and h - 2 * inset > 0:
        ImageDraw.Draw(shape).rounded_rectangle(
            (inset * s, inset * s, (w - inset) * s - 1, (h - inset) * s - 1),
            radius=max(0, radius - inset) * s, fill=255)
    return shape


def _shape(w: int, h: int, radius: int, opacity: float) -> Image.Image:
    """The grey mask: 255 × opacity inside the rounded rectangle, 0 outside, anti-aliased."""
    mask = _rounded(w, h, radius).resize((w, h), Image.Resampling.BOX)
    level = max(0.0, min(1.0, opacity))
    return mask if level >= 1 else mask.point(lambda v: round(v * level))


def _ring(w: int, h: int, radius: int, border: int, color: str) -> Image.Image:
    """The border: `border` px inside the rounded edge (inner radius `radius - border`), in `color`."""
    band = ImageChops.subtract(_rounded(w, h, radius), _rounded(w, h, radius, border))
    band = band.resize((w, h), Image.Resampling.BOX)
    r, g, b, a = _rgba(color)
    ring = Image.new("RGBA", (w, h), (r, g, b, 0))
    ring.putalpha(band.point(lambda v: v * a // 255))
    return ring


def _rgba(color: str) -> tuple[int, int, int, int]:
    text = color.strip().lstrip("#")
    if len(text) == 6:
        text += "ff"
    if len(text) != 8 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise ValueError(f"not a #rrggbb or #rrggbbaa colour: {color!r}")
    value = int(text, 16)
    return (value >> 24) & 255, (value >> 16) & 255, (value >> 8) & 255, value & 255
