"""The standard bench film: synthetic media and a storyboard, shared by `run.py` and `moviepy_film.py`.

One scene list (`SCENES`) drives both renderers, so Reel and the MoviePy script show the same
clips, fits, moves, captions (same text, same times) and transitions. `storyboard()` writes it
as a Reel storyboard of any length: the eight scenes repeat (and the last one is shortened)
between a title slate and a signpost slate until the film, end card included, lasts the
requested number of seconds.

Media are 1080p synthetic footage from `toolkit.media.synth` (1920×1080 landscape and
1080×1920 portrait, grainy moving gradients, H.264), two 3000×2000 / 2000×3000 stills, a
voiceover tone and a music bed. They are made once into a folder and reused (`make_media`); delete
the folder after changing how they are made.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.media import synth

if TYPE_CHECKING:
    from toolkit.film.plan.timeline import Timeline

# The default template's caption font; the MoviePy script draws its text with the same files.
FONT_PACKAGE = "fontpkg_atkinson_hyperlegible"
TITLE = "Five small things that helped me"
SIGNPOST_SECONDS = 5.5
TITLE_SECONDS = 3.0
FADE = 0.5  # seconds of every non-cut transition


@dataclass(frozen=True)
class Caption:
    """One caption line shown from `at` to `until` seconds into its scene."""

    text: str
    at: float
    until: float


@dataclass(frozen=True)
class Scene:
    """One bench scene. `kind` is video, image, color or gradient; `transition` leads into the next."""

    kind: str
    seconds: float
    file: str = ""
    start: float = 0.0
    fit: str = "cover"
    move: str = "none"
    colors: tuple[str, ...] = ()
    style: str = "block"
    captions: tuple[Caption, ...] = ()
    transition: str = "cut"


def _lines(texts: list[str], seconds: float) -> tuple[Caption, ...]:
    """Captions back to back over the scene, each as long as its share of the words."""
    words = [len(t.split()) for t in texts]
    total, at, out = sum(words), 0.25, []
    span = seconds - 0.5
    for text, n in zip(texts, words, strict=True):
        until = at + span * n / total
        out.append(Caption(text, round(at, 2), round(until - 0.05, 2)))
        at = until
    return tuple(out)


# Eight scenes: blur-fill, cover (portrait), Ken Burns zoom, contain, colour, cover, Ken Burns pan,
# gradient. 38 captions, two scenes word by word.
SCENES: tuple[Scene, ...] = (
    Scene("video", 6.5, "landscape-a.mp4", 0.5, fit="blur-fill", transition="fade", captions=_lines([
        "Last spring was hard.", "I stopped answering messages.", "Even from close friends.",
        "Then small things", "started to help."], 6.5)),
    Scene("video", 6.5, "portrait-b.mp4", 1.0, fit="cover", style="word-by-word", transition="slide-left",
          captions=_lines(["One: a morning walk.", "Ten minutes was enough.", "Rain or shine.",
                           "It cleared my head.", "It got easier."], 6.5)),
    Scene("image", 6, "photo-landscape.jpg", move="zoom-in", transition="dip-to-black", captions=_lines([
        "Two: I told someone.", "Just one person.", "She simply listened.",
        "No advice needed.", "Less alone."], 6)),
    Scene("video", 6, "landscape-c.mp4", 2.0, fit="contain", captions=_lines([
        "Three: I wrote.", "Worries shrink on paper.", "Some days, one line.",
        "Some days, pages.", "Both counted."], 6)),
    Scene("color", 5, colors=("#1d3557",), transition="fade", captions=_lines([
        "Four: sleep first.", "Same bedtime nightly.", "Phone elsewhere.", "Then a habit."], 5)),
    Scene("video", 6.5, "portrait-d.mp4", 0.0, fit="cover", style="word-by-word", transition="slide-up",
          captions=_lines(["Five: ask for help.", "My doctor was kind.", "We made a plan.",
                           "Some weeks slipped.", "That is normal."], 6.5)),
    Scene("image", 6, "photo-portrait.jpg", move="pan-up", transition="fade", captions=_lines([
        "Nothing fixed everything.", "Each thing helped.", "Small steps count.",
        "Be patient.", "You are worth it."], 6)),
    Scene("gradient", 5, colors=("#264653", "#e76f51"), captions=_lines([
        "Sound familiar?", "You're not alone.", "Talking helps.", "Details at the end."], 5)),
)


@dataclass(frozen=True)
class FilmPlan:
    """The scenes of one bench film (in order), with the slates' lengths, as JSON-ready data."""

    seconds: float
    title: str
    title_seconds: float
    signpost_seconds: float
    scenes: list[Scene] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)


