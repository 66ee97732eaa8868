"""Captions timed by the speech: which sound of a scene carries its words, and when each is said.

A scene's untimed captions (`lines` without `at`, `until` or `for`) are aligned to its speech
(`toolkit.media.align`). The speech is, in this order: the scene's own `voiceover`, the film's
`voiceover` while it plays under the scene, or the scene's footage sound when it is kept. Where
that sound plays comes from a first plan of the film, whose audio cues already say it (voiceover
offsets, trims, `from`–`to`, speed, J/L-cut leads): a cue plays `source_start` seconds into its
file at frame `start`, at `speed`, so frame f of the scene hears the file at
`source_start + (f - cue.start) / fps * speed`. Only the part under the scene's picture is
searched; a neighbour's J/L-cut lead is that neighbour's speech, not this scene's.

What this decides goes to the planner as `PlanInputs.spoken` (word times from the scene's
start); the planner stays pure. Problems are located `LocIssue`s: a caption whose words are not
found in the speech (warning, it keeps reading-speed timing), a scene whose speech cannot be
aligned (warning), a language without a model (one info line).

The film's own untimed script (`captions:` at the top) is aligned by `toolkit.film.script_speech`,
whose `timed_by_speech` plans the film again with both.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from toolkit.errors import ReelError
from toolkit.film.plan.audio import lead_frames
from toolkit.film.plan.inputs import LocIssue, PlanInputs, SpokenCaption
from toolkit.film.plan.timeline import AudioCue, Segment, Timeline
from toolkit.film.spec.models import Scene
from toolkit.media.align import Alignment, align, model_for, spoken_words
from toolkit.media.synth import is_placeholder_voice
from toolkit.settings import Settings


@dataclass(frozen=True, slots=True)
class SceneSpeech:
    """One scene's captions aligned to the sound that carries its speech."""

    scene: int  # index in the storyboard's `scenes`
    path: Path  # the file heard
    cue: AudioCue
    segment: Segment
    alignment: Alignment | None  # None when it could not be aligned (`problem` says why)
    problem: str = ""


def untimed_captions(scene: Scene) -> list[str] | None:
    """The texts of a scene's captions when none of them has a time (they can be aligned), else None."""
    track = scene.captions
    if track is None or track.lines is None or not track.lines:
        return None
    if any(c.at is not None or c.until is not None or c.for_ is not None for c in track.lines):
        return None  # explicit times win
    return [c.text for c in track.lines]


