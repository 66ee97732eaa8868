"""Draw the logo of the fictional charity brand "Harbour" (templates/harbour/logo.png) with Pillow.

The PNG is committed; run this again only to change the design:

    python scripts/make_brand_assets.py [--out templates/harbour/logo.png]

A sand-coloured roundel with a teal lighthouse, its beam, and two waves, on a transparent
background. Drawn 4x larger and reduced for smooth edges; no text, so it needs no font and
stays legible at the 150 px the template shows it at. The output is byte-for-byte the same on
every run (no timestamps in the PNG).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 320
SCALE = 4
SAND = (255, 200, 87, 255)
TEAL = (10, 54, 52, 255)
FOAM = (247, 236, 210, 255)


def draw_logo(size: int = SIZE) -> Image.Image:
    """The Harbour roundel as an RGBA image of `size`×`size` pixels."""
    s = size * SCALE
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)

    def p(x: float, y: float) -> tuple[float, float]:
        return x * s, y * s

    d.ellipse([p(0.02, 0.02), p(0.98, 0.98)], fill=TEAL)
    d.ellipse([p(0.07, 0.07), p(0.93, 0.93)], fill=SAND)
    # the beam, a pale wedge from the lantern towards the upper right
    d.polygon([p(0.52, 0.30), p(0.86, 0.16), p(0.90, 0.36)], fill=FOAM)
    # tower (a tapering trapezoid), gallery, lantern and roof
    d.polygon([p(0.42, 0.78), p(0.58, 0.78), p(0.545, 0.40), p(0.455, 0.40)], fill=TEAL)
    d.rectangle([p(0.425, 0.36), p(0.575, 0.40)], fill=TEAL)
    d.rectangle([p(0.465, 0.26), p(0.535, 0.36)], fill=FOAM, outline=TEAL, width=int(0.012 * s))
    d.polygon([p(0.44, 0.26), p(0.56, 0.26), p(0.50, 0.19)], fill=TEAL)
    # a stripe across the tower
    d.polygon([p(0.437, 0.58), p(0.563, 0.58), p(0.557, 0.52), p(0.443, 0.52)], fill=FOAM)
    # two waves
    for y, width in ((0.78, 0.05), (0.86, 0.04)):
        for k in range(5):
            x0 = 0.12 + k * 0.16
            d.arc([p(x0, y - 0.05), p(x0 + 0.16, y + 0.05)], start=200, end=340, fill=TEAL, width=int(width * s))
    # keep everything inside the roundel
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).ellipse([p(0.02, 0.02), p(0.98, 0.98)], fill=255)
    img.putalpha(Image.composite(img.getchannel("A"), mask, mask))
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    """Write the logo PNG (default: templates/harbour/logo.png next to this script's repository)."""
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=root / "templates" / "harbour" / "logo.png")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    draw_logo().save(args.out, optimize=True)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
