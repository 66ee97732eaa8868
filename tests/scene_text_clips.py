"""Clips for telling captions from text in the footage (issue 13 §2): a seeded factory.

Clean films carry captions inside the safe box over footage that itself holds text outside
it: a sign on a wall while the camera pans, a book cover held up and swaying, a phone screen
scrolling small text, T-shirt text on a swaying body, a poster in a locked-off shot. Defect
films put captions under the platform's buttons: boxed captions under the right-hand rail
(one per cue), outline-only captions under the description area, one caption under the rail
over still footage. Every clip is 540×960 at 25 fps, 6–9 s, drawn frame by frame with Pillow
and encoded with ffmpeg (`grade_clips.ClipMaker.frames`).

Words, sizes, positions and speeds come from the seed. `DEV_SEEDS` are the seeds the
thresholds of `toolkit.grade.text_kind` were tuned on; `HELD_OUT_SEEDS` were never looked at
while tuning.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from grade_clips import REF_W, ClipMaker, font
from PIL import Image, ImageDraw

SIZE = (540, 960)
FPS = 25
SCALE = SIZE[0] / REF_W
DEV_SEEDS = (1, 2)
HELD_OUT_SEEDS = (101, 102)
CLEAN = ("sign", "book", "phone", "tshirt", "poster")
DEFECT = ("rail", "outline", "still_rail")
KINDS = CLEAN + DEFECT

_WORDS = ["open", "daily", "coffee", "books", "market", "station", "exit", "garden", "north", "library", "sale",
          "fresh", "bakery", "music", "hall", "city", "park", "river", "school", "studio", "east", "west"]
_CAPTIONS = ["I kept it to myself", "for a long time.", "Then I told a friend", "and she listened.",
             "Talking helped me", "more than I thought.", "Some days are hard", "but I reach out now.",
             "It is okay to ask", "for help when you need it."]


@dataclass(frozen=True)
class Cue:
    """A caption from `start` to `end` s at reference (x, y) (x None: centred), boxed or outlined."""

    text: str
    start: float
    end: float
    y: int
    x: int | None = None
    style: str = "box"  # "box" (dark backing) or "outline" (white with a black outline)
    size: int = 60


def _texture(rng: random.Random, w: int, h: int) -> Image.Image:
    """Footage-like picture: smooth colour blobs and pebbles, so motion shows everywhere."""
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    small = nrng.integers(40, 200, size=(h // 40 + 2, w // 40 + 2, 3)).astype(np.uint8)
    image = Image.fromarray(small).resize((w, h), Image.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(w * h // 9000):
        x, y = rng.randrange(w), rng.randrange(h)
        shade = tuple(rng.randrange(60, 180) for _ in range(3))
        draw.ellipse((x, y, x + rng.randrange(10, 40), y + rng.randrange(5, 20)), fill=shade)
    return image


def _label(text: str, size: int, fg: str, bg: str, pad: int, *, bold: bool = True) -> Image.Image:
    """`text` on a plain `bg` panel (a sign, a cover, a print)."""
    f = font(max(8, size), bold)
    left, top, right, bottom = ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox((0, 0), text, font=f)
    panel = Image.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), bg)
    ImageDraw.Draw(panel).text((pad - left, pad - top), text, font=f, fill=fg)
    return panel


def _draw_cue(image: Image.Image, cue: Cue) -> None:
    draw = ImageDraw.Draw(image)
    f = font(round(cue.size * SCALE))
    left, top, right, bottom = draw.textbbox((0, 0), cue.text, font=f)
    x = (SIZE[0] - (right - left)) / 2 - left if cue.x is None else cue.x * SCALE
    y = cue.y * SCALE
    if cue.style == "box":
        pad = round(16 * SCALE)
        draw.rectangle((x + left - pad, y + top - pad, x + right + pad, y + bottom + pad), fill="#000000")
        draw.text((x, y), cue.text, font=f, fill="#ffffff")
    else:
        draw.text((x, y), cue.text, font=f, fill="#ffffff", stroke_width=3, stroke_fill="#000000")


SAFE_TEXT_W = 640  # reference px a caption line may span (the safe box is 768 wide; the backing box pads it)


def _width(text: str, size: int) -> int:
    """Width of `text` in reference px at reference `size` (drawn at SCALE)."""
    left, _, right, _ = ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox((0, 0), text, font=font(round(size * SCALE)))
    return round((right - left) / SCALE)


def _safe_cues(rng: random.Random, seconds: float, *, y: int | None = None) -> list[Cue]:
    """Boxed captions inside the safe box, a new one every 1.6–2.4 s."""
    start = rng.randrange(len(_CAPTIONS))
    cues, t, k = [], 0.3, 0
    y = y if y is not None else rng.randrange(960, 1100, 20)
    while t < seconds - 0.8:
        length = rng.uniform(1.6, 2.4)
        text, size = _CAPTIONS[(start + k) % len(_CAPTIONS)], rng.randrange(52, 66, 2)
        while _width(text, size) > SAFE_TEXT_W:  # a clean film's captions fit the safe box
            size -= 2
        cues.append(Cue(text, t, min(seconds, t + length), y, size=size))
        t += length
        k += 1
    return cues


class SceneTextClips(ClipMaker):
    """Makes the clips of this module into `folder`."""

    def make(self, kind: str, seed: int) -> Path:
        """The clip `kind` (one of `KINDS`) drawn from `seed`; named `{kind}-{seed}.mp4`."""
        rng = random.Random(f"{kind}:{seed}")
        seconds = rng.uniform(6.5, 8.5)
        frames = getattr(self, f"_{kind}")(rng, seconds)
        return self.frames(f"{kind}-{seed}.mp4", frames, SIZE, seconds, fps=FPS, lufs=None)

    # ------------------------------------------------------------------ clean films

    def _film(self, rng: random.Random, seconds: float, draw_scene, cues: list[Cue], *,
              pan: tuple[float, float] = (0.0, 0.0), still: bool = False) -> Iterator[np.ndarray]:
        """Frames: the texture (panned by `pan` px/s, or still), `draw_scene(image, t)`, then the cues."""
        w, h = SIZE
        margin = 200
        ground = _texture(rng, w + 2 * margin, h + 2 * margin)
        for i in range(round(seconds * FPS)):
            t = i / FPS
            ox = margin + (0 if still else pan[0] * t) - (0 if still else pan[0] * seconds / 2)
            oy = margin + (0 if still else pan[1] * t) - (0 if still else pan[1] * seconds / 2)
            image = ground.crop((round(ox), round(oy), round(ox) + w, round(oy) + h))
            draw_scene(image, t, (round(ox) - margin, round(oy) - margin))
            for cue in cues:
                if cue.start <= t < cue.end:
                    _draw_cue(image, cue)
            yield np.asarray(image.convert("RGB"))

    def _sign(self, rng: random.Random, seconds: float) -> Iterator[np.ndarray]:
        words = " ".join(rng.sample(_WORDS, 2)).upper()
        sign = _label(words, round(rng.randrange(48, 72, 4) * SCALE), "#111111", rng.choice(["#f4e04d", "#ffffff",
                      "#e76f51"]), 10)
        top = rng.choice([True, False])
        speed = rng.uniform(8, 20) * rng.choice([-1, 1])
        # on the wall: fixed in the footage, so it pans with it (top edge, or the right-hand edge)
        edge = (SIZE[0] - sign.width // 2 - rng.randrange(0, 20), rng.randrange(150, 500))
        at = (rng.randrange(40, 200), rng.randrange(30, 90)) if top else edge

        def scene(image: Image.Image, t: float, offset: tuple[int, int]) -> None:
            image.paste(sign, (at[0] - offset[0], at[1] - offset[1]), sign)
        pan = (speed, 0.0) if top else (0.0, speed)
        return self._film(rng, seconds, scene, _safe_cues(rng, seconds), pan=pan)

    def _book(self, rng: random.Random, seconds: float) -> Iterator[np.ndarray]:
        title = rng.choice(_WORDS).upper()
        cover = Image.new("RGBA", (rng.randrange(150, 190), rng.randrange(210, 250)), rng.choice(["#1d3557", "#6a040f",
                                                                                               "#2d6a4f"]))
        label = _label(title, rng.randrange(26, 34), "#ffffff", "#00000000", 4)
        cover.paste(label, ((cover.width - label.width) // 2, 24), label)
        amp, hz = rng.uniform(8, 18), rng.uniform(0.4, 0.8)
        base = (SIZE[0] - cover.width + rng.randrange(20, 60), rng.randrange(300, 420))

        def scene(image: Image.Image, t: float, offset: tuple[int, int]) -> None:
            angle = 4 * math.sin(2 * math.pi * hz * t)
            turned = cover.rotate(angle, expand=True, resample=Image.BICUBIC)
            image.paste(turned, (round(base[0] + amp * math.sin(2 * math.pi * hz * t)),
                                 round(base[1] + amp / 2 * math.cos(2 * math.pi * hz * t))), turned)
        return self._film(rng, seconds, scene, _safe_cues(rng, seconds), pan=(rng.uniform(-4, 4), 0.0))

    def _phone(self, rng: random.Random, seconds: float) -> Iterator[np.ndarray]:
        screen_w, screen_h = rng.randrange(200, 240), 250
        lines = [" ".join(rng.sample(_WORDS, 2)) for _ in range(14)]
        size, speed = rng.randrange(18, 22), rng.uniform(10, 18)
        left, top = rng.randrange(130, 200), rng.randrange(680, 700)
        f = font(size, False)

        def scene(image: Image.Image, t: float, offset: tuple[int, int]) -> None:
            screen = Image.new("RGB", (screen_w, screen_h), "#f8f8f8")
            draw = ImageDraw.Draw(screen)
            for k, line in enumerate(lines):
                draw.text((12, 10 + k * (size + 12) - speed * t), line, font=f, fill="#202020")
            phone = Image.new("RGB", (screen_w + 16, screen_h + 16), "#111111")
            phone.paste(screen, (8, 8))
            image.paste(phone, (left + round(3 * math.sin(t)), top))
        return self._film(rng, seconds, scene, _safe_cues(rng, seconds, y=rng.randrange(700, 900, 20)),
                          pan=(rng.uniform(-3, 3), rng.uniform(-3, 3)))

    def _tshirt(self, rng: random.Random, seconds: float) -> Iterator[np.ndarray]:
        words = rng.choice(["BE KIND", "TEAM RIVER", "NORTH PARK", "STAY WILD", "CITY RUN"])
        shirt = Image.new("RGBA", (rng.randrange(280, 330), 300), rng.choice(["#e63946", "#457b9d", "#2a9d8f"]))
        label = _label(words, rng.randrange(30, 38), "#ffffff", "#00000000", 4)
        shirt.paste(label, ((shirt.width - label.width) // 2, 50), label)
        amp, hz = rng.uniform(10, 22), rng.uniform(0.3, 0.6)
        base = ((SIZE[0] - shirt.width) // 2, rng.randrange(660, 690))

        def scene(image: Image.Image, t: float, offset: tuple[int, int]) -> None:
            angle = 3 * math.sin(2 * math.pi * hz * t + 1)
            turned = shirt.rotate(angle, expand=True, resample=Image.BICUBIC)
            image.paste(turned, (round(base[0] + amp * math.sin(2 * math.pi * hz * t)), base[1]), turned)
        return self._film(rng, seconds, scene, _safe_cues(rng, seconds, y=rng.randrange(700, 900, 20)),
                          pan=(rng.uniform(-3, 3), 0.0))

    def _poster(self, rng: random.Random, seconds: float) -> Iterator[np.ndarray]:
        words = " ".join(rng.sample(_WORDS, 2)).upper()
        poster = _label(words, rng.randrange(26, 34), "#ffffff", rng.choice(["#3a0ca3", "#9d0208", "#000000"]), 14)
        at = (SIZE[0] - poster.width - rng.randrange(0, 20), rng.randrange(30, 100))
        person = (rng.randrange(60, 200), 420)

        def scene(image: Image.Image, t: float, offset: tuple[int, int]) -> None:
            image.paste(poster, at)
            # someone walking about in the middle of a locked-off shot
            x = person[0] + 60 * math.sin(t)
            ImageDraw.Draw(image).ellipse((x, person[1], x + 90, person[1] + 220), fill="#5e548e")
        return self._film(rng, seconds, scene, _safe_cues(rng, seconds), still=True)

    # ------------------------------------------------------------------ defect films

    def _rail(self, rng: random.Random, seconds: float) -> Iterator[np.ndarray]:
        cues = [Cue(c.text, c.start, c.end, rng.randrange(700, 1100, 20), x=rng.randrange(520, 600, 10),
                    size=c.size) for c in _safe_cues(rng, seconds)]
        return self._film(rng, seconds, lambda *a: None, cues, pan=(rng.uniform(6, 14), rng.uniform(-4, 4)))

    def _outline(self, rng: random.Random, seconds: float) -> Iterator[np.ndarray]:
        y = rng.randrange(1400, 1560, 20)
        cues = [Cue(c.text, c.start, c.end, y, style="outline", size=c.size) for c in _safe_cues(rng, seconds)]
        return self._film(rng, seconds, lambda *a: None, cues, pan=(rng.uniform(-14, -6), 0.0))

    def _still_rail(self, rng: random.Random, seconds: float) -> Iterator[np.ndarray]:
        cues = _safe_cues(rng, seconds)
        k = rng.randrange(1, len(cues) - 1) if len(cues) > 2 else 0
        cues[k] = Cue(cues[k].text, cues[k].start, cues[k].end, rng.randrange(600, 1000, 20),
                      x=rng.randrange(540, 620, 10), size=cues[k].size)
        return self._film(rng, seconds, lambda *a: None, cues, still=True)


def expected(kind: str) -> str:
    """What captions-safe-zone should say of a clip of `kind`: "pass" (clean) or "fail" (defect)."""
    return "pass" if kind in CLEAN else "fail"
