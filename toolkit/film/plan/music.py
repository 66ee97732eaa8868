"""Music cues and sound effects, placed on the output timeline.

A music cue plays its file from the in-point `from` at the film time `at`, until `until`, for
`for`, or (by default) until the next cue starts or the film ends. Two cues may overlap: the
overlap becomes a crossfade (the earlier cue fades out and the later fades in across it, at least
as long as their own fades). Three cues at once are refused: that is a mistake, not a mix.
Sound effects (`sounds:`) play once at their time, never ducked and never ducking the music.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING

from toolkit.film.plan import shape
from toolkit.film.plan.inputs import LocIssue, PlanInputs
from toolkit.film.plan.timeline import AudioCue, Segment
from toolkit.film.spec.models import Music, Sound

if TYPE_CHECKING:
    from toolkit.film.plan.entry import Entry

DEFAULT_FADE_IN = 15  # frames: the music bed's fade-in when a cue does not say
# Every cue is one more input and ~210 bytes of filter graph in the one render command, whose
# graph is a single argument: Linux caps one argument at 128 KiB (MAX_ARG_STRLEN), about 600
# cues (400 effects render; 1,100 cannot start: "Argument list too long"). These bounds leave
# room for the scenes' own sound: one effect every 1.8 s of a 180 s film, a music cue every 9 s.
MAX_EFFECTS = 100
MAX_MUSIC_CUES = 20


def film_ducks(inp: PlanInputs) -> bool:
    """Whether the mix ducks music under speech: when any written cue asks to (the default)."""
    cues = inp.storyboard.music_cues
    return any(m.duck for _, m in cues) if cues else True


def build_music(inp: PlanInputs, total: int, issues: list[LocIssue]) -> list[AudioCue]:
    """The music cues of the film (the template's bed when the storyboard has no `music:`)."""
    fps = inp.canvas.fps
    written = inp.storyboard.music_cues
    if not written:
        if inp.music is None or inp.template.music is None or inp.template.music.volume <= 0:
            return []
        return [AudioCue("music", inp.music, 0, total, Fraction(0), inp.template.music.volume,
                         fade_in=min(DEFAULT_FADE_IN, total // 4), fade_out=min(round(fps), total // 4), loop=True)]
    if len(written) > MAX_MUSIC_CUES:
        issues.append(LocIssue(written[MAX_MUSIC_CUES][0], f"a film may have at most {MAX_MUSIC_CUES} music cues "
                               f"(each is one more file the render opens); this list has {len(written)}"))
        return []
    placed: list[tuple[tuple[str | int, ...], AudioCue]] = []
    previous: Music | None = None
    for n, (loc, music) in enumerate(written):
        at = music.at.to_frames(fps)
        if previous is not None and music.at.to_seconds(fps) < previous.at.to_seconds(fps):
            issues.append(LocIssue((*loc, "at"), f"music cues are listed in the order they start: this one starts "
                                   f"at {music.at}, before the cue above it ({previous.at})"))
        previous = music
        nxt = written[n + 1][1].at.to_frames(fps) if n + 1 < len(written) else total
        cue = _cue(inp, loc, music, at, nxt if nxt > at else total, total, issues)
        if cue is not None:
            placed.append((loc, cue))
    return _crossfades(placed, fps, issues)


def _cue(inp: PlanInputs, loc: tuple[str | int, ...], music: Music, at: int, next_at: int, total: int,
         issues: list[LocIssue]) -> AudioCue | None:
    fps = inp.canvas.fps
    path = inp.asset(music.file)
    length_s = Fraction(str(inp.media[path].duration))
    start = music.from_.to_seconds(fps)
    if at >= total:
        issues.append(LocIssue((*loc, "at"), f"the music cue starts at {music.at}, after the film ends "
                               f"({shape.say(Fraction(total) / fps)} long, end card included)"))
        return None
    if start >= length_s:
        issues.append(LocIssue((*loc, "from"), f"`from` ({music.from_}) is past the end of `{music.file}` "
                               f"({float(length_s):.2f}s long)"))
        return None
    rest = -(-((length_s - start) * fps) // 1)  # frames of the file after the in-point
    if music.until is not None:
        end = music.until.to_frames(fps)
        if end <= at:
            issues.append(LocIssue((*loc, "until"), f"`until` ({music.until}) must be after `at` ({music.at})"))
            return None
    elif music.for_ is not None:
        end = at + music.for_.to_frames(fps)
    else:
        end = next_at if music.loop else min(next_at, at + rest)
    length = min(end, total) - at
    fade_in = min(DEFAULT_FADE_IN, length // 4) if music.fade_in is None else music.fade_in.to_frames(fps)
    fade_out = min(round(fps), length // 4) if music.fade_out is None else music.fade_out.to_frames(fps)
    if fade_in + fade_out > length:
        issues.append(LocIssue((*loc, "fade_out" if music.fade_out is not None else "fade_in"),
                               f"`fade_in` and `fade_out` together ({shape.say(Fraction(fade_in + fade_out) / fps)}) "
                               f"are longer than the cue ({shape.say(Fraction(length) / fps)})"))
        return None
    if music.volume <= 0:
        return None
    if start == 0 or not music.loop:
        # from the file's start the whole file loops (as a bed always has); without `loop` a file
        # shorter than the cue ends in silence
        return AudioCue("music", path, at, length, start, music.volume, fade_in=fade_in, fade_out=fade_out,
                        loop=music.loop and start == 0, duck=music.duck)
    # an in-point with `loop`: the span from `from` to the file's end plays round and round (only
    # when the cue outlasts it; else it plays once)
    looped = length > rest
    return AudioCue("music", path, at, length, start, music.volume, fade_in=fade_in, fade_out=fade_out,
                    loop=looped, source_end=length_s if looped else None, duck=music.duck)


def _crossfades(placed: Sequence[tuple[tuple[str | int, ...], AudioCue]], fps: Fraction,
                issues: list[LocIssue]) -> list[AudioCue]:
    """Overlapping neighbours crossfade over their overlap; a third cue under two is refused."""
    cues = [cue for _, cue in placed]
    for j in range(1, len(cues)):
        for i in range(j - 1):
            if cues[i].start + cues[i].length > cues[j].start:
                issues.append(LocIssue((*placed[j][0], "at"), f"three music cues would play at once at "
                                       f"{shape.say(Fraction(cues[j].start) / fps)}: end the earlier ones first "
                                       "(`until:`), two at a time crossfade"))
        a, b = cues[j - 1], cues[j]
        overlap = a.start + a.length - b.start
        if overlap > 0:
            cues[j - 1] = replace(a, fade_out=min(a.length, max(a.fade_out, overlap)))
            cues[j] = replace(b, fade_in=min(b.length, max(b.fade_in, overlap)))
    return cues


def build_sounds(inp: PlanInputs, entries: Sequence[Entry], segments: Sequence[Segment],
                 issues: list[LocIssue]) -> list[AudioCue]:
    """Sound effects: the film's `sounds:` at film times, each scene's from the scene's start."""
    fps = inp.canvas.fps
    total = segments[-1].end
    cues: list[AudioCue] = []
    if len(inp.storyboard.sounds) > MAX_EFFECTS:
        issues.append(LocIssue(("sounds", MAX_EFFECTS), f"a film may have at most {MAX_EFFECTS} sound effects "
                               f"(each is one more file the render opens); this list has "
                               f"{len(inp.storyboard.sounds)}"))
        return []
    for i, sound in enumerate(inp.storyboard.sounds):
        cues += _effect(inp, ("sounds", i), sound, 0, total, total, "the film ends", issues)
    written = len(inp.storyboard.sounds)
    for entry, seg in zip(entries, segments, strict=True):
        if entry.scene is not None:
            for i, sound in enumerate(entry.scene.sounds):
                written += 1
                if written == MAX_EFFECTS + 1:
                    issues.append(LocIssue((*entry.loc, "sounds", i), f"a film may have at most {MAX_EFFECTS} sound "
                                           "effects (each is one more file the render opens); this is the "
                                           f"{MAX_EFFECTS + 1}st"))
                cues += _effect(inp, (*entry.loc, "sounds", i), sound, seg.start, seg.end, total,
                                f"the scene ends (it is {shape.say(Fraction(seg.length) / fps)} long)", issues)
    return cues


def _effect(inp: PlanInputs, loc: tuple[str | int, ...], sound: Sound, offset: int, limit: int, total: int,
            after: str, issues: list[LocIssue]) -> list[AudioCue]:
    fps = inp.canvas.fps
    at = offset + sound.at.to_frames(fps)
    if at >= limit:
        issues.append(LocIssue((*loc, "at"), f"the sound starts at {sound.at}, after {after}"
                               + (f"; the film is {shape.say(Fraction(total) / fps)} long, end card included"
                                  if limit == total else "")))
        return []
    if sound.volume <= 0:
        return []
    path = inp.asset(sound.source)
    frames = -(-(Fraction(str(inp.media[path].duration)) * fps) // 1)
    return [AudioCue("effect", path, at, max(1, min(frames, total - at)), Fraction(0), sound.volume)]
