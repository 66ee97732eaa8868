"""Audio cues: scene sound, voiceovers and the music bed, placed on the output timeline."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from toolkit.film.plan.inputs import LocIssue, PlanInputs
from toolkit.film.plan.timeline import AudioCue, Segment, VideoSource

if TYPE_CHECKING:
    from toolkit.film.plan.entry import Entry


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
        if isinstance(src, VideoSource) and src.has_audio and keep and volume > 0 and not src.reverse:
            # The footage's sound keeps to the picture's trim: it stops at `to` (a held last frame is
            # silent), or repeats the trimmed span under a looped picture; it plays at the picture's
            # speed, pitch kept (reversed footage is silent: footage.check says so).
            cues.append(AudioCue("source", src.path, seg.start, seg.length, src.start, volume,
                                 fade_in=seg.transition_in.frames, fade_out=fade_out,
                                 loop=src.hold == "loop" and src.end is not None, source_end=src.end,
                                 speed=src.speed))
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
        at = _narration_start(inp, entries, segments, issues)
        vo_frames = round(Fraction(str(info.duration)) * fps)
        if at >= total:
            issues.append(LocIssue(("voiceover", "at"), "the voiceover starts after the film ends"))
        else:
            if at + vo_frames > total:
                issues.append(LocIssue(("voiceover",), f"the voiceover is {info.duration:.1f}s but the film is "
                                       f"{float(total / fps):.1f}s; its end will be cut off", severity="warning"))
            cues.append(AudioCue("voice", inp.asset(sb.voiceover.file), at, min(vo_frames, total - at),
                                 Fraction(0), sb.voiceover.volume))
    # Music may play under the content warning: the rule is about speech (no narration before the
    # viewer has been warned), and a music bed carries no words.
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


def warning_end(entries: Sequence[Entry], segments: Sequence[Segment]) -> int | None:
    """The frame where the content-warning slate has left the screen, or None without one."""
    for entry, seg in zip(entries, segments, strict=True):
        if entry.kind == "slate" and entry.slate_kind == "content-warning":
            return seg.end
    return None


def _narration_start(inp: PlanInputs, entries: Sequence[Entry], segments: Sequence[Segment],
                     issues: list[LocIssue]) -> int:
    """Where the film-level voiceover starts: `at` when written, else after the content warning."""
    vo = inp.storyboard.voiceover
    assert vo is not None
    after = warning_end(entries, segments)
    if vo.at is None:
        return after or 0
    at = vo.at.to_frames(inp.canvas.fps)
    if after is not None and at < after:
        issues.append(LocIssue(("voiceover", "at"), f"the voiceover starts at {vo.at}, under the content-warning "
                               f"slate (until {float(Fraction(after) / inp.canvas.fps):.2f}s): viewers hear the "
                               "narration before they have been warned; leave `at` out to start it after the "
                               "warning", severity="warning", code="narration-under-warning"))
    return at
