"""Tiny synthetic media and Timelines for render tests (plain functions; pass `tmp_path` paths).

Media come from ffmpeg's lavfi sources (`testsrc2`, `color`, `sine`, `anullsrc`) at phone-like
but tiny sizes, so a render test takes a second or two. Timelines are built by hand at 216×384
(a fifth of 1080×1920) with the platform safe box scaled to match.
"""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import fontpkg_atkinson_hyperlegible

from toolkit.film.plan.timeline import (
    AudioCue,
    AudioMix,
    Box,
    Canvas,
    ColorSource,
    Overlay,
    Segment,
    Source,
    TextBlock,
    TextLine,
    TextRun,
    Timeline,
    Transition,
)
from toolkit.settings import Settings

FONT = fontpkg_atkinson_hyperlegible.ROOT / "files" / "AtkinsonHyperlegible-Regular.ttf"
SCALE = Fraction(1, 5)
SAFE = Box(120, 288, 768, 960).scaled(SCALE)  # x 24–178, y 57–250 on 216×384


def canvas(fps: int = 10, width: int = 216, height: int = 384) -> Canvas:
    """A small 9:16 canvas with the platform-safe box scaled from 1080×1920."""
    factor = Fraction(width, 1080)
    return Canvas(width, height, Fraction(fps), Box(120, 288, 768, 960).scaled(factor), factor)


def ffmpeg(*args: str) -> None:
    """Run the bundled ffmpeg quietly (test setup only; the product uses the runner)."""
    subprocess.run([Settings().ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args],
                   check=True)


def make_video(path: Path, *, size: tuple[int, int] = (216, 384), fps: int = 30, seconds: float = 2.0,
               audio: bool = True, tone: int = 440) -> Path:
    """testsrc2 footage with (optionally) a sine soundtrack."""
    w, h = size
    args = ["-f", "lavfi", "-i", f"testsrc2=s={w}x{h}:r={fps}:d={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=f={tone}:d={seconds}:r=48000", "-c:a", "aac"]
    ffmpeg(*args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path))
    return path


def make_halves(path: Path, *, size: tuple[int, int], first: str, second: str, seconds: float = 2.0,
                vertical_split: bool = False, fps: int = 30) -> Path:
    """Footage whose left/right (or top/bottom) halves are two flat colours."""
    w, h = size
    half = f"{w}x{h // 2}" if vertical_split else f"{w // 2}x{h}"
    graph = "[0][1]vstack[v]" if vertical_split else "[0][1]hstack[v]"
    a, b = (f"color=c={c}:s={half}:r={fps}:d={seconds}" for c in (first, second))
    ffmpeg("-f", "lavfi", "-i", a, "-f", "lavfi", "-i", b, "-filter_complex", graph, "-map", "[v]",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path))
    return path


def rotate(src: Path, path: Path, degrees: int) -> Path:
    """A copy of `src` whose container says "display rotated by `degrees`" (as phones record)."""
    ffmpeg("-display_rotation", str(degrees), "-i", str(src), "-c", "copy", str(path))
    return path


def make_vfr_video(path: Path, *, size: tuple[int, int] = (216, 384), seconds: float = 3.0) -> Path:
    """Variable-frame-rate footage: irregular gaps between frames, as phones record in low light."""
    w, h = size
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=s={w}x{h}:r=60:d={seconds}",
           "-vf", "select='not(mod(n\\,4))+eq(mod(n\\,7)\\,1)'", "-fps_mode", "vfr",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path))
    return path


def make_tone(path: Path, *, seconds: float, freq: int = 440, level_db: float = -20.0,
              channels: int = 1) -> Path:
    """A sine tone at exactly `level_db` dBFS peak (WAV).

    aevalsrc rather than `sine`, whose amplitude is fixed at 1/8 (−18 dBFS).
    """
    layout = "mono" if channels == 1 else "stereo"
    amplitude = 10 ** (level_db / 20)
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc={amplitude:.6f}*sin(2*PI*{freq}*t):s=48000:d={seconds}",
           "-af", f"aformat=channel_layouts={layout}", "-c:a", "pcm_s16le", str(path))
    return path


def make_image(path: Path, *, size: tuple[int, int], color: str = "0x336699") -> Path:
    """A flat-colour still picture."""
    w, h = size
    ffmpeg("-f", "lavfi", "-i", f"color=c={color}:s={w}x{h}:d=1", "-frames:v", "1", str(path))
    return path


# ------------------------------------------------------------------ timelines


def text_block(text: str, box: Box, *, color: str = "#ffffff", backing: str | None = "#000000b0",
               size: int = 16) -> TextBlock:
    """One line of text in `box` (its backing box, padding included), starting 4 px in.

    Layout is approximate: tests check placement and colour, not typography.
    """
    line = TextLine(box, (TextRun(text, box.x + 4, color),))
    return TextBlock((line,), FONT, size, backing, 4, 4, box)


def end_card_overlay(start: int, length: int, text: str = "Samaritans 116 123") -> Overlay:
    return Overlay("end-card", "end_card", start, length, (text_block(text, Box(40, 140, 136, 24)),),
                   loc=("end_card",))


def timeline(scenes: list[tuple[Source, int, Transition]], *, fps: int = 10, end_frames: int = 20,
             overlays: tuple[Overlay, ...] = (), audio: tuple[AudioCue, ...] = (),
             mix: AudioMix | None = None, end_color: str = "#102030", end_transition: Transition | None = None,
             title: str = "test film", metadata: tuple[tuple[str, str], ...] = ()) -> Timeline:
    """A Timeline from (source, length, transition-in) scenes plus a colour end card."""
    segments: list[Segment] = []
    position = 0
    for i, (source, length, transition) in enumerate(scenes):
        start = position - (transition.frames if segments else 0)
        tr = transition if segments else Transition("cut", 0)
        segments.append(Segment(i, "scene", f"scene {i + 1}", start, length, source, tr))
        position = start + length
    tr = end_transition or Transition("cut", 0)
    start = position - tr.frames
    segments.append(Segment(len(segments), "end_card", "end card", start, end_frames,
                            ColorSource(end_color), tr))
    card = end_card_overlay(start, end_frames)
    return Timeline(canvas(fps), tuple(segments), (*overlays, card), audio, mix or AudioMix(), title, metadata,
                    min_end_card_frames=min(end_frames, 150))
