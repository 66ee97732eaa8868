"""Synthetic placeholder media made with ffmpeg's lavfi sources (for `reel new`, examples, bench, tests).

Nothing here is part of the render path; it makes stand-in footage, stills and sound so a
storyboard renders before the trainee has shot anything.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from toolkit.errors import RenderError
from toolkit.settings import Settings


def _run(args: list[str], settings: Settings | None = None) -> None:
    settings = settings or Settings()
    argv = [settings.ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RenderError("making placeholder media", f"ffmpeg exited with {proc.returncode}", argv,
                          "\n".join(proc.stderr.strip().splitlines()[-10:]))


def footage(path: Path, *, seconds: float, width: int, height: int, colors: tuple[str, str] = ("0x264653",
            "0x2a9d8f"), fps: int = 30, sound: bool = True, crf: int = 30, settings: Settings | None = None) -> Path:
    """A slowly moving two-colour gradient clip (H.264), with quiet pink-noise room tone if `sound`."""
    c0, c1 = colors
    args = ["-f", "lavfi", "-i", f"gradients=s={width}x{height}:c0={c0}:c1={c1}:x0=0:y0=0:x1={width}:"
            f"y1={height}:speed=0.015:r={fps}:d={seconds}"]
    if sound:
        args += ["-f", "lavfi", "-i", f"anoisesrc=color=pink:amplitude=0.03:d={seconds}:r=48000"]
    args += ["-vf", "noise=alls=6:allf=t,format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf),
             "-pix_fmt", "yuv420p"]
    if sound:
        args += ["-c:a", "aac", "-b:a", "48k", "-ac", "1"]
    _run([*args, "-t", str(seconds), str(path)], settings)
    return path


def still(path: Path, *, width: int, height: int, colors: tuple[str, str] = ("0xe9c46a", "0xf4a261"),
          settings: Settings | None = None) -> Path:
    """A still picture: a soft diagonal gradient with a little grain."""
    _run(["-f", "lavfi", "-i", f"gradients=s={width}x{height}:c0={colors[0]}:c1={colors[1]}:x0=0:y0=0:"
          f"x1={width}:y1={height}:speed=0", "-vf", "noise=alls=8", "-frames:v", "1", "-q:v", "4", str(path)],
         settings)
    return path


# The comment tag of a stand-in voiceover: captions are not aligned to it (it says no words), and
# Reel says so once, as information, instead of warning that no caption was found in it.
PLACEHOLDER_VOICE = "reel placeholder voice: replace with a recording"


def speech_tone(path: Path, *, seconds: float, settings: Settings | None = None) -> Path:
    """A stand-in voiceover: a low tone with a syllable-like tremolo (replace with a real recording),
    tagged as a placeholder (`PLACEHOLDER_VOICE`)."""
    _run(["-f", "lavfi", "-i", f"sine=frequency=196:sample_rate=48000:duration={seconds}",
          "-af", "tremolo=f=4:d=0.7,volume=0.5,afade=t=in:d=0.2", "-c:a", "aac", "-b:a", "48k", "-ac", "1",
          "-metadata", f"comment={PLACEHOLDER_VOICE}", str(path)], settings)
    return path


def is_placeholder_voice(path: Path) -> bool:
    """Whether `path` is a stand-in voiceover made by `speech_tone` (its comment tag says so)."""
    import av

    try:
        with av.open(str(path)) as container:
            return container.metadata.get("comment") == PLACEHOLDER_VOICE
    except (av.FFmpegError, OSError, UnicodeDecodeError):
        return False


def music_bed(path: Path, *, seconds: float, settings: Settings | None = None) -> Path:
    """A soft sustained chord as a placeholder music bed."""
    expr = "0.2*sin(2*PI*220*t)+0.15*sin(2*PI*277.18*t)+0.15*sin(2*PI*329.63*t)"
    _run(["-f", "lavfi", "-i", f"aevalsrc={expr}:s=48000:d={seconds}", "-af", "afade=t=in:d=1",
          "-c:a", "aac", "-b:a", "48k", "-ac", "1", str(path)], settings)
    return path
