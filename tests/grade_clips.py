"""Clip factories for the grader tests and the grading benchmark: clips with known defects.

Pictures are drawn with Pillow (deterministic text, no dependence on ffmpeg's drawtext) and
encoded with ffmpeg; sound is a 1 kHz stereo sine, whose loudness is known exactly (a stereo
sine with peak A reads 20·log10(A) LUFS), so loudness defects need no measuring. Clips are
small wherever the check allows it: 216×384 keeps 9:16 for the picture and sound checks;
clips whose text must be read by OCR are 540×960 (text drawn at half its 1080×1920 size).
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

REF_W, REF_H = 1080, 1920


@dataclass(frozen=True)
class Text:
    """Text to draw, in 1080×1920 reference pixels: `x=None` centres it; `box` draws a dark backing."""

    text: str
    y: int
    size: int = 64
    x: int | None = None
    box: bool = False
    bold: bool = True


def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    """The house font (Atkinson Hyperlegible) at `size` pixels."""
    from toolkit.film.template.loader import resolve_font

    return ImageFont.truetype(str(resolve_font("atkinson-hyperlegible:" + ("bold" if bold else "regular"))), size)


def picture(size: tuple[int, int], background: str, texts: Iterable[Text] = ()) -> Image.Image:
    """A frame of `size` with `texts` laid out at their reference positions, scaled to fit."""
    image = Image.new("RGB", size, background)
    _draw_texts(image, texts)
    return image


def _draw_texts(image: Image.Image, texts: Iterable[Text]) -> None:
    """White `texts` (on a black box where asked) at their reference positions, scaled to `image`."""
    w = image.size[0]
    scale = w / REF_W
    draw = ImageDraw.Draw(image)
    for t in texts:
        f = font(max(6, round(t.size * scale)), t.bold)
        left, top, right, bottom = draw.textbbox((0, 0), t.text, font=f)
        x = (w - (right - left)) / 2 - left if t.x is None else t.x * scale
        y = t.y * scale
        if t.box:
            pad = round(16 * scale)
            draw.rectangle((x + left - pad, y + top - pad, x + right + pad, y + bottom + pad), fill="#000000")
        draw.text((x, y), t.text, font=f, fill="#ffffff")


def end_card_texts(region: str = "UK", top: int = 420) -> list[Text]:
    """The end card Reel would show for `region`: heading, then each service's lines from the directory."""
    from toolkit.care.endcard import end_card_lines, select_end_card
    from toolkit.care.helplines import load_directory

    lines = end_card_lines(select_end_card(load_directory(), region, []))
    texts = [Text("You don't have to", top, 64), Text("go through this alone", top + 80, 64)]
    y = top + 220
    for line in lines:
        texts.append(Text(line.name.text, y, 56))
        y += 76
        for contact in line.contacts:
            texts.append(Text(contact.text, y, 50, bold=False))
            y += 70
        texts.append(Text(line.hours.text, y, 44, bold=False))
        y += 100
    return texts


def tone(seconds: float, lufs: float | None, gap: tuple[float, float] | None = None) -> list[str]:
    """ffmpeg input arguments for a stereo 1 kHz sine at `lufs` (None: no input), silent during `gap`."""
    if lufs is None:
        return []
    amp = 10 ** (lufs / 20)
    expr = f"{amp:.6f}*sin(2*PI*1000*t)"
    if gap is not None:
        expr += f"*not(between(t,{gap[0]},{gap[1]}))"
    return ["-f", "lavfi", "-i", f"aevalsrc=exprs='{expr}|{expr}':s=48000:d={seconds}"]


