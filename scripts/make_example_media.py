"""Regenerate the placeholder media the example storyboards use (storyboards/media/).

    python scripts/make_example_media.py

The outputs are committed (well under 2 MB in all) so the README's first command works on a
fresh clone; run this only to change them.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.media import synth

MEDIA = Path(__file__).resolve().parent.parent / "storyboards" / "media"


def _message(path: Path) -> None:
    """A phone-message screenshot stand-in: two chat bubbles on a transparent ground (layer recipes)."""
    from PIL import Image, ImageDraw, ImageFont

    from toolkit.film.template.loader import resolve_font

    image = Image.new("RGBA", (704, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(resolve_font("atkinson-hyperlegible:regular")), 38)
    draw.rounded_rectangle((0, 0, 560, 150), radius=36, fill=(241, 241, 244, 255))
    draw.text((32, 24), "Are you okay? I'm here\nif you want to talk.", font=font, fill=(29, 53, 87, 255))
    draw.rounded_rectangle((180, 200, 704, 330), radius=36, fill=(42, 157, 143, 255))
    draw.text((212, 226), "Thank you. Can we\ntalk tonight?", font=font, fill=(255, 255, 255, 255))
    image.save(path, optimize=True)


def main() -> None:
    MEDIA.mkdir(parents=True, exist_ok=True)
    # Landscape footage, as trainees usually have: shows off blur-fill.
    synth.footage(MEDIA / "street-landscape.mp4", seconds=8, width=640, height=360,
                  colors=("0x1d3557", "0x457b9d"))
    synth.footage(MEDIA / "window-portrait.mp4", seconds=8, width=360, height=640,
                  colors=("0x2a9d8f", "0xe9c46a"))
    synth.footage(MEDIA / "kitchen-landscape.mp4", seconds=8, width=640, height=360,
                  colors=("0x6d597a", "0xb56576"), sound=False)
    synth.still(MEDIA / "sunrise.jpg", width=720, height=960)
    _message(MEDIA / "message.png")
    synth.speech_tone(MEDIA / "voiceover.m4a", seconds=20)
    synth.music_bed(MEDIA / "music.m4a", seconds=12)
    total = sum(p.stat().st_size for p in MEDIA.iterdir())
    print(f"wrote {len(list(MEDIA.iterdir()))} files, {total / 1e6:.2f} MB, in {MEDIA}")


if __name__ == "__main__":
    main()
