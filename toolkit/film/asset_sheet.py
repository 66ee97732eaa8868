"""What each library asset is (size, length) and a contact sheet of them, for `reel assets`.

Pictures are drawn on a checkerboard so their transparency shows; sounds as a waveform (the
loudest sample of each column, both ways), each tile with its name and measure under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from toolkit.contact import Tile, draw_grid
from toolkit.errors import AssetError, ProbeError
from toolkit.film.assets import Asset, check_file

TILE = 200
COLUMNS = 5
_PAD, _HEAD, _LABEL = 16, 56, 44
_PAPER, _INK, _GREY = (244, 243, 239), (27, 27, 27), (85, 88, 92)
_CHECKS = ((214, 214, 214), (246, 246, 246))
_WAVE = (42, 157, 143)


@dataclass(frozen=True, slots=True)
class Measured:
    """An asset with its measure: a picture's `width`×`height` px, or a sound's `seconds`."""

    asset: Asset
    width: int | None = None
    height: int | None = None
    seconds: float | None = None

    @property
    def measure(self) -> str:
        """`256×256 px` or `0.70 s`."""
        return f"{self.seconds:.2f} s" if self.seconds is not None else f"{self.width}×{self.height} px"


def measure(asset: Asset) -> Measured:
    """Read `asset`'s size or length from its file. Raises `AssetError` naming it when the file is
    missing or cannot be read as its kind."""
    check_file(asset)
    try:
        if asset.kind == "sound":
            from toolkit.media.probe import probe

            return Measured(asset, seconds=probe(asset.path).duration)
        with Image.open(asset.path) as im:
            return Measured(asset, width=im.width, height=im.height)
    except (OSError, ProbeError) as exc:
        raise AssetError(f"asset `{asset.name}`: {asset.path} cannot be read as a "
                         f"{'sound' if asset.kind == 'sound' else 'picture'} ({exc})") from None


def asset_sheet(items: Sequence[Measured], output: Path, *, force: bool = False) -> Path:
    """Write a PNG contact sheet of `items` to `output` (atomically; refuses to replace an
    existing file unless `force`). Raises `AssetError` when a file cannot be read."""
    from toolkit.film.run.runner import atomic_output

    pictures = [m for m in items if m.asset.kind != "sound"]
    sounds = [m for m in items if m.asset.kind == "sound"]
    fonts = (_font("bold", 15), _font("regular", 13))
    wave_h = TILE * 2 // 5
    picture_tiles = [Tile(_on_checks(m.asset.path), (m.asset.name, f"{m.asset.kind} · {m.measure}"))
                     for m in pictures]
    sound_tiles = [Tile(_waveform(m.asset.path, TILE, wave_h), (m.asset.name, f"sound · {m.measure}"))
                   for m in sounds]
    rows = -(-len(picture_tiles) // COLUMNS), -(-len(sound_tiles) // COLUMNS)
    height = _HEAD + rows[0] * (TILE + _LABEL + _PAD) + (40 + rows[1] * (wave_h + _LABEL + _PAD) if sounds else 0)
    sheet = Image.new("RGB", (_PAD + COLUMNS * (TILE + _PAD), max(height, _HEAD + _PAD)), _PAPER)
    draw = ImageDraw.Draw(sheet)
    draw.text((_PAD, 14), f"Reel asset library: {len(items)} asset{'s' if len(items) != 1 else ''} "
                          "(checkerboard: transparent)", fill=_INK, font=_font("bold", 20))
    grid = {"columns": COLUMNS, "gap": _PAD, "label_height": _LABEL + _PAD, "fonts": fonts,
            "fills": (_INK, _GREY), "line_offsets": (4, 24)}
    y = draw_grid(sheet, picture_tiles, left=_PAD, top=_HEAD, **grid)
    if sounds:
        draw.text((_PAD, y + 4), "Sounds", fill=_INK, font=_font("bold", 18))
        draw_grid(sheet, sound_tiles, left=_PAD, top=y + 40, frame=(200, 200, 200), **grid)
    with atomic_output(Path(output), force=force, inputs=[m.asset.path for m in items], kind="image") as temp:
        sheet.save(temp, format="PNG")
    return Path(output)


def _on_checks(path: Path) -> Image.Image:
    """The picture reduced to fit a tile, centred on a checkerboard."""
    tile = Image.new("RGBA", (TILE, TILE))
    draw = ImageDraw.Draw(tile)
    square = TILE // 20
    for y in range(0, TILE, square):
        for x in range(0, TILE, square):
            draw.rectangle([x, y, x + square - 1, y + square - 1], fill=_CHECKS[(x // square + y // square) % 2])
    with Image.open(path) as im:
        picture = im.convert("RGBA")
    picture.thumbnail((TILE - 16, TILE - 16), Image.Resampling.LANCZOS)
    tile.alpha_composite(picture, ((TILE - picture.width) // 2, (TILE - picture.height) // 2))
    return tile.convert("RGB")


def _waveform(path: Path, width: int, height: int) -> Image.Image:
    """The sound's outline: for each column, its loudest sample up and down from the middle line."""
    from toolkit.media.audio import decode_audio

    samples = decode_audio(path, max_seconds=60).samples
    mono = samples.mean(axis=1) if samples.size else np.zeros(1, dtype=np.float32)
    columns = np.array_split(mono, width) if mono.size >= width else [mono[i:i + 1] for i in range(mono.size)]
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    middle = height / 2
    draw.line([(0, middle), (width - 1, middle)], fill=(200, 200, 200))
    for x, part in enumerate(columns):
        if part.size:
            top, bottom = float(part.max()), float(part.min())
            draw.line([(x, middle - top * (middle - 2)), (x, middle - bottom * (middle - 2))], fill=_WAVE)
    return image


def _font(style: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from toolkit.film.template.loader import resolve_font

    try:
        return ImageFont.truetype(str(resolve_font(f"atkinson-hyperlegible:{style}")), size)
    except (FileNotFoundError, OSError):  # the font package is a dependency; never fail a preview for it
        return ImageFont.load_default(size)