def align_speech(inp: PlanInputs, timeline: Timeline, *, cache_dir: Path | None = None
                 ) -> tuple[dict[int, tuple[SpokenCaption | None, ...]], list[LocIssue], list[SceneSpeech]]:
    """Word times of every scene whose untimed captions have speech under them, keyed by scene index;
    the located problems; and what was heard per scene (for `reel captions align`)."""
    sb = inp.storyboard
    fps = inp.canvas.fps
    spoken: dict[int, tuple[SpokenCaption | None, ...]] = {}
    issues: list[LocIssue] = []
    reports: list[SceneSpeech] = []
    jobs = []
    for seg in timeline.segments:
        if seg.kind != "scene" or len(seg.loc) < 2 or seg.loc[0] != "scenes":
            continue
        index = int(seg.loc[1])
        scene = sb.scenes[index]
        if not isinstance(scene, Scene):
            continue
        texts = untimed_captions(scene)
        cue = speech_cue(inp, scene, seg, timeline.audio) if texts else None
        if texts and cue is not None:
            jobs.append((index, scene, seg, texts, cue))
    if not jobs:
        return spoken, issues, reports
    if model_for(sb.language) is None:
        issues.append(LocIssue(("language",), f"captions are not aligned to the speech: there is no alignment model "
                               f"for `{sb.language}` (English only); untimed captions are spread by reading speed",
                               severity="info", code="align-no-model"))
        return spoken, issues, reports
    cache = cache_dir if cache_dir is not None else Settings.cache_root() / "align"
    for index, _scene, seg, texts, cue in jobs:
        if is_placeholder_voice(cue.path):
            issues.append(LocIssue(("scenes", index, "captions"), f"`{source_name(inp, cue.path)}` is Reel's "
                                   "placeholder voice: the captions are spread by reading speed until it is "
                                   "replaced by a recording, then they follow the speech", severity="info",
                                   code="align-placeholder"))
            continue
        report = _align_scene(inp, index, seg, texts, cue, cache)
        reports.append(report)
        loc = ("scenes", index, "captions")
        if report.alignment is None:
            issues.append(LocIssue(loc, f"the captions could not be aligned to the speech ({report.problem}); they "
                                   "are spread by reading speed", severity="warning", code="align-failed"))
            continue
        spoken[index] = tuple(_to_scene(report, c, fps) for c in report.alignment.captions)
        where = f"`{source_name(inp, report.path)}` {clock(report.alignment.start)}–{clock(report.alignment.end)}"
        sayable = [k for k, c in enumerate(report.alignment.captions) if any(spoken_words(w.word) for w in c.words)]
        if sayable and not any(report.alignment.captions[k].placed for k in sayable):
            # nothing of it is there: music, silence, a placeholder or another language; said once
            issues.append(LocIssue(loc, f"none of the captions' words were found in the speech (searched {where}; "
                                   "music, silence, a placeholder, or another language?); they are timed by reading "
                                   "speed instead", severity="warning", code="caption-not-spoken"))
            continue
        for k, (caption, text) in enumerate(zip(report.alignment.captions, texts, strict=True)):
            if caption.placed:
                continue
            words = " ".join(w.word for w in caption.words)
            if k not in sayable:
                issues.append(LocIssue((*loc, "lines", k), f"“{text}” has no words to align to the speech; it is "
                                       "shown between its neighbours", severity="info", code="align-no-words"))
            else:
                issues.append(LocIssue((*loc, "lines", k), f"the words “{words}” were not found in the speech "
                                       f"(searched {where}); this caption is timed by reading speed instead",
                                       severity="warning", code="caption-not-spoken"))
    return spoken, issues, reports


def speech_cue(inp: PlanInputs, scene: Scene, seg: Segment, cues: tuple[AudioCue, ...] | list[AudioCue]
                ) -> AudioCue | None:
    """The cue that carries the scene's speech under its picture: its voiceover, the film's
    voiceover, or its kept footage sound (not a neighbour's J/L-cut lead, not a looped trim)."""
    fps = inp.canvas.fps
    own_start = seg.start - lead_frames(scene, fps)
    film_vo = inp.asset(inp.storyboard.voiceover.file) if inp.storyboard.voiceover is not None else None
    scene_vo = inp.asset(scene.voiceover.file) if scene.voiceover is not None else None

    def under(c: AudioCue) -> bool:
        return c.start < seg.end and c.start + c.length > seg.start and c.volume > 0 and not c.loop

    voices = [c for c in cues if c.role == "voice" and under(c)]
    for c in voices:
        if scene_vo is not None and c.path == scene_vo and c.start == own_start:
            return c
    for c in voices:
        if film_vo is not None and c.path == film_vo:
            return c
    for c in cues:
        if c.role == "source" and under(c) and c.start == own_start:
            return c
    return None


def _align_scene(inp: PlanInputs, index: int, seg: Segment, texts: list[str], cue: AudioCue,
                 cache: Path) -> SceneSpeech:
    fps = inp.canvas.fps
    first = max(seg.start, cue.start)
    last = min(seg.end, cue.start + cue.length)
    begin = cue.source_start + Fraction(first - cue.start) / fps * cue.speed
    end = cue.source_start + Fraction(last - cue.start) / fps * cue.speed
    if cue.source_end is not None:
        end = min(end, cue.source_end)
    try:
        from toolkit.film.proxy import content_digest

        digest = content_digest(cue.path, cache / "digests")
        result = align(cue.path, texts, start=float(begin), end=float(end), language=inp.storyboard.language,
                       digest=digest, cache_dir=cache)
    except (ReelError, OSError) as exc:
        return SceneSpeech(index, cue.path, cue, seg, None, str(exc))
    return SceneSpeech(index, cue.path, cue, seg, result)


