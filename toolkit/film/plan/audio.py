"""Audio cues: scene sound, voiceovers, music cues and sound effects, placed on the output timeline.

A scene's sound is its footage's sound (when kept) and its own voiceover. It fades over a
transition's overlap and by `CUT_FADE` frames at a cut, so a hard cut never clicks. `audio:
{lead, tail}` moves it past the picture's edges (J and L cuts): it starts `lead` before the
scene's picture, under the previous scene, and carries on `tail` after it, under the next. The
footage sound stays in sync with the picture and inside `from`–`to`: with a lead the picture
starts `lead` into the trim (the planner shifts it, `picture_shift`), and a tail reads the trim
after the picture's last frame; at `to` (or the footage's end) the footage sound stops, and the
planner says so when that cuts the tail short.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from toolkit.film.plan import music, shape
from toolkit.film.plan.inputs import LocIssue, PlanInputs
from toolkit.film.plan.timeline import AudioCue, Segment, VideoSource
from toolkit.film.spec.models import Scene, SceneVoiceover, VideoBackground

if TYPE_CHECKING:
    from toolkit.film.plan.entry import Entry

# Frames of fade where kept footage sound or a cut-off voice meets a hard cut: a waveform that
# starts or stops mid-swing clicks; one frame (33 ms at 30 fps) is the shortest fade a cue holds.
CUT_FADE = 1


def build(inp: PlanInputs, entries: Sequence[Entry], segments: Sequence[Segment],
          issues: list[LocIssue]) -> list[AudioCue]:
    """Every sound of the film. Crossfades at transitions are fade-outs/ins over the overlap."""
    total = segments[-1].end
    cues: list[AudioCue] = []
    for i, (entry, seg) in enumerate(zip(entries, segments, strict=True)):
        fade_out = segments[i + 1].transition_in.frames if i + 1 < len(segments) else 0
        cues += _scene_sound(inp, entry, seg, fade_out, total, warning_end(entries, segments), issues)
    cues += _narration(inp, entries, segments, issues)
    # Music may play under the content warning: the rule is about speech (no narration before the
    # viewer has been warned), and a music bed carries no words.
    cues += music.build_music(inp, total, issues)
    cues += music.build_sounds(inp, entries, segments, issues)
    if not any(c.volume > 0 for c in cues):
        issues.append(LocIssue(("music",), "this film has no sound at all (no music, voiceover, sound effect or "
                               "footage sound): the default TikTok rubric fails silent clips (`audio-present`) and "
                               "viewers take a silent film for a broken one; add a music bed, e.g. "
                               "`music: media/music.m4a`", severity="warning", code="silent-film"))
    return cues


def lead_frames(scene: Scene | None, fps: Fraction) -> int:
    """Frames the scene's sound starts before its picture (J cut)."""
    return scene.audio.lead.to_frames(fps) if scene is not None else 0


def tail_frames(scene: Scene | None, fps: Fraction) -> int:
    """Frames the scene's sound carries on after its picture (L cut)."""
    return scene.audio.tail.to_frames(fps) if scene is not None else 0


def picture_shift(scene: Scene, bg: VideoBackground, fps: Fraction) -> Fraction:
    """Seconds of footage the picture skips at the start of the trim: the lead, heard but not seen
    (played at the footage's speed), so the sound under the previous scene comes from inside
    `from`–`to` and stays in sync with the picture."""
    if bg.hold == "loop" or bg.reverse:
        return Fraction(0)  # refused with a lead (see `_scene_sound`); the picture is left as written
    return Fraction(lead_frames(scene, fps)) / fps * bg.speed


def voiceover_span(inp: PlanInputs, vo: SceneVoiceover) -> tuple[Fraction, Fraction]:
    """The part of a scene voiceover's file that plays: `from` to `to` (or the file's end), seconds."""
    fps = inp.canvas.fps
    length = Fraction(str(inp.info(vo.file).duration))
    end = min(vo.to.to_seconds(fps), length) if vo.to is not None else length
    start = vo.from_.to_seconds(fps)
    return start, max(end, start)


def voiceover_frames(inp: PlanInputs, vo: SceneVoiceover) -> int:
    """The trimmed voiceover's length in frames (a scene without `duration` lasts this long)."""
    start, end = voiceover_span(inp, vo)
    return round((end - start) * inp.canvas.fps)


