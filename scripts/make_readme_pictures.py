"""Regenerate the README's pictures of the layer recipes (docs/layer-recipes.jpg).

    python scripts/make_readme_pictures.py

Each picture is `reel still --draft` of `storyboards/loneliness-layers-and-sound.yaml` at a moment
that shows one recipe: a B-roll cutaway over a talking head, a message sliding in with a sticker,
picture-in-picture (with the progress bar along the bottom of every frame).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
STORYBOARD = ROOT / "storyboards" / "loneliness-layers-and-sound.yaml"
OUT = ROOT / "docs" / "layer-recipes.jpg"
MOMENTS = (("3.2s", "B-roll cutaway"), ("8.5s", "message + sticker"), ("15.5s", "picture-in-picture"))
TILE = (270, 480)


def main() -> None:
    from toolkit.film.template.loader import resolve_font

    font = ImageFont.truetype(str(resolve_font("atkinson-hyperlegible:bold")), 18)
    sheet = Image.new("RGB", (len(MOMENTS) * (TILE[0] + 10) - 10, TILE[1] + 30), "white")
    draw = ImageDraw.Draw(sheet)
    with tempfile.TemporaryDirectory() as tmp:
        for i, (at, label) in enumerate(MOMENTS):
            still = Path(tmp) / f"{i}.png"
            subprocess.run([sys.executable, "-m", "toolkit", "still", str(STORYBOARD), "--draft", "--at", at,
                            "-o", str(still)], check=True)
            tile = Image.open(still).convert("RGB").resize(TILE, Image.Resampling.LANCZOS)
            x = i * (TILE[0] + 10)
            sheet.paste(tile, (x, 30))
            draw.text((x + TILE[0] // 2, 15), label, font=font, fill="#1d3557", anchor="mm")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(OUT, quality=82, optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