def _to_scene(report: SceneSpeech, caption, fps: Fraction) -> SpokenCaption | None:
    """A caption's word times from the scene's start, or None when it was not placed."""
    if not caption.placed:
        return None
    cue, seg = report.cue, report.segment

    def at(t: float) -> Fraction:
        heard = (Fraction(t).limit_denominator(1000) - cue.source_start) / cue.speed
        return heard + Fraction(cue.start - seg.start) / fps

    return SpokenCaption(tuple(None if w.start is None or w.end is None else (at(w.start), at(w.end))
                               for w in caption.words))


def source_name(inp: PlanInputs, path: Path) -> str:
    """A sound file named for a message: relative to the storyboard's folder where it lies inside it."""
    try:
        return str(path.relative_to(inp.base_dir.resolve()))
    except ValueError:
        return path.name


def clock(seconds: float) -> str:
    """`m:ss.mmm`, how messages give a time inside a sound file."""
    ms = round(seconds * 1000)
    return f"{ms // 60_000}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def caption_report(inp: PlanInputs, timeline: Timeline) -> list[dict]:
    """Per scene with captions: the speech heard (file and span), why its captions are not timed by
    it (when they are not), and each caption's planned times and its words' spoken times, seconds
    from the scene's start. What `reel captions align` prints (`--json`: schema/captions-align)."""
    _, issues, heard = align_speech(inp, timeline)
    by_scene = {r.scene: r for r in heard}
    fps = inp.canvas.fps
    out = []
    for seg in timeline.segments:
        if seg.kind != "scene" or len(seg.loc) < 2 or seg.loc[0] != "scenes":
            continue
        index = int(seg.loc[1])
        scene = inp.storyboard.scenes[index]
        if not isinstance(scene, Scene) or scene.captions is None:
            continue
        report = by_scene.get(index)
        spoken = inp.spoken.get(index)
        texts = untimed_captions(scene)
        if texts is None:
            why = "the captions have written times (explicit times win)" if scene.captions.lines else \
                "the captions come from a subtitle file with its own times"
        elif report is None:
            why = next((i.message for i in issues if i.code == "align-no-model"
                        or (i.code == "align-placeholder" and i.loc[:2] == ("scenes", index))),
                       "no speech under this scene (no voiceover, and no footage sound kept)")
        elif report.alignment is None:
            why = report.problem
        else:
            why = None
        speech = None
        if report is not None:
            start = report.alignment.start if report.alignment else float(report.cue.source_start)
            speech = {"file": source_name(inp, report.path), "from": round(start, 3),
                      "to": round(report.alignment.end, 3) if report.alignment else None}
        captions = []
        for o in timeline.overlays:
            if o.kind != "caption" or o.loc[:2] != ("scenes", index):
                continue
            k = o.loc[-1] if isinstance(o.loc[-1], int) else len(captions)
            if captions and captions[-1]["index"] == k:
                captions[-1]["end"] = round(float(Fraction(o.end - seg.start) / fps), 3)
                continue
            line = scene.captions.lines[k] if scene.captions.lines and isinstance(k, int) else None
            placed = spoken[k] if spoken is not None and k < len(spoken) else None
            words = []
            if placed is not None and line is not None:
                words = [{"word": w, "start": None if t is None else round(float(t[0]), 3),
                          "end": None if t is None else round(float(t[1]), 3)}
                         for w, t in zip(line.text.split(), placed.words, strict=False)]
            captions.append({"index": k, "text": line.text if line is not None else "",
                             "start": round(float(Fraction(o.start - seg.start) / fps), 3),
                             "end": round(float(Fraction(o.end - seg.start) / fps), 3),
                             "timed_by": "written" if texts is None else "speech" if placed is not None
                             else "reading speed", "words": words})
        unplaced = [i.message for i in issues if i.loc[:2] == ("scenes", index) and len(i.loc) > 3]
        out.append({"scene": index, "speech": speech, "fallback": why, "not_placed": unplaced,
                    "captions": captions})
    return out
