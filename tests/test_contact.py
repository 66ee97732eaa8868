"""toolkit.contact: the one contact-sheet layout (`reel sheet`, `reel templates preview`)."""

from __future__ import annotations

from PIL import Image, ImageFont

from toolkit.contact import Tile, draw_grid, outline_safe_zone
from toolkit.geometry import Box


def test_tiles_are_placed_in_rows_with_their_lines_under_them() -> None:
    sheet = Image.new("RGB", (200, 200), (255, 255, 255))
    tiles = [Tile(Image.new("RGB", (40, 60), colour), ("x",)) for colour in ("red", "green", "blue")]
    font = ImageFont.load_default()
    bottom = draw_grid(sheet, tiles, left=10, top=20, columns=2, gap=5, label_height=30, fonts=(font,),
                       fills=("black",), line_offsets=(4,), frame="#c9c7c0")
    assert bottom == 20 + 2 * (60 + 30)
    assert sheet.getpixel((10 + 20, 20 + 30)) == (255, 0, 0)  # first tile, top left
    assert sheet.getpixel((10 + 45 + 20, 20 + 30)) == (0, 128, 0)  # second, one column right
    assert sheet.getpixel((10 + 20, 20 + 90 + 30)) == (0, 0, 255)  # third, next row
    assert sheet.getpixel((9, 20 + 30)) == (0xc9, 0xc7, 0xc0)  # the frame
    label = sheet.crop((10, 20 + 60 + 4, 50, 20 + 60 + 20))
    assert label.convert("L").getextrema()[0] < 128  # the line under the first tile was drawn
    assert draw_grid(sheet, [], left=0, top=7, columns=3, gap=0, label_height=0, fonts=(), fills=(),
                     line_offsets=()) == 7


def test_the_safe_zone_is_dashed_black_and_white_on_its_edges_only() -> None:
    image = Image.new("RGB", (100, 100), (128, 128, 128))
    outline_safe_zone(image, Box(10, 20, 60, 50))
    top_edge = {image.getpixel((x, 20)) for x in range(10, 69)}
    assert top_edge == {(0, 0, 0), (255, 255, 255)}
    assert image.getpixel((40, 45)) == (128, 128, 128)  # inside untouched
    assert image.getpixel((5, 5)) == (128, 128, 128)  # outside untouched