def film_plan(seconds: float, end_card_seconds: float) -> FilmPlan:
    """Scenes for a film of `seconds` in total, given how long the end card will be.

    Transitions overlap neighbours by `FADE`, so each non-cut transition shortens the film.
    Films under 30 s have no slates (they would leave almost no room for scenes).
    """
    slates = seconds >= 30
    title, signpost = (TITLE_SECONDS, SIGNPOST_SECONDS) if slates else (0.0, 0.0)
    # The title slate fades into the first scene.
    budget = seconds - end_card_seconds - title - signpost + (FADE if slates else 0.0)
    scenes: list[Scene] = []
    i = 0
    while budget > 0.05:
        scene = SCENES[i % len(SCENES)]
        overlap = FADE if scene.transition != "cut" else 0.0
        if scene.seconds - overlap >= budget:
            length = round(max(budget, 1.0), 3)
            scene = Scene(**{**asdict(scene), "seconds": length, "transition": "cut",
                             "captions": tuple(Caption(**c) for c in asdict(scene)["captions"]
                                               if c["until"] <= length - 0.1)})
            scenes.append(scene)
            break
        scenes.append(scene)
        budget -= scene.seconds - overlap
        i += 1
    return FilmPlan(seconds, TITLE, title, signpost, scenes)


def _yaml_str(text: str) -> str:
    return json.dumps(text)  # JSON strings are valid YAML scalars


