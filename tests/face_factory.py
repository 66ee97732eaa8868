"""Clips of real faces with known face regions on every frame (tests/test_faces.py, bench/face_recall.py).

The faces ship inside scikit-image (the `test` extra), so nothing is fetched:
- `astronaut.png` (Eileen Collins, NASA, public domain) and `camera.png` (the "cameraman"), with their face
  regions marked by hand below (forehead to chin, cheek to cheek, ears and hair excluded);
- `lfw_subset.npy`: 100 grey 25×25 face crops from Labeled Faces in the Wild (the whole crop is the face
  region) and 100 crops without a face (used as distractors).
Grey faces are tinted to a skin tone: the tone's colour (Monk Skin Tone scale, 10 published swatches) lit
by the grey picture's shading. That varies colour, brightness and contrast only, not the structure of the
face, real lighting or a camera's exposure: it is no substitute for footage of people of every skin tone.

A clip moves each face along a path while it zooms, turns (in-plane) and may be mirrored, over a
background picture from scikit-image (brick, grass, coffee, a cat, a rocket, coins …). `Clip.truth[i]` is,
for frame i, one boolean mask per visible face: the pixels of its (rotated) face region.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

# (x, y, w, h) of the face in each picture, by hand.
ASTRONAUT_FACE = (172, 50, 102, 114)
CAMERA_FACE = (182, 120, 80, 78)
# Monk Skin Tone scale, swatches 1–10 (Google, CC BY 4.0).
MONK = ("f6ede4", "f3e7db", "f7ead0", "eadaba", "d7bd96", "a07e56", "825c43", "604134", "3a312a", "292420")
BACKGROUNDS = ("brick", "grass", "gravel", "coffee", "chelsea", "rocket", "coins", "hubble_deep_field", "text",
               "moon", "page", "retina")


@dataclass(frozen=True)
class Face:
    """A face picture (RGB) and its face region (x, y, w, h) inside it."""

    rgb: np.ndarray
    region: tuple[int, int, int, int]
    name: str


@dataclass(frozen=True)
class Motion:
    """How one face moves: centre (share of the frame) and short side of its region (px) at the start
    and end, turn in degrees at the start and end, mirrored or not."""

    face: Face
    start: tuple[float, float]
    end: tuple[float, float]
    size: tuple[float, float]
    turn: tuple[float, float] = (0.0, 0.0)
    mirror: bool = False


@dataclass(frozen=True)
class Clip:
    path: Path
    width: int
    height: int
    fps: int
    truth: list[list[np.ndarray]]  # per frame, one mask per face
    motions: tuple[Motion, ...]


def data_dir() -> Path:
    import skimage.data

    return Path(skimage.data.__file__).parent


def skin(grey: np.ndarray, tone: str) -> np.ndarray:
    """Grey (0–1) → RGB uint8: the tone's colour lit by the grey picture's light and shade (the brightest
    twentieth of the crop shows the tone itself, shadows are darker in proportion)."""
    colour = np.array([int(tone[i:i + 2], 16) for i in (0, 2, 4)], np.float64)
    shading = grey / max(float(np.percentile(grey, 95)), 1e-3)
    return np.clip(shading[..., None] * colour, 0, 255).astype(np.uint8)


def famous_faces() -> dict[str, Face]:
    """The two hand-marked pictures, cropped around the head (RGB; the cameraman is grey)."""
    from skimage import data

    astro = data.astronaut()
    camera = np.stack([data.camera()] * 3, axis=-1)
    out = {}
    for name, rgb, (x, y, w, h) in (("astronaut", astro, ASTRONAUT_FACE), ("camera", camera, CAMERA_FACE)):
        x0, y0 = max(0, x - w), max(0, y - h // 2)
        crop = rgb[y0:y + h + h // 2, x0:x + 2 * w]
        out[name] = Face(np.ascontiguousarray(crop), (x - x0, y - y0, w, h), name)
    return out


def lfw() -> tuple[np.ndarray, np.ndarray]:
    """(100 face crops, 100 non-face crops), 25×25 floats 0–1."""
    crops = np.load(data_dir() / "lfw_subset.npy")
    return crops[:100], crops[100:]


def lfw_face(index: int, tone: str) -> Face:
    faces, _ = lfw()
    return Face(skin(faces[index], tone), (0, 0, 25, 25), f"lfw{index}-{tone}")


def background(name: str, width: int, height: int) -> np.ndarray:
    from skimage import data

    picture = getattr(data, name)()
    if picture.ndim == 2:
        picture = np.stack([picture] * 3, axis=-1)
    picture = np.asarray(picture)[..., :3]
    if picture.dtype != np.uint8:
        picture = (np.clip(picture / max(float(picture.max()), 1e-6), 0, 1) * 255).astype(np.uint8)
    image = Image.fromarray(picture)
    scale = max(width / image.width, height / image.height)
    image = image.resize((math.ceil(image.width * scale), math.ceil(image.height * scale)), Image.BILINEAR)
    left, top = (image.width - width) // 2, (image.height - height) // 2
    return np.asarray(image.crop((left, top, left + width, top + height)))


def make_clip(path: Path, motions: tuple[Motion, ...], *, width: int, height: int, frames: int, fps: int = 24,
              backdrop: str = "brick", distractors: tuple[np.ndarray, ...] = (), stored_turns: int = 0) -> Clip:
    """Draw `frames` frames of the faces moving over the backdrop, encode them as H.264 at `path`.

    `stored_turns`: store each picture turned that many quarter turns counter-clockwise (as a phone
    stores portrait footage; add the display rotation that turns it back with media_factory.rotate).
    `truth` is always of the upright picture."""
    base = Image.fromarray(background(backdrop, width, height))
    for k, crop in enumerate(distractors):  # non-face crops, still, spread along the bottom
        tile = Image.fromarray((crop * 255).astype(np.uint8)).convert("RGB").resize((60, 60))
        base.paste(tile, (int((k + 0.5) * width / max(1, len(distractors))) - 30, height - 70))
    truth: list[list[np.ndarray]] = []
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height = (height, width) if stored_turns % 2 else (width, height)
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for i in range(frames):
            t = i / max(1, frames - 1)
            canvas = base.copy()
            masks = []
            for m in motions:
                picture, mask, (cx, cy) = _placed(m, t, width, height)
                canvas.paste(picture, (cx, cy), picture.getchannel("A"))
                full = Image.new("L", (width, height))
                full.paste(mask, (cx, cy), mask)
                masks.append(np.asarray(full) > 127)
            truth.append(masks)
            stored = np.ascontiguousarray(np.rot90(np.asarray(canvas), k=stored_turns))
            frame = av.VideoFrame.from_ndarray(stored, format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return Clip(path, width, height, fps, truth, motions)


def _placed(m: Motion, t: float, width: int, height: int) -> tuple[Image.Image, Image.Image, tuple[int, int]]:
    """The face picture (RGBA) and its region mask at time t (0–1), and where to paste them."""
    x, y, w, h = m.face.region
    short = m.size[0] + (m.size[1] - m.size[0]) * t
    scale = short / min(w, h)
    picture = Image.fromarray(m.face.rgb).convert("RGBA")
    mask = Image.new("L", picture.size)
    mask.paste(255, (x, y, x + w, y + h))
    if m.mirror:
        picture, mask = picture.transpose(Image.FLIP_LEFT_RIGHT), mask.transpose(Image.FLIP_LEFT_RIGHT)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    picture, mask = picture.resize(size, Image.BICUBIC), mask.resize(size, Image.BILINEAR)
    angle = m.turn[0] + (m.turn[1] - m.turn[0]) * t
    if angle:
        picture = picture.rotate(angle, Image.BICUBIC, expand=True)
        mask = mask.rotate(angle, Image.BILINEAR, expand=True)
    # The face region's centre goes to the path's point.
    box = mask.getbbox() or (0, 0, mask.width, mask.height)
    fx, fy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    px = (m.start[0] + (m.end[0] - m.start[0]) * t) * width
    py = (m.start[1] + (m.end[1] - m.start[1]) * t) * height
    return picture, mask, (round(px - fx), round(py - fy))


def covered(masks: list[np.ndarray], covers, width: int, height: int, need: float) -> list[bool]:
    """For each face mask, whether the covers hide at least `need` of its pixels."""
    hidden = np.zeros((height, width), bool)
    for c in covers:
        hidden[c.y:c.y + c.h, c.x:c.x + c.w] = True
    out = []
    for mask in masks:
        area = int(mask.sum())
        out.append(area == 0 or (hidden & mask).sum() >= need * area)
    return out
