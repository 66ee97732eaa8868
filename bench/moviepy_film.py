"""The bench film written as a plain MoviePy 2 script, for comparison with Reel (ratio (b)).

    python bench/moviepy_film.py FILM.json OUTPUT.mp4

FILM.json is written by `run.py`: the scene list from `film.py` (the same one the Reel
storyboard is made from), the media folder, and the texts Reel's planner chose for the slates
and the end card (so both films show the same words). Everything else is what a competent
MoviePy user would write: clips trimmed with `subclipped`, fitted with `resized`/`cropped`,
Ken Burns with a time-varying `resized`/position, captions as `TextClip`s in the same font and
size over a translucent box, word-by-word highlighting as one `TextClip` per word, transitions
with `CrossFadeIn`/`SlideIn`/`FadeIn`/`FadeOut`, the voiceover over a looped music bed lowered
while the voice speaks, one `CompositeVideoClip`, and `write_videofile` with the same encoder
settings as Reel's final render (libx264 medium, CRF 20, High, yuv420p, 2 s closed GOP,
1080×1920 at 30 fps, AAC 192 kb/s).

Not done here, because MoviePy has no such feature and a typical script would not add it:
loudness normalisation (MoviePy's `AudioNormalize` is peak-based), real sidechain ducking,
the flash gate and the output check. Reel's timed render includes all of those.

This file imports MoviePy; nothing under `toolkit/` does (MoviePy is the `bench` extra).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from moviepy import (
    AudioFileClip,
    ColorClip,
    CompositeAudioClip,
    CompositeVideoClip,
    ImageClip,
    TextClip,
    VideoFileClip,
    afx,
    vfx,
)
from PIL import Image, ImageFilter

W, H, FPS = 1080, 1920, 30
BACKGROUND = "#14213d"
CAPTION_SIZE, HIGHLIGHT = 64, "#ffd166"
CAPTION_TOP = 1090  # Reel's bottom caption band sits in y 1000–1248
BOX = (0, 0, 0, 199)  # black at 78 %


def rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def cover(clip):
    scale = max(W / clip.w, H / clip.h)
    clip = clip.resized(scale)
    return clip.cropped(x_center=clip.w / 2, y_center=clip.h / 2, width=W, height=H)


def contain(clip):
    scale = min(W / clip.w, H / clip.h)
    return CompositeVideoClip([clip.resized(scale).with_position("center")], size=(W, H), bg_color=(0, 0, 0))


def blur_fill(clip):
    def blurred(frame: np.ndarray) -> np.ndarray:
        small = Image.fromarray(frame).resize((W // 8, H // 8)).filter(ImageFilter.GaussianBlur(4))
        return (np.asarray(small.resize((W, H)), dtype=np.float32) * 0.6).astype(np.uint8)

    back = cover(clip).image_transform(blurred)
    front = clip.resized(min(W / clip.w, H / clip.h)).with_position("center")
    return CompositeVideoClip([back, front], size=(W, H))


def ken_burns(path: Path, move: str, seconds: float):
    photo = cover(ImageClip(str(path))).with_duration(seconds)
    if move.startswith("zoom"):
        zoom = (lambda t: 1 + 0.12 * t / seconds) if move == "zoom-in" else (lambda t: 1.12 - 0.12 * t / seconds)
        moving = photo.resized(zoom).with_position("center")
    else:  # pan-up: a 1.12× picture slides so the window travels from the bottom to the top
        big = photo.resized(1.12)
        travel = big.h - H
        moving = big.with_position(lambda t: ((W - big.w) / 2, -travel * (1 - t / seconds)))
    return CompositeVideoClip([moving], size=(W, H)).with_duration(seconds)


def gradient(colors: list[str]):
    t = (np.add.outer(np.arange(H) / H, np.arange(W) / W) / 2).astype(np.float32)
    a, b = np.array(rgb(colors[0]), np.float32), np.array(rgb(colors[1]), np.float32)
    return ImageClip((a + (b - a) * t[..., None]).astype(np.uint8))


def background(scene: dict, media: Path):
    seconds = scene["seconds"]
    if scene["kind"] == "video":
        clip = VideoFileClip(str(media / scene["file"]), audio=False)
        clip = clip.subclipped(scene["start"], scene["start"] + seconds)
        return {"cover": cover, "contain": contain, "blur-fill": blur_fill}[scene["fit"]](clip)
    if scene["kind"] == "image":
        return ken_burns(media / scene["file"], scene["move"], seconds)
    if scene["kind"] == "color":
        return ColorClip((W, H), color=rgb(scene["colors"][0])).with_duration(seconds)
    return gradient(scene["colors"]).with_duration(seconds)


def caption(text: str, font: str, start: float, end: float) -> list:
    label = TextClip(font=font, text=text, font_size=CAPTION_SIZE, color="white", margin=(24, 12))
    box = ColorClip((label.w, label.h), color=BOX[:3]).with_opacity(BOX[3] / 255)
    x = (W - label.w) / 2
    return [c.with_position((x, CAPTION_TOP)).with_start(start).with_end(end) for c in (box, label)]


def word_by_word(text: str, font: str, start: float, end: float) -> list:
    """The line in white, with each word shown again in the highlight colour while it is spoken."""
    words = text.split()
    plain = [TextClip(font=font, text=w, font_size=CAPTION_SIZE, color="white", margin=(6, 12)) for w in words]
    width = sum(c.w for c in plain) + 36
    x = (W - width) / 2 + 18
    clips = [ColorClip((width, plain[0].h), color=BOX[:3]).with_opacity(BOX[3] / 255)
             .with_position(((W - width) / 2, CAPTION_TOP)).with_start(start).with_end(end)]
    step = (end - start) / len(words)
    for i, (word, clip) in enumerate(zip(words, plain, strict=True)):
        lit = TextClip(font=font, text=word, font_size=CAPTION_SIZE, color=HIGHLIGHT, margin=(6, 12))
        clips.append(clip.with_position((x, CAPTION_TOP)).with_start(start).with_end(end))
        clips.append(lit.with_position((x, CAPTION_TOP)).with_start(start + i * step).with_end(start + (i + 1) * step))
        x += clip.w
    return clips


def card(lines: list[str], seconds: float, font: str, size: int) -> CompositeVideoClip:
    """A slate or the end card: lines of text centred on the background colour."""
    label = TextClip(font=font, text="\n".join(lines), font_size=size, color="white", method="caption",
                     size=(768, None), text_align="center", interline=12, margin=(0, 40))
    return CompositeVideoClip([ColorClip((W, H), color=rgb(BACKGROUND)), label.with_position("center")],
                              size=(W, H)).with_duration(seconds)


def transition_in(clip, kind: str, seconds: float):
    if kind == "fade":
        return clip.with_effects([vfx.CrossFadeIn(seconds)])
    if kind == "slide-left":
        return clip.with_effects([vfx.SlideIn(seconds, "right")])
    if kind == "slide-up":
        return clip.with_effects([vfx.SlideIn(seconds, "bottom")])
    if kind == "dip-to-black":
        return clip.with_effects([vfx.FadeIn(seconds)])
    return clip


def build(film: dict):
    media = Path(film["media"])
    bold, regular = film["fonts"]["bold"], film["fonts"]["regular"]
    fade = film["fade"]
    plan = film["plan"]
    layers, overlays = [], []
    t, incoming = 0.0, "cut"
    if plan["title_seconds"]:
        layers.append(card(film["texts"]["title"], plan["title_seconds"], bold, 88))
        t, incoming = plan["title_seconds"] - fade, "fade"
    for scene in plan["scenes"]:
        clip = background(scene, media).with_start(t)
        if incoming == "dip-to-black":
            layers[-1] = layers[-1].with_effects([vfx.FadeOut(fade)])
        layers.append(transition_in(clip, incoming, fade))
        for line in scene["captions"]:
            make = word_by_word if scene["style"] == "word-by-word" else caption
            overlays += make(line["text"], bold, t + line["at"], t + line["until"])
        incoming = scene["transition"]
        t += scene["seconds"] - (fade if incoming != "cut" else 0)
    if plan["signpost_seconds"]:
        signpost = card(film["texts"]["signpost"], plan["signpost_seconds"], bold, 72).with_start(t)
        layers.append(transition_in(signpost, incoming, fade))
        t += plan["signpost_seconds"]
    end = card(film["texts"]["end_card"], film["end_card_seconds"], regular, 50).with_start(t)
    layers.append(end)
    total = t + film["end_card_seconds"]
    video = CompositeVideoClip(layers + overlays, size=(W, H)).with_duration(total)

    voice = AudioFileClip(str(media / film["voiceover"]))
    voice = voice.subclipped(0, min(voice.duration, total))
    music = AudioFileClip(str(media / "music.m4a")).with_effects([afx.AudioLoop(duration=total)])
    # "Ducking": the music at a third of its level while the voice speaks.
    music = music.with_effects([afx.MultiplyVolume(0.25), afx.MultiplyVolume(0.3, 0, voice.duration),
                                afx.AudioFadeIn(0.5), afx.AudioFadeOut(1.0)])
    return video.with_audio(CompositeAudioClip([voice, music]).with_duration(total))


def main() -> int:
    film = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    out = sys.argv[2]
    video = build(film)
    if film.get("cut_seconds"):
        video = video.subclipped(0, film["cut_seconds"])
    keyint = str(2 * FPS)
    video.write_videofile(out, fps=FPS, codec="libx264", preset="medium", audio_codec="aac", audio_bitrate="192k",
                          audio_fps=48000, pixel_format="yuv420p", logger=None,
                          ffmpeg_params=["-crf", "20", "-profile:v", "high", "-g", keyint, "-keyint_min", keyint,
                                         "-sc_threshold", "0", "-flags", "+cgop", "-ac", "2"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
