"""Audio cues: scene sound, voiceovers and the music bed, placed on the output timeline."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from toolkit.build.plan.inputs import LocIssue, PlanInputs
from toolkit.build.plan.timeline import AudioCue, Segment, VideoSource

if TYPE_CHECKING:
    from toolkit.build.plan.planner import Entry


def build(inp: PlanInputs, entries: Sequence[Entry], segments: Sequence[Segment],
          issues: list[LocIssue]) -> list[AudioCue]:
    """Every sound of the film. Crossfades at transitions are fade-outs/ins over the overlap."""
    fps = inp.canvas.fps
    total = segments[-1].end
    cues: list[AudioCue] = []
    for i, (entry, seg) in enumerate(zip(entries, segments, strict=True)):
        fade_out = segments[i + 1].transition_in.frames if i + 1 < len(segments) else 0
        src = seg.source
        keep = entry.scene.audio.keep if entry.scene is not None else True
        volume = entry.scene.audio.volume if entry.scene is not None else 1.0
        if isinstance(src, VideoSource) and src.has_audio and keep and volume > 0:
            cues.append(AudioCue("source", src.path, seg.start, seg.length, src.start, volume,
                                 fade_in=seg.transition_in.frames, fade_out=fade_out))
        if entry.scene is not None and entry.scene.voiceover is not None:
            info = inp.info(entry.scene.voiceover)
            length = min(seg.length, round(Fraction(str(info.duration)) * fps))
            if round(Fraction(str(info.duration)) * fps) > seg.length + 1:
                issues.append(LocIssue((*entry.loc, "voiceover"), f"the scene voiceover is {info.duration:.2f}s "
                                       f"but the scene is {float(seg.length / fps):.2f}s; it will be cut off",
                                       severity="warning"))
            cues.append(AudioCue("voice", inp.asset(entry.scene.voiceover), seg.start, length, Fraction(0), 1.0))
    sb = inp.storyboard
    if sb.voiceover is not None:
        info = inp.info(sb.voiceover.file)
        at = sb.voiceover.at.to_frames(fps)
        vo_frames = round(Fraction(str(info.duration)) * fps)
        if at >= total:
            issues.append(LocIssue(("voiceover", "at"), "the voiceover starts after the film ends"))
        else:
            if at + vo_frames > total:
                issues.append(LocIssue(("voiceover",), f"the voiceover is {info.duration:.1f}s but the film is "
                                       f"{float(total / fps):.1f}s; its end will be cut off", severity="warning"))
            cues.append(AudioCue("voice", inp.asset(sb.voiceover.file), at, min(vo_frames, total - at),
                                 Fraction(0), sb.voiceover.volume))
    music_path, music_volume, loop = None, 0.0, True
    if sb.music is not None:
        music_path, music_volume, loop = inp.asset(sb.music.file), sb.music.volume, sb.music.loop
    elif inp.music is not None and inp.template.music is not None:
        music_path, music_volume = inp.music, inp.template.music.volume
    if music_path is not None and music_volume > 0:
        info = inp.media[music_path]
        length = total if loop else min(total, round(Fraction(str(info.duration)) * fps))
        cues.append(AudioCue("music", music_path, 0, length, Fraction(0), music_volume,
                             fade_in=min(15, length // 4), fade_out=min(round(fps), length // 4), loop=loop))
    return cues
