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


def voices() -> None:
    """The examples' voiceovers as speech (espeak-ng, needed only here): each scene's untimed
    captions said where that scene's voice is heard, so Reel's alignment has the words to find.
    `voiceover.m4a` carries loneliness-layers-and-sound's two scene voiceovers (0–7 s and 8–14 s);
    `narration.m4a` is psychosis-three-things' film voiceover, its timed captions said at their `at`."""
    import subprocess
    import sys
    import tempfile

    sys.path.insert(0, str(MEDIA.parent.parent / "tests"))
    import speech_factory as sf

    from toolkit.film.pipeline import prepare
    from toolkit.film.speech import speech_cue
    from toolkit.settings import Settings

    for storyboard, name in (("loneliness-layers-and-sound.yaml", "voiceover"),
                             ("psychosis-three-things.yaml", "narration")):
        prepared = prepare(MEDIA.parent / storyboard)
        inp, tl = prepared.inputs, prepared.timeline
        fps = inp.canvas.fps
        lines: list[tuple[float, str]] = []  # (earliest start in the file, text)
        for seg in tl.segments:
            scene = inp.storyboard.scenes[int(seg.loc[1])] if seg.kind == "scene" else None
            cue = speech_cue(inp, scene, seg, tl.audio) if scene is not None else None
            if cue is None or scene.captions is None or scene.captions.lines is None:
                continue
            start = float(cue.source_start + (seg.start - cue.start) / fps * cue.speed)  # the scene's start in the file
            for k, line in enumerate(scene.captions.lines):
                at = start + (float(line.at.to_seconds(fps)) if line.at is not None else 0.1 if k == 0 else 0.0)
                lines.append((at, line.text))
        with tempfile.TemporaryDirectory() as tmp:
            lengths = [sf.join(Path(tmp) / "one.wav", [text], gap=0.0, lead=0.0, rate=200).duration
                       for _, text in lines]
            # each line after the one before it: 0.4 s later at least, and late enough that the caption
            # before it, shown from its first word to the next caption, gets its 0.3 s a word to be read
            starts: list[float] = []
            for earliest, _ in lines:
                if starts:
                    words = len(lines[len(starts) - 1][1].split())
                    earliest = max(earliest, starts[-1] + max(lengths[len(starts) - 1] + 0.4, 0.3 * words + 0.1))
                starts.append(earliest)
            gaps = [b - a - n for a, b, n in zip(starts, starts[1:], lengths, strict=False)] + [1.0]
            spoken = sf.join(Path(tmp) / "voice.wav", [t for _, t in lines], gap=0.0, gaps=gaps, lead=starts[0],
                             rate=200)
            end = starts[-1] + lengths[-1] + 1.0
            subprocess.run([Settings().ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(spoken.path),
                            "-af", f"atrim=0:{end:.3f}", "-ar", "48000", "-c:a", "aac", "-b:a", "48k", "-ac", "1",
                            str(MEDIA / f"{name}.m4a")], check=True)
        print(f"{name}.m4a: {len(lines)} lines said for {storyboard}, {end:.1f}s; "
              + ", ".join(f"{s:.1f}s" for s in starts))


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
    voices()  # the voiceovers: speech of the examples' captions (needs espeak-ng)
    synth.music_bed(MEDIA / "music.m4a", seconds=12)
    total = sum(p.stat().st_size for p in MEDIA.iterdir())
    print(f"wrote {len(list(MEDIA.iterdir()))} files, {total / 1e6:.2f} MB, in {MEDIA}")


if __name__ == "__main__":
    main()