def _scene_sound(inp: PlanInputs, entry: Entry, seg: Segment, fade_out: int, total: int, warned: int | None,
                 issues: list[LocIssue]) -> list[AudioCue]:
    fps = inp.canvas.fps
    scene = entry.scene
    lead, tail = lead_frames(scene, fps), tail_frames(scene, fps)
    if not _edges_fit(entry, seg, lead, tail, total, warned, fps, issues):
        return []
    start, length = seg.start - lead, seg.length + lead + tail
    fade_in = max(seg.transition_in.frames, CUT_FADE)
    fade_out = max(fade_out, CUT_FADE)
    cues: list[AudioCue] = []
    src = seg.source
    keep = scene.audio.keep if scene is not None else True
    volume = scene.audio.volume if scene is not None else 1.0
    if isinstance(src, VideoSource) and src.has_audio and keep and volume > 0 and not src.reverse:
        # The footage's sound keeps to the picture's trim: it stops at `to` (a held last frame is
        # silent), or repeats the trimmed span under a looped picture; it plays at the picture's
        # speed, pitch kept (reversed footage is silent: footage.check says so).
        first = src.start - Fraction(lead) / fps * src.speed  # the trim's `from` when there is a lead
        if tail and src.end is not None and src.hold == "none":
            heard = (src.end - first) * fps / src.speed
            if heard < length:
                into = max(heard - lead - seg.length, Fraction(0)) / fps
                issues.append(LocIssue((*entry.loc, "audio", "tail"), f"the footage sound stops at the trim's end "
                                       f"(`to`), {shape.say(into)} into the "
                                       f"{shape.say(Fraction(tail) / fps)} tail: footage outside `from`–`to` is "
                                       "never played. Give the scene a `duration` shorter than the trim by the tail "
                                       "to hear all of it", severity="warning", code="tail-past-trim"))
        cues.append(AudioCue("source", src.path, start, length, first, volume, fade_in=min(fade_in, length // 2),
                             fade_out=min(fade_out, length // 2), loop=src.hold == "loop" and src.end is not None,
                             source_end=src.end, speed=src.speed,
                             disguise=scene is not None and disguised(scene.background)))
    elif scene is not None and isinstance(src, VideoSource) and disguised(scene.background):
        issues.append(nothing_to_disguise((*entry.loc, "background", "anonymise", "voice"),
                                           "audio: mute" if not keep else "audio volume 0" if volume <= 0 else
                                           "reverse: yes" if src.reverse else None))
    if scene is not None and scene.voiceover is not None:
        vo = scene.voiceover
        begin, end = voiceover_span(inp, vo)
        frames = round((end - begin) * fps)
        if frames > length + 1:
            issues.append(LocIssue((*entry.loc, "voiceover"), f"the scene voiceover is {float(end - begin):.2f}s "
                                   f"but the scene is {float(Fraction(length) / fps):.2f}s; it will be cut off",
                                   severity="warning"))
        played = min(length, frames)
        cues.append(AudioCue("voice", inp.asset(vo.file), start, played, begin, vo.volume,
                             fade_out=CUT_FADE if frames > played else 0,
                             source_end=end if vo.to is not None else None, disguise=disguised(vo)))
    return cues


def _edges_fit(entry: Entry, seg: Segment, lead: int, tail: int, total: int, warned: int | None,
               fps: Fraction, issues: list[LocIssue]) -> bool:
    """A lead that starts before the film, a tail past its end, or either on looped/reversed footage:
    located errors; a lead under the content warning: a warning (speech before the viewer is warned)."""
    if not lead and not tail:
        return True
    where = (*entry.loc, "audio")
    bg = entry.scene.background if entry.scene is not None else None
    ok = True
    if isinstance(bg, VideoBackground) and (bg.hold == "loop" or bg.reverse):
        issues.append(LocIssue((*where, "lead" if lead else "tail"), "a J or L cut (`lead`/`tail`) needs footage "
                               "that plays once, forwards: not with `hold: loop` or `reverse`"))
        ok = False
    if seg.start - lead < 0:
        issues.append(LocIssue((*where, "lead"), f"the lead ({shape.say(Fraction(lead) / fps)}) would start the "
                               f"scene's sound before the film starts (the scene starts at "
                               f"{shape.say(Fraction(seg.start) / fps)})"))
        ok = False
    if seg.end + tail > total:
        issues.append(LocIssue((*where, "tail"), "the tail would carry the scene's sound past the film's end"))
        ok = False
    if ok and lead and warned is not None and seg.start - lead < warned:
        issues.append(LocIssue((*where, "lead"), "the lead starts this scene's sound under the content-warning "
                               "slate: viewers may hear speech before they have been warned; shorten `lead`",
                               severity="warning", code="narration-under-warning"))
    return ok


def _narration(inp: PlanInputs, entries: Sequence[Entry], segments: Sequence[Segment],
               issues: list[LocIssue]) -> list[AudioCue]:
    """The film-level voiceover, from `at` (default: after the content warning) to its end."""
    sb = inp.storyboard
    if sb.voiceover is None:
        return []
    fps = inp.canvas.fps
    total = segments[-1].end
    info = inp.info(sb.voiceover.file)
    at = _narration_start(inp, entries, segments, issues)
    vo_frames = round(Fraction(str(info.duration)) * fps)
    if at >= total:
        issues.append(LocIssue(("voiceover", "at"), "the voiceover starts after the film ends"))
        return []
    if at + vo_frames > total:
        issues.append(LocIssue(("voiceover",), f"the voiceover is {info.duration:.1f}s but the film is "
                               f"{float(total / fps):.1f}s; its end will be cut off", severity="warning"))
    return [AudioCue("voice", inp.asset(sb.voiceover.file), at, min(vo_frames, total - at),
                     Fraction(0), sb.voiceover.volume, disguise=disguised(sb.voiceover))]


def disguised(owner: object) -> bool:
    """Whether a voiceover, footage background or video layer asks for `anonymise: {voice: disguise}`."""
    return getattr(getattr(owner, "anonymise", None), "voice", None) == "disguise"


def nothing_to_disguise(loc: tuple[str | int, ...], why: str | None) -> LocIssue:
    """`voice: disguise` on footage whose sound is never heard: a warning (nothing identifying is heard, so
    nothing is at risk, but the request does nothing and the writer should know)."""
    because = f"its sound is not played ({why})" if why else "it has no sound track"
    return LocIssue(loc, f"`voice: disguise` does nothing here: {because}, so no voice is heard to disguise. "
                    "Remove it, or keep the sound to hear it disguised", severity="warning",
                    code="disguise-nothing-heard")


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
