"""Make Reel's asset library (assets/): stickers, lower-third graphics, frames and sound effects.

DUTY OF CARE, for everything this script draws or synthesises (read before adding an asset):
- Nothing flashes or blinks: every picture is a single still frame (no animated PNG or GIF), so
  an asset can never add a flash the film's flash gate has to catch.
- No imagery of self-harm, its methods or its means, and nothing that mimics injury (no red
  drips, cuts, pills, ropes, bridges, blades). Symbols of warmth and company only.
- A calm palette (navy, teal, sand, coral, off-white), and a navy outline around every sticker
  at ≥ 4.5:1 against its fill, so on light footage the outline reads and on dark footage the
  fill does (tests/test_assets.py checks it).
- No words on stickers: text in a film must go through the safe-messaging lint and the layout
  checks, which read the storyboard's text, not pixels of a picture. Panels for words
  (lower thirds) are drawn empty; the storyboard puts its text over them.
- Sounds are short, soft and never click: each starts and ends on silence with a raised-cosine
  fade, and is normalised to the same stated sample peak (PEAK_DBFS) so none startles.

Everything is original work of the Reel project, dedicated to the public domain (CC0-1.0; see
assets/LICENSE.md). The files are committed; run this again only to change the library:

    python scripts/make_assets.py [--out assets]

The output is the same on every run: pictures are drawn with Pillow (4× larger, then reduced
for smooth edges; PNG without timestamps), sounds are computed with numpy from fixed formulas
(the whoosh's noise from a fixed seed) and written as 16-bit mono WAV at 48 kHz by the
standard library, and the index is written in a fixed order.
"""

from __future__ import annotations

import argparse
import math
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from PIL import Image, ImageChops, ImageDraw, ImageFilter

SCALE = 4  # drawn this many times larger, then reduced
NAVY = (20, 33, 61, 255)
TEAL = (42, 157, 143, 255)
SAND = (233, 196, 106, 255)
CORAL = (231, 111, 81, 255)
AMBER = (252, 163, 17, 255)
PAPER = (248, 245, 239, 255)
RATE = 48_000
PEAK_DBFS = -3.0  # every sound's sample peak
LICENCE = "CC0-1.0"  # SPDX; assets/LICENSE.md says whose work it is


@dataclass(frozen=True)
class Item:
    """One asset: its index entry and how to make its file."""

    name: str
    kind: str
    file: str
    description: str
    make: Callable[[], Image.Image | np.ndarray]


# --- pictures -----------------------------------------------------------------------------