class ClipMaker:
    """Encodes clips into `folder` with the ffmpeg at `ffmpeg`."""

    def __init__(self, folder: Path, ffmpeg: str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ffmpeg = ffmpeg

    def run(self, args: Sequence[str]) -> None:
        """Run ffmpeg quietly; fail loudly with its stderr."""
        argv = [self.ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args]
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"ffmpeg failed: {' '.join(argv)}\n{proc.stderr}")

    def slideshow(self, name: str, shots: Sequence[tuple[Image.Image, float]], *, fps: int = 30,
                  lufs: float | None = -14.0, faststart: bool = True) -> Path:
        """Still pictures shown for the given seconds each, as an H.264 MP4 (plus tone)."""
        out = self.folder / name
        listing = self.folder / f"{out.stem}.concat.txt"
        entries = []
        for i, (image, _) in enumerate(shots):
            png = self.folder / f"{out.stem}-{i:03d}.png"
            image.save(png)
            entries.append(png)
        total = sum(seconds for _, seconds in shots)
        rows = [f"file '{png}'\nduration {seconds:.6f}" for png, (_, seconds) in zip(entries, shots, strict=True)]
        rows.append(f"file '{entries[-1]}'")  # the concat demuxer ignores the last entry's duration
        listing.write_text("\n".join(rows) + "\n")
        args = ["-f", "concat", "-safe", "0", "-i", str(listing), *tone(total, lufs),
                "-vf", f"fps={fps},format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23",
                "-g", str(2 * fps)]
        if lufs is not None:
            args += ["-c:a", "aac", "-b:a", "128k"]
        if faststart:
            args += ["-movflags", "+faststart"]
        self.run([*args, "-t", f"{total:.3f}", str(out)])
        return out

    def frames(self, name: str, frames: Iterable[np.ndarray], size: tuple[int, int], seconds: float, *,
               fps: int = 30, lufs: float | None = -14.0) -> Path:
        """Raw RGB frames piped to ffmpeg (for pictures that change every frame)."""
        out = self.folder / name
        w, h = size
        argv = [self.ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "rawvideo",
                "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "-", *tone(seconds, lufs),
                "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p",
                "-movflags", "+faststart"]
        if lufs is not None:
            argv += ["-c:a", "aac", "-b:a", "128k"]
        proc = subprocess.Popen([*argv, "-t", f"{seconds:.3f}", str(out)], stdin=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdin is not None
        for frame in frames:
            proc.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"ffmpeg failed: {err.decode(errors='replace')}")
        return out

    def lavfi(self, name: str, video: str, *, seconds: float, lufs: float | None = -14.0,
              extra: Sequence[str] = (), faststart: bool = True, gap: tuple[float, float] | None = None) -> Path:
        """A clip from a lavfi video source description (e.g. "color=c=navy:s=216x384:r=30")."""
        out = self.folder / name
        args = ["-f", "lavfi", "-i", f"{video}:d={seconds}", *tone(seconds, lufs, gap), "-c:v", "libx264",
                "-preset", "ultrafast", "-pix_fmt", "yuv420p", *extra]
        if faststart:
            args += ["-movflags", "+faststart"]
        if lufs is not None:
            args += ["-c:a", "aac", "-b:a", "128k"]
        self.run([*args, "-t", f"{seconds:.3f}", str(out)])
        return out

    # ------------------------------------------------------------------ clips with known defects

    def captioned_film(self, name: str, *, end_card_seconds: float | None, caption_x: int | None = None,
                       size: tuple[int, int] = (540, 960), lufs: float | None = -14.0) -> Path:
        """Three captioned shots, then an end card for `end_card_seconds` (None: no card, a plain
        closing shot instead). `caption_x` puts the captions at that reference x (e.g. under the
        right-hand buttons) instead of centred."""
        caption_y = 1040
        shots = [
            (picture(size, "#264653", [Text("For a long time I kept", caption_y, 64, caption_x, True),
                                       Text("it to myself.", caption_y + 84, 64, caption_x, True)]), 3.0),
            (picture(size, "#2a9d8f", [Text("Telling one person", caption_y, 64, caption_x, True),
                                       Text("helped.", caption_y + 84, 64, caption_x, True)]), 3.0),
            (picture(size, "#3d405b", [Text("Things got better.", caption_y, 64, caption_x, True)]), 2.5),
        ]
        if end_card_seconds is None:
            shots.append((picture(size, "#14213d", [Text("Thanks for watching", 900, 64)]), 3.0))
        else:
            shots.append((picture(size, "#14213d", end_card_texts()), end_card_seconds))
        return self.slideshow(name, shots, lufs=lufs)

    def rotated(self, name: str) -> Path:
        """A portrait film stored as 384×216 landscape pixels with 90° display-rotation metadata (phones do this)."""
        stored = self.lavfi(f"stored-{name}", "testsrc2=s=384x216:r=30", seconds=3)
        out = self.folder / name
        self.run(["-display_rotation", "90", "-i", str(stored), "-c", "copy", "-movflags", "+faststart", str(out)])
        return out

    def flashing(self, name: str, *, size: tuple[int, int] = (216, 384), hz: float = 5.0, fps: int = 30) -> Path:
        """1 s grey, 2 s of full-frame black/white flashing at `hz` flashes per second, 1 s grey."""
        w, h = size
        grey = np.full((h, w, 3), 128, np.uint8)
        black, white = np.zeros((h, w, 3), np.uint8), np.full((h, w, 3), 255, np.uint8)
        half = fps / hz / 2

        def gen():
            for i in range(4 * fps):
                t = i / fps
                if 1.0 <= t < 3.0:
                    yield white if math.floor((i - fps) / half) % 2 == 0 else black
                else:
                    yield grey
        return self.frames(name, gen(), size, 4.0, fps=fps)