def storyboard(plan: FilmPlan, media: Path, path: Path) -> Path:
    """Write `plan` as a Reel storyboard at `path` (media paths relative to it)."""
    rel = Path("media") if media == path.parent / "media" else media
    out = ["# Reel bench film (generated by bench/film.py)", f"title: {_yaml_str(plan.title)}",
           "region: UK", "topics: [general]", "platform: tiktok",
           f"voiceover: {rel / voiceover_name(plan.seconds)}",
           f"music: {{file: {rel / 'music.m4a'}, volume: 0.25, duck: yes, loop: yes}}", "scenes:"]
    if plan.title_seconds:
        out.append(f"  - {{slate: title, duration: {plan.title_seconds}s, "
                   f"transition: {{type: fade, duration: {FADE}s}}}}")
    for scene in plan.scenes:
        if scene.kind == "video":
            bg = (f"{{video: {rel / scene.file}, from: {scene.start}s, to: {scene.start + scene.seconds}s, "
                  f"fit: {scene.fit}}}")
        elif scene.kind == "image":
            bg = f"{{image: {rel / scene.file}, move: {scene.move}}}"
        elif scene.kind == "color":
            bg = f"{_yaml_str(scene.colors[0])}"
        else:
            bg = f"{{gradient: [{_yaml_str(scene.colors[0])}, {_yaml_str(scene.colors[1])}], direction: diagonal}}"
        out += [f"  - background: {bg}", f"    duration: {scene.seconds}s", "    audio: mute"
                if scene.kind == "video" else "    # no sound of its own"]
        if scene.captions:
            out += ["    captions:", f"      style: {scene.style}", "      lines:"]
            out += [f"        - {{text: {_yaml_str(c.text)}, at: {c.at}s, until: {c.until}s}}"
                    for c in scene.captions]
        if scene.transition != "cut":
            out.append(f"    transition: {{type: {scene.transition}, duration: {FADE}s}}")
    if plan.signpost_seconds:
        out.append(f"  - {{slate: signpost, duration: {plan.signpost_seconds}s}}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def voiceover_name(seconds: float) -> str:
    """The voiceover made for a film of `seconds` (it stops before the end card, as narration does)."""
    return f"voiceover-{seconds:g}s.m4a"


def make_media(folder: Path, *, lengths: tuple[float, ...] = (15, 60, 180)) -> Path:
    """Make the bench media in `folder/media`, each file once (kept between runs)."""
    media = folder / "media"
    media.mkdir(parents=True, exist_ok=True)
    clips = {"landscape-a.mp4": (1920, 1080, ("0x264653", "0x2a9d8f")),
             "portrait-b.mp4": (1080, 1920, ("0x3d405b", "0x81b29a")),
             "landscape-c.mp4": (1920, 1080, ("0x6d597a", "0xb56576")),
             "portrait-d.mp4": (1080, 1920, ("0x355070", "0xeaac8b"))}
    makers = {name: (lambda p, w=w, h=h, c=c: synth.footage(p, seconds=10, width=w, height=h, colors=c,
                                                          sound=False, crf=23))
              for name, (w, h, c) in clips.items()}
    # 10 s clips: longer than any trim, as phone clips are (draft proxies transcode whole files).
    makers["photo-landscape.jpg"] = lambda p: synth.still(p, width=3000, height=2000)
    makers["photo-portrait.jpg"] = lambda p: synth.still(p, width=2000, height=3000, colors=("0x8ecae6", "0x219ebc"))
    makers["music.m4a"] = lambda p: synth.music_bed(p, seconds=30)
    for length in lengths:
        makers[voiceover_name(length)] = lambda p, n=length: synth.speech_tone(p, seconds=n - 9)
    for name, make in makers.items():
        target = media / name
        if target.exists():
            continue
        partial = target.with_name(f".partial-{os.getpid()}-{name}")
        make(partial)
        partial.replace(target)
    return media


def moviepy_description(plan: FilmPlan, timeline, media: Path) -> dict:
    """What `moviepy_film.py` needs: the scenes, the media folder, fonts and Reel's slate/card texts.

    `timeline` is Reel's planned Timeline of the same storyboard (for the words on the slates
    and the end card, and the end card's length).
    """
    import importlib

    fonts = importlib.import_module(FONT_PACKAGE).ROOT / "files"
    texts: dict[str, list[str]] = {"title": [], "signpost": [], "end_card": []}
    for overlay in timeline.overlays:
        if overlay.kind not in ("slate", "end_card"):
            continue
        seg = next(s for s in timeline.segments if s.start <= overlay.start < s.end)
        key = "end_card" if overlay.kind == "end_card" else ("title" if seg.index == 0 else "signpost")
        texts[key] += [line.text for block in overlay.blocks for line in getattr(block, "lines", ())]
    fps = float(timeline.canvas.fps)
    return {"plan": asdict(plan), "media": str(media), "voiceover": voiceover_name(plan.seconds), "fade": FADE,
            "fonts": {"bold": str(fonts / "AtkinsonHyperlegible-Bold.ttf"),
                      "regular": str(fonts / "AtkinsonHyperlegible-Regular.ttf")},
            "texts": texts, "end_card_seconds": timeline.end_card.length / fps}


# ------------------------------------------------------------------ the layered variant (issue 14)


def make_stickers(media: Path) -> tuple[Path, Path]:
    """Two 480×480 RGBA stickers (a disc and a rounded badge on transparency), made once."""
    from PIL import Image, ImageDraw

    paths = (media / "sticker-disc.png", media / "sticker-badge.png")
    for path, color, shape in zip(paths, ((233, 196, 106, 255), (42, 157, 143, 235)), ("disc", "badge"),
                                  strict=True):
        if path.exists():
            continue
        image = Image.new("RGBA", (480, 480), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        if shape == "disc":
            draw.ellipse((20, 20, 460, 460), fill=color)
        else:
            draw.rounded_rectangle((20, 110, 460, 370), radius=60, fill=color)
        partial = path.with_name(f".partial-{os.getpid()}-{path.name}")
        image.save(partial, "PNG")
        partial.replace(path)
    return paths


def layered(timeline: Timeline, media: Path) -> Timeline:
    """The bench film with layers, built on its planned Timeline (the storyboard language is not needed):
    a full-frame B-roll cutaway of 1080p footage over the middle of every scene (2 s, or half a
    short scene), two stickers (pop in, fade out) and a picture-in-picture (portrait footage,
    rounded, bordered, sliding in and fading out) over a third of the film."""
    import dataclasses
    from fractions import Fraction

    from toolkit.film.plan.timeline import Box, ImageSource, Layer, LayerMotion, VideoSource

    canvas, fps = timeline.canvas, timeline.canvas.fps
    card = timeline.end_card.start
    scale = canvas.scale

    def box(x: int, y: int, w: int, h: int) -> Box:
        return Box(round(x * scale), round(y * scale), round(w * scale), round(h * scale))

    def frames(seconds: float) -> int:
        return round(seconds * fps)

    clips = ("landscape-c.mp4", "portrait-d.mp4", "landscape-a.mp4", "portrait-b.mp4")
    layers = []
    for i, seg in enumerate(seg for seg in timeline.segments if seg.kind == "scene"):
        length = min(frames(2), seg.length // 2)
        name = clips[i % len(clips)]
        w, h = (1920, 1080) if name.startswith("landscape") else (1080, 1920)
        start = Fraction(3 + i % 4, 2)
        source = VideoSource(media / name, start, "cover", w, h, False, end=start + Fraction(length, 1) / fps)
        layers.append(Layer(f"broll-{i}", source, seg.start + (seg.length - length) // 2, length,
                            Box(0, 0, canvas.width, canvas.height)))
    stickers = make_stickers(media)
    total = card
    for i, (path, at) in enumerate(zip(stickers, (0.1, 0.55), strict=True)):
        start, length = frames(at * total / fps), frames(0.35 * total / fps)
        layers.append(Layer(f"sticker-{i}", ImageSource(path, "contain", "none", 480, 480), start,
                            min(length, card - start - 1), box(660 - 420 * i, 330, 300, 300),
                            enter=LayerMotion("pop", frames(0.25)), exit=LayerMotion("fade", frames(0.3))))
    pip_start = frames(0.3 * total / fps)
    pip = VideoSource(media / "portrait-b.mp4", Fraction(0), "cover", 1080, 1920, False)
    layers.append(Layer("pip", pip, pip_start, min(frames(9.5), card - pip_start - 1), box(700, 1160, 300, 533),
                        radius=round(28 * scale), border=max(2, round(6 * scale)), border_color="#ffffffff",
                        enter=LayerMotion("slide-left", frames(0.4)), exit=LayerMotion("fade", frames(0.3))))
    return dataclasses.replace(timeline, layers=tuple(layers))