def _canvas(w: int, h: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("L", (w * SCALE, h * SCALE), 0)
    return img, ImageDraw.Draw(img)


def _finish(size: tuple[int, int], layers: list[tuple[Image.Image, tuple[int, ...]]]) -> Image.Image:
    """Stack (mask, colour) layers bottom first on a transparent canvas and reduce to `size`."""
    out = Image.new("RGBA", layers[0][0].size, (0, 0, 0, 0))
    for mask, colour in layers:
        out.paste(Image.new("RGBA", out.size, colour), (0, 0), mask)
    return out.resize(size, Image.Resampling.LANCZOS)


def _grow(mask: Image.Image, pixels: int) -> Image.Image:
    """`mask` widened by about `pixels` (at the drawing scale) all round: the outline's shape."""
    blurred = mask.filter(ImageFilter.GaussianBlur(pixels / 2))
    return blurred.point(lambda v: 255 if v > 6 else 0)


def _outlined(size: tuple[int, int], shape: Image.Image, fill: tuple[int, ...], line: int = 7,
              edge: tuple[int, ...] = NAVY, details: list[tuple[Image.Image, tuple[int, ...]]] | None = None
              ) -> Image.Image:
    return _finish(size, [(_grow(shape, line * SCALE), edge), (shape, fill), *(details or [])])


def _heart() -> Image.Image:
    img, d = _canvas(256, 256)
    s = 256 * SCALE
    pts = []
    for k in range(360):
        t = 2 * math.pi * k / 360
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        pts.append((s / 2 + x * s / 38, s * 0.44 - y * s / 38))
    d.polygon(pts, fill=255)
    shine, sd = _canvas(256, 256)
    sd.arc([s * 0.2, s * 0.2, s * 0.52, s * 0.58], start=195, end=255, fill=255, width=int(s * 0.04))
    return _outlined((256, 256), img, CORAL, details=[(shine, PAPER)])


def _star() -> Image.Image:
    img, d = _canvas(256, 256)
    s = 256 * SCALE
    pts = []
    for k in range(10):
        r = s * (0.44 if k % 2 == 0 else 0.19)
        a = -math.pi / 2 + k * math.pi / 5
        pts.append((s / 2 + r * math.cos(a), s * 0.53 + r * math.sin(a)))
    d.polygon(pts, fill=255)
    return _outlined((256, 256), img, SAND)


def _arrow() -> Image.Image:
    img, d = _canvas(320, 160)
    w, h = 320 * SCALE, 160 * SCALE
    d.rounded_rectangle([w * 0.06, h * 0.36, w * 0.62, h * 0.64], radius=h * 0.14, fill=255)
    d.polygon([(w * 0.55, h * 0.1), (w * 0.94, h * 0.5), (w * 0.55, h * 0.9)], fill=255)
    return _outlined((320, 160), img, TEAL)


def _turned(make: Callable[[], Image.Image], how: Image.Transpose) -> Callable[[], Image.Image]:
    return lambda: make().transpose(how)


def _bubble_shape(w: int, h: int, body: tuple[float, float, float, float], tail: list[tuple[float, float]],
                  radius: float) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img, d = _canvas(w, h)
    W, H = w * SCALE, h * SCALE
    d.rounded_rectangle([W * body[0], H * body[1], W * body[2], H * body[3]], radius=radius * SCALE, fill=255)
    d.polygon([(W * x, H * y) for x, y in tail], fill=255)
    return img, d


def _speech_bubble() -> Image.Image:
    img, _ = _bubble_shape(320, 256, (0.05, 0.05, 0.95, 0.72), [(0.2, 0.6), (0.42, 0.7), (0.14, 0.93)], 48)
    return _outlined((320, 256), img, PAPER)


def _typing_bubble() -> Image.Image:
    img, _ = _bubble_shape(320, 256, (0.05, 0.05, 0.95, 0.72), [(0.2, 0.6), (0.42, 0.7), (0.14, 0.93)], 48)
    dots, dd = _canvas(320, 256)
    W, H = 320 * SCALE, 256 * SCALE
    for cx in (0.32, 0.5, 0.68):
        dd.ellipse([W * cx - 22 * SCALE, H * 0.385 - 22 * SCALE, W * cx + 22 * SCALE, H * 0.385 + 22 * SCALE],
                   fill=255)
    return _outlined((320, 256), img, PAPER, details=[(dots, NAVY)])


def _thought_bubble() -> Image.Image:
    img, d = _canvas(320, 256)
    W, H = 320 * SCALE, 256 * SCALE
    for cx, cy, r in ((0.3, 0.38, 0.2), (0.5, 0.28, 0.22), (0.7, 0.38, 0.2), (0.42, 0.52, 0.17),
                      (0.62, 0.52, 0.17), (0.5, 0.42, 0.2)):
        d.ellipse([W * cx - H * r, H * cy - H * r, W * cx + H * r, H * cy + H * r], fill=255)
    for cx, cy, r in ((0.24, 0.76, 0.055), (0.15, 0.9, 0.035)):
        d.ellipse([W * cx - H * r, H * cy - H * r, W * cx + H * r, H * cy + H * r], fill=255)
    return _outlined((320, 256), img, PAPER)


def _sun() -> Image.Image:
    img, d = _canvas(256, 256)
    s = 256 * SCALE
    d.ellipse([s * 0.29, s * 0.29, s * 0.71, s * 0.71], fill=255)
    for k in range(12):
        a = k * math.pi / 6
        c, sn = math.cos(a), math.sin(a)
        d.line([(s / 2 + c * s * 0.3, s / 2 + sn * s * 0.3), (s / 2 + c * s * 0.43, s / 2 + sn * s * 0.43)],
               fill=255, width=int(s * 0.05))
        d.ellipse([s / 2 + c * s * 0.43 - s * 0.025, s / 2 + sn * s * 0.43 - s * 0.025,
                   s / 2 + c * s * 0.43 + s * 0.025, s / 2 + sn * s * 0.43 + s * 0.025], fill=255)
    return _outlined((256, 256), img, SAND)


def _leaf(d: ImageDraw.ImageDraw, base: tuple[float, float], tip: tuple[float, float], width: float) -> None:
    """A pointed leaf from `base` to `tip`, `width` at its widest (all in drawing pixels)."""
    (bx, by), (tx, ty) = base, tip
    length = math.hypot(tx - bx, ty - by)
    ux, uy = (tx - bx) / length, (ty - by) / length
    side = [(bx + ux * length * u - uy * width / 2 * math.sin(math.pi * u) ** 0.8,
             by + uy * length * u + ux * width / 2 * math.sin(math.pi * u) ** 0.8) for u in np.linspace(0, 1, 60)]
    other = [(2 * (bx + ux * length * u) - x, 2 * (by + uy * length * u) - y)
             for u, (x, y) in zip(np.linspace(0, 1, 60), side, strict=True)]
    d.polygon(side + other[::-1], fill=255)


def _sprout() -> Image.Image:
    img, d = _canvas(256, 256)
    s = 256 * SCALE
    d.rounded_rectangle([s * 0.47, s * 0.4, s * 0.53, s * 0.86], radius=s * 0.03, fill=255)
    _leaf(d, (s * 0.5, s * 0.46), (s * 0.14, s * 0.26), s * 0.2)
    _leaf(d, (s * 0.5, s * 0.42), (s * 0.86, s * 0.14), s * 0.24)
    d.rounded_rectangle([s * 0.28, s * 0.8, s * 0.72, s * 0.9], radius=s * 0.05, fill=255)  # soil
    return _outlined((256, 256), img, TEAL)


def _tick() -> Image.Image:
    img, d = _canvas(256, 256)
    s = 256 * SCALE
    d.ellipse([s * 0.08, s * 0.08, s * 0.92, s * 0.92], fill=255)
    mark, md = _canvas(256, 256)
    points = [(s * 0.3, s * 0.52), (s * 0.44, s * 0.66), (s * 0.71, s * 0.36)]
    md.line(points, fill=255, width=int(s * 0.09))
    for x, y in points:  # round ends and a round corner
        md.ellipse([x - s * 0.045, y - s * 0.045, x + s * 0.045, y + s * 0.045], fill=255)
    return _outlined((256, 256), img, TEAL, details=[(mark, PAPER)])


def _name_plate() -> Image.Image:
    """A navy bar exactly the safe box's width (768 px), an amber stripe on its left."""
    img, d = _canvas(768, 160)
    W, H = 768 * SCALE, 160 * SCALE
    d.rounded_rectangle([0, 0, W - 1, H - 1], radius=24 * SCALE, fill=235)
    stripe, sd = _canvas(768, 160)
    sd.rounded_rectangle([0, 0, 20 * SCALE, H - 1], radius=10 * SCALE, fill=255)
    return _finish((768, 160), [(img, NAVY), (ImageChops.multiply(stripe, img), AMBER)])


def _label_panel() -> Image.Image:
    img, d = _canvas(640, 128)
    W, H = 640 * SCALE, 128 * SCALE
    d.rounded_rectangle([3 * SCALE, 3 * SCALE, W - 3 * SCALE, H - 3 * SCALE], radius=40 * SCALE, fill=255)
    return _outlined((640, 128), img, (*PAPER[:3], 240), line=3)


def _ring(w: int, h: int, outer: tuple[float, float, float, float], inner: tuple[float, float, float, float],
          r_out: float, r_in: float) -> tuple[Image.Image, Image.Image]:
    """A rounded frame: the outer shape with the inner window cut out (both in pixels)."""
    img, d = _canvas(w, h)
    d.rounded_rectangle([v * SCALE for v in outer], radius=r_out * SCALE, fill=255)
    hole, hd = _canvas(w, h)
    hd.rounded_rectangle([v * SCALE for v in inner], radius=r_in * SCALE, fill=255)
    return ImageChops.subtract(img, hole), hole


def _message_frame() -> Image.Image:
    """A chat bubble's rim with a tail and a clear window (704×400 at 32,32) for a screenshot."""
    ring, _ = _ring(768, 520, (8, 8, 760, 448), (32, 32, 736, 432), 56, 36)
    d = ImageDraw.Draw(ring)
    d.polygon([(90 * SCALE, 440 * SCALE), (190 * SCALE, 440 * SCALE), (70 * SCALE, 512 * SCALE)], fill=255)
    d.rounded_rectangle([32 * SCALE, 32 * SCALE, 736 * SCALE, 432 * SCALE], radius=36 * SCALE, fill=0)
    rim = _grow(ring, 3 * SCALE)
    return _finish((768, 520), [(rim, NAVY), (ring, PAPER)])


def _phone_frame() -> Image.Image:
    """A phone's body with a clear screen (512×1072 at 24,24) and a camera pill."""
    body, _ = _ring(560, 1120, (0, 0, 559, 1119), (24, 24, 536, 1096), 72, 52)
    pill, pd = _canvas(560, 1120)
    pd.rounded_rectangle([210 * SCALE, 40 * SCALE, 350 * SCALE, 76 * SCALE], radius=18 * SCALE, fill=255)
    edge, ed = _canvas(560, 1120)
    ed.rounded_rectangle([0, 0, 559 * SCALE, 1119 * SCALE], radius=72 * SCALE, outline=255, width=3 * SCALE)
    return _finish((560, 1120), [(body, NAVY), (edge, (120, 134, 160, 255)), (pill, (8, 12, 24, 255))])


def _photo_frame() -> Image.Image:
    """A print's white border with a clear window (520×520 at 40,40), a deeper margin below."""
    ring, _ = _ring(600, 700, (4, 4, 596, 696), (40, 40, 560, 560), 10, 4)
    return _finish((600, 700), [(_grow(ring, 3 * SCALE), (170, 170, 170, 255)), (ring, PAPER)])


# --- sounds -------------------------------------------------------------------------------

def _t(seconds: float) -> np.ndarray:
    return np.arange(round(seconds * RATE)) / RATE


def _ping() -> np.ndarray:
    t = _t(0.7)
    late = np.clip(t - 0.09, 0, None)  # the second note comes in 90 ms later, with its own soft attack
    first = np.sin(2 * np.pi * 1318.5 * t) * np.exp(-t * 7) * (1 - np.exp(-t * 900))
    second = 0.5 * np.sin(2 * np.pi * 1975.5 * late) * np.exp(-late * 10) * (1 - np.exp(-late * 900))
    return first + second


def _whoosh() -> np.ndarray:
    """Noise through a one-pole low-pass whose cutoff rises then falls, under a smooth swell."""
    t = _t(0.9)
    noise = np.random.default_rng(14).random(t.size) * 2 - 1
    shape = np.sin(np.pi * t / t[-1]) ** 2
    cutoff = 300 + 3200 * shape
    alpha = 1 - np.exp(-2 * np.pi * cutoff / RATE)
    out = np.empty_like(noise)
    y = 0.0
    for i, (x, a) in enumerate(zip(noise, alpha, strict=True)):
        y += a * (x - y)
        out[i] = y
    return out * shape


def _pop() -> np.ndarray:
    t = _t(0.14)
    freq = 300 + 600 * np.exp(-t * 40)
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    return np.sin(phase) * np.exp(-t * 35)


def _chime() -> np.ndarray:
    t = _t(1.6)
    partials = ((880.0, 1.0, 2.6), (880.0 * 2.76, 0.35, 4.0), (880.0 * 5.4, 0.12, 6.5), (1318.5, 0.5, 3.0))
    return sum(amp * np.sin(2 * np.pi * f * t) * np.exp(-t * decay) for f, amp, decay in partials) \
        * (1 - np.exp(-t * 400))


def finish_sound(signal: np.ndarray, fade_in: float = 0.004, fade_out: float = 0.03) -> np.ndarray:
    """Raised-cosine fades (so the first and last samples are silence) and the peak set to PEAK_DBFS,
    as 16-bit integers."""
    x = np.asarray(signal, dtype=np.float64).copy()
    for n, sl in ((round(fade_in * RATE), slice(None)), (round(fade_out * RATE), slice(None, None, -1))):
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
        x[sl][:n] *= ramp
    x[0] = x[-1] = 0.0
    target = round(10 ** (PEAK_DBFS / 20) * 32767)
    return np.round(x / np.abs(x).max() * target).astype("<i2")


def write_wav(path: Path, samples: np.ndarray) -> None:
    """16-bit mono PCM at RATE: the standard library's writer puts no date or tool name in it."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())


# --- the library --------------------------------------------------------------------------

ITEMS: tuple[Item, ...] = (
    Item("heart", "sticker", "stickers/heart.png", "A coral heart with a navy outline.", _heart),
    Item("star", "sticker", "stickers/star.png", "A sand-yellow five-pointed star.", _star),
    Item("arrow-right", "sticker", "stickers/arrow-right.png", "A teal arrow pointing right.", _arrow),
    Item("arrow-left", "sticker", "stickers/arrow-left.png", "A teal arrow pointing left.",
         _turned(_arrow, Image.Transpose.FLIP_LEFT_RIGHT)),
    Item("arrow-up", "sticker", "stickers/arrow-up.png", "A teal arrow pointing up.",
         _turned(_arrow, Image.Transpose.ROTATE_90)),
    Item("arrow-down", "sticker", "stickers/arrow-down.png", "A teal arrow pointing down.",
         _turned(_arrow, Image.Transpose.ROTATE_270)),
    Item("speech-bubble", "sticker", "stickers/speech-bubble.png", "An empty off-white speech bubble, tail "
         "bottom left.", _speech_bubble),
    Item("typing-bubble", "sticker", "stickers/typing-bubble.png", "A speech bubble with three dots: someone "
         "is typing.", _typing_bubble),
    Item("thought-bubble", "sticker", "stickers/thought-bubble.png", "An empty cloud-shaped thought bubble.",
         _thought_bubble),
    Item("sun", "sticker", "stickers/sun.png", "A sand-yellow sun with rounded rays.", _sun),
    Item("sprout", "sticker", "stickers/sprout.png", "A teal sprout with two leaves: growth, recovery.", _sprout),
    Item("tick", "sticker", "stickers/tick.png", "A white tick in a teal circle.", _tick),
    Item("name-plate", "lower-third", "lower-thirds/name-plate.png", "An empty navy bar 768 px wide (the safe "
         "box's width) with an amber stripe, for a name and role set over it.", _name_plate),
    Item("label-panel", "lower-third", "lower-thirds/label-panel.png", "An empty rounded off-white panel for a "
         "short label in dark text.", _label_panel),
    Item("message-frame", "graphic", "graphics/message-frame.png", "A chat-bubble rim with a tail; its clear "
         "window (704×400 at 32,32) shows a screenshot layered under it.", _message_frame),
    Item("phone-frame", "graphic", "graphics/phone-frame.png", "A navy phone body; its clear screen (512×1072 "
         "at 24,24) shows a screen recording layered under it.", _phone_frame),
    Item("photo-frame", "graphic", "graphics/photo-frame.png", "A print's white border; its clear window "
         "(520×520 at 40,40) shows a photo layered under it.", _photo_frame),
    Item("ping", "sound", "sounds/ping.wav", "A soft two-note notification ping.", _ping),
    Item("whoosh", "sound", "sounds/whoosh.wav", "A soft airy whoosh for a transition.", _whoosh),
    Item("pop", "sound", "sounds/pop.wav", "A short round pop for a sticker appearing.", _pop),
    Item("chime", "sound", "sounds/chime.wav", "A gentle bell chime that rings out.", _chime),
)

HEADER = "# The asset library index, written by scripts/make_assets.py (do not edit by hand).\n"


def build(out: Path) -> list[Path]:
    """Write every asset and index.yaml into `out`; returns the files written."""
    written = []
    for item in ITEMS:
        path = out / item.file
        path.parent.mkdir(parents=True, exist_ok=True)
        made = item.make()
        if item.kind == "sound":
            write_wav(path, finish_sound(made))
        else:
            made.save(path, format="PNG", optimize=True)
        written.append(path)
    entries = [{"name": i.name, "kind": i.kind, "file": i.file, "description": i.description, "licence": LICENCE}
               for i in ITEMS]
    index = out / "index.yaml"
    index.write_text(HEADER + yaml.safe_dump({"assets": entries}, sort_keys=False, allow_unicode=True, width=120),
                     encoding="utf-8")
    return [*written, index]


def main() -> None:
    """Write the library (default: assets/ at the top of the repository)."""
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=root / "assets")
    args = parser.parse_args()
    files = build(args.out)
    total = sum(f.stat().st_size for f in files)
    print(f"wrote {len(files)} files to {args.out} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