def overlay_picture(size: tuple[int, int], texts: Iterable[Text]) -> Image.Image:
    """`texts` as `picture` lays them out, on a transparent frame (to put over footage)."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    _draw_texts(image, texts)
    return image


def welsh_card_texts(top: int = 420) -> list[Text]:
    """A UK end card written in Welsh: the heading and words in Welsh, the numbers as published."""
    return [Text("Does dim rhaid i chi", top, 64), Text("wynebu hyn ar eich pen eich hun", top + 80, 56),
            Text("Samariaid", top + 220, 56), Text("Ffoniwch 116 123", top + 296, 50, bold=False),
            Text("24 awr y dydd", top + 366, 44, bold=False),
            Text("Shout", top + 466, 56), Text("Tecstiwch SHOUT i 85258", top + 542, 50, bold=False),
            Text("24 awr y dydd", top + 612, 44, bold=False)]


def _overlay_clips(maker: ClipMaker, name: str, background: str, layers: Sequence[tuple[Image.Image, float,
                   float, float]], *, seconds: float, size: tuple[int, int], fps: int, lufs: float | None) -> Path:
    """`background` (a lavfi source) with each (picture, from, until, fade-in seconds) laid over it."""
    w, h = size
    source, _, filters = background.partition(",")  # the source takes the size; filters follow it
    source += f"{':' if '=' in source else '='}s={w}x{h}:r={fps}:d={seconds}"
    args = ["-f", "lavfi", "-i", ",".join(p for p in (source, filters) if p)]
    chains, last = [], "[0:v]"
    for i, (image, start, until, fade) in enumerate(layers):
        png = maker.folder / f"{Path(name).stem}-layer{i}.png"
        image.save(png)
        args += ["-loop", "1", "-framerate", str(fps), "-t", f"{seconds:.3f}", "-i", str(png)]
        fading = f",fade=t=in:st={start}:d={fade}:alpha=1" if fade else ""
        chains.append(f"[{i + 1}:v]format=rgba{fading}[l{i}]")
        chains.append(f"{last}[l{i}]overlay=0:0:enable='between(t,{start:.3f},{until:.3f})'[v{i}]")
        last = f"[v{i}]"
    chains.append(f"{last}format=yuv420p[out]")
    args += tone(seconds, lufs)
    args += ["-filter_complex", ";".join(chains), "-map", "[out]"]
    if lufs is not None:
        args += ["-map", f"{len(layers) + 1}:a", "-c:a", "aac", "-b:a", "128k"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-g", str(2 * fps), "-movflags", "+faststart"]
    out = maker.folder / name
    maker.run([*args, "-t", f"{seconds:.3f}", str(out)])
    return out


class CardTimingClips(ClipMaker):
    """Clips for timing the end card: captions that mention a helpline before the card, cards in
    Welsh, cards over moving footage, cards that fade in. 540×960 (OCR size), 30 fps."""

    SIZE = (540, 960)

    def mention_then_card(self, name: str, *, mention: tuple[float, float], seconds: float,
                          card: Sequence[Text] | None = None, background: str = "color=c=0x14213d",
                          card_box: bool = False, fade: float = 0.0, lufs: float | None = -14.0) -> Path:
        """A caption, then from `mention[0]` to `mention[1]` a caption quoting Samaritans' and
        Shout's numbers, then `card` (default: Reel's UK card) from `mention[1]` to the end,
        fading in over `fade` seconds. Everything over the `background` lavfi source."""
        texts = list(card) if card is not None else end_card_texts("UK")
        if card_box:
            texts = [dataclasses.replace(t, box=True) for t in texts]
        first = overlay_picture(self.SIZE, [Text("Some days are hard.", 1040, 64, box=True)])
        said = overlay_picture(self.SIZE, [Text("I called Samaritans on 116 123", 1000, 52, box=True),
                                           Text("and texted SHOUT to 85258", 1080, 52, box=True)])
        layers = [(first, 0.0, mention[0] - 0.01, 0.0), (said, mention[0], mention[1] - 0.01, 0.0),
                  (overlay_picture(self.SIZE, texts), mention[1], seconds, fade)]
        return _overlay_clips(self, name, background, layers, seconds=seconds, size=self.SIZE, fps=30, lufs=lufs)
