"""The film's own script timed by its speech: a top-level `captions:` list without times, aligned.

A trainee may write the whole film's words once, as the film's caption list, with no times. The
speech under the film is then found scene by scene (`speech.speech_cue`: a scene's voiceover, the
film's voiceover under it, or its kept footage sound) and cut into runs: consecutive scenes heard
from the same cue are one run (the film's voiceover under every scene is one run, one search).
Each run's span of its file is searched, in film order, for the lines not yet placed after the
last placed one (`toolkit.media.align`; the grammar skips lines not spoken there, so a line is
placed at most once and the lines stay in order); a scene with its own `captions:` is not
searched (its speech is its own captions'). A run covers its scenes from the middle of the
transition into the first to the middle of the transition out of the last (where the film's
captions hand over, `plan.film_captions.handover`), and never the end card.

What this finds goes to the planner as `PlanInputs.film_spoken` (word times from the film's
start), where `plan.film_captions` times the lines and cuts them at the scenes like any film
caption. A line not found is a located warning (its words and the spans searched) and reads
between its placed neighbours. No speech under any scene: nothing is aligned, and the script is
planned as today. No model for the language, Reel's placeholder voice, or speech the aligner
cannot read: said, and the script is spread over the film by reading speed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from toolkit.errors import ReelError
from toolkit.film.plan.film_captions import handover
from toolkit.film.plan.inputs import LocIssue, PlanInputs, SpokenCaption
from toolkit.film.plan.planner import PlanResult, plan
from toolkit.film.plan.timeline import AudioCue, Timeline
from toolkit.film.spec.models import Scene, Storyboard
from toolkit.film.speech import align_speech, clock, source_name, speech_cue
from toolkit.media.align import Alignment, align, model_for, spoken_words
from toolkit.media.synth import is_placeholder_voice
from toolkit.settings import Settings


@dataclass(frozen=True, slots=True)
class ScriptRun:
    """A span of the film whose speech comes from one cue, and the script lines searched in it."""

    cue: AudioCue
    first: int  # film frames [first, last) searched
    last: int
    lines: tuple[int, ...]  # indices of the script's lines searched here
    alignment: Alignment | None = None
    problem: str = ""

    def span(self, fps: Fraction) -> tuple[float, float]:
        """Seconds of the cue's file heard over frames [first, last)."""
        cue = self.cue
        begin = cue.source_start + Fraction(self.first - cue.start) / fps * cue.speed
        end = cue.source_start + Fraction(self.last - cue.start) / fps * cue.speed
        if cue.source_end is not None:
            end = min(end, cue.source_end)
        return float(begin), float(end)


def film_script(storyboard: Storyboard) -> list[str] | None:
    """The texts of the film's own caption list when none of its lines has a time, else None."""
    track = storyboard.captions
    if track is None or not track.lines:
        return None
    if any(c.at is not None or c.until is not None or c.for_ is not None for c in track.lines):
        return None  # explicit times win
    return [c.text for c in track.lines]


def script_pending(inp: PlanInputs) -> PlanInputs:
    """`inp` for the first plan, whose audio says where the speech is: the film's untimed script is
    left out of it (it has no times yet); unchanged for a film without one."""
    return replace(inp, film_spoken=()) if film_script(inp.storyboard) is not None else inp


def timed_by_speech(inp: PlanInputs, result: PlanResult) -> tuple[PlanInputs, PlanResult, list[LocIssue]]:
    """The film planned again with its untimed captions (a scene's, `speech.align_speech`, or the
    film's own script) aligned to the speech under them, and the alignment's problems; `inp` and
    `result` unchanged when there are none. `result` is the plan of `script_pending(inp)`."""
    spoken, issues, _ = align_speech(inp, result.timeline)
    script, more, _ = align_script(inp, result.timeline)
    issues += [i for i in more if (i.loc, i.code) not in {(j.loc, j.code) for j in issues}]
    if not spoken and film_script(inp.storyboard) is None:
        return inp, result, issues
    timed = replace(inp, spoken=spoken, film_spoken=script)  # script None: no speech, planned as before
    return timed, plan(timed), issues


def speech_runs(inp: PlanInputs, timeline: Timeline) -> list[tuple[AudioCue, int, int]]:
    """(cue, first frame, last frame) of each run of consecutive scenes heard from one cue, in order."""
    segments = timeline.segments
    card = segments[-1].start
    runs: list[tuple[AudioCue, int, int]] = []
    previous = -2
    for i, seg in enumerate(segments[:-1]):
        if seg.kind != "scene" or len(seg.loc) < 2 or seg.loc[0] != "scenes":
            continue
        scene = inp.storyboard.scenes[int(seg.loc[1])]
        # a scene with its own captions has its own words: its speech is not the film's script
        own = isinstance(scene, Scene) and scene.captions is not None
        cue = speech_cue(inp, scene, seg, timeline.audio) if isinstance(scene, Scene) and not own else None
        if cue is None:
            continue
        lo, hi = handover(segments, i)
        lo, hi = max(lo, cue.start), min(hi, cue.start + cue.length, card)
        if runs and previous == i - 1 and runs[-1][0] == cue:
            runs[-1] = (cue, runs[-1][1], max(runs[-1][2], hi))
        elif hi > lo:
            runs.append((cue, lo, hi))
        previous = i
    return runs


def align_script(inp: PlanInputs, timeline: Timeline, *, cache_dir: Path | None = None
                 ) -> tuple[tuple[SpokenCaption | None, ...] | None, list[LocIssue], list[ScriptRun]]:
    """Word times (from the film's start) of each line of the film's untimed script, None when no
    scene has speech; the located problems; and each run searched (for `reel captions align`)."""
    texts = film_script(inp.storyboard)
    runs = speech_runs(inp, timeline) if texts is not None else []
    if texts is None or not runs:
        return None, [], []
    fps = inp.canvas.fps
    unplaced: tuple[SpokenCaption | None, ...] = (None,) * len(texts)
    issues: list[LocIssue] = []
    if model_for(inp.storyboard.language) is None:
        issues.append(LocIssue(("language",), f"captions are not aligned to the speech: there is no alignment model "
                               f"for `{inp.storyboard.language}` (English only); untimed captions are spread by "
                               "reading speed", severity="info", code="align-no-model"))
        return unplaced, issues, []
    cache = cache_dir if cache_dir is not None else Settings.cache_root() / "align"
    spoken: list[SpokenCaption | None] = list(unplaced)
    done: list[ScriptRun] = []
    for cue, first, last in runs:
        if is_placeholder_voice(cue.path):
            issues.append(LocIssue(("captions",), f"`{source_name(inp, cue.path)}` is Reel's placeholder voice: the "
                                   "film's captions are spread by reading speed until it is replaced by a recording, "
                                   "then they follow the speech", severity="info", code="align-placeholder"))
            continue
        placed = [k for k, s in enumerate(spoken) if s is not None]
        lines = tuple(range(placed[-1] + 1 if placed else 0, len(texts)))
        if not lines:
            break
        run = _align_run(inp, ScriptRun(cue, first, last, lines), [texts[k] for k in lines], cache)
        done.append(run)
        if run.alignment is None:
            issues.append(LocIssue(("captions",), f"the film's captions could not be aligned to the speech "
                                   f"({run.problem}); the lines not found elsewhere are spread by reading speed",
                                   severity="warning", code="align-failed"))
            continue
        for k, caption in zip(lines, run.alignment.captions, strict=True):
            if caption.placed:
                spoken[k] = SpokenCaption(tuple(None if w.start is None or w.end is None else
                                                (_film_time(cue, w.start, fps), _film_time(cue, w.end, fps))
                                                for w in caption.words))
    issues += _not_found(inp, texts, spoken, done)
    return tuple(spoken), issues, done


def _not_found(inp: PlanInputs, texts: list[str], spoken: list[SpokenCaption | None],
               runs: list[ScriptRun]) -> list[LocIssue]:
    """A warning for each sayable line the search did not place (once for the track when none was)."""
    searched = [r for r in runs if r.alignment is not None]
    if not searched:
        return []
    where = "; ".join(f"`{source_name(inp, r.cue.path)}` {clock(r.alignment.start)}–{clock(r.alignment.end)}"
                      for r in searched if r.alignment is not None)
    sayable = [k for k, t in enumerate(texts) if any(spoken_words(w) for w in t.split())]
    if sayable and all(spoken[k] is None for k in sayable):
        return [LocIssue(("captions",), f"none of the film's captions were found in the speech (searched {where}; "
                         "music, silence, a placeholder, or another language?); they are spread over the film by "
                         "reading speed instead", severity="warning", code="caption-not-spoken")]
    out = []
    for k, text in enumerate(texts):
        loc = ("captions", "lines", k)
        if k not in sayable:
            out.append(LocIssue(loc, f"“{text}” has no words to align to the speech; it is shown between its "
                                "neighbours", severity="info", code="align-no-words"))
        elif spoken[k] is None:
            out.append(LocIssue(loc, f"the words “{text}” were not found in the speech (searched {where}); this "
                                "caption is timed by reading speed between its neighbours instead",
                                severity="warning", code="caption-not-spoken"))
    return out


def _align_run(inp: PlanInputs, run: ScriptRun, texts: list[str], cache: Path) -> ScriptRun:
    begin, end = run.span(inp.canvas.fps)
    try:
        from toolkit.film.proxy import content_digest

        digest = content_digest(run.cue.path, cache / "digests")
        result = align(run.cue.path, texts, start=begin, end=end, language=inp.storyboard.language,
                       digest=digest, cache_dir=cache)
    except (ReelError, OSError) as exc:
        return replace(run, problem=str(exc))
    return replace(run, alignment=result)


def _film_time(cue: AudioCue, t: float, fps: Fraction) -> Fraction:
    """Seconds from the film's start at which second `t` of the cue's file is heard."""
    return (Fraction(t).limit_denominator(1000) - cue.source_start) / cue.speed + Fraction(cue.start) / fps


def script_report(inp: PlanInputs, timeline: Timeline) -> dict | None:
    """The film's own caption list as planned, for `reel captions align`: the speech searched (file
    and span per run), why it is not timed by speech (when it is not), and each line's planned
    times (first part to last, over the scenes it is cut into) and its words' spoken times, seconds
    from the film's start; None for a film without a caption list."""
    track = inp.storyboard.captions
    if track is None or not track.lines:
        return None
    fps = inp.canvas.fps
    texts = film_script(inp.storyboard)
    _, issues, runs = align_script(inp, timeline)
    speech = [{"file": source_name(inp, r.cue.path), "from": round(r.alignment.start, 3) if r.alignment else
               round(r.span(fps)[0], 3), "to": round(r.alignment.end, 3) if r.alignment else None} for r in runs]
    if texts is None:
        why = "the captions have written times (explicit times win)"
    elif not runs:
        why = next((i.message for i in issues if i.code in ("align-no-model", "align-placeholder")),
                   "no speech under any scene (no voiceover, and no footage sound kept)")
    elif inp.film_spoken is None or all(s is None for s in inp.film_spoken):
        why = next((i.message for i in issues if i.loc == ("captions",)), "no line was found in the speech")
    else:
        why = None
    scene_of = {seg.index: int(seg.loc[1]) for seg in timeline.segments if seg.kind == "scene" and len(seg.loc) > 1
                and seg.loc[0] == "scenes"}
    shown: dict[int, dict] = {}
    for o in timeline.overlays:
        if o.kind != "caption" or o.loc[:1] != ("captions",) or not isinstance(o.loc[-1], int):
            continue
        k = o.loc[-1]
        index = int(o.id.split("-")[1])  # cap-SEGMENT-CAPTION[-wWORD]: the scene it is drawn in
        line = shown.setdefault(k, {"index": k, "text": track.lines[k].text, "start": o.start, "end": o.end,
                                    "scenes": []})
        line["start"], line["end"] = min(line["start"], o.start), max(line["end"], o.end)
        if index in scene_of and scene_of[index] not in line["scenes"]:
            line["scenes"].append(scene_of[index])
    spoken = inp.film_spoken or ()
    captions = []
    for k, line in sorted(shown.items()):
        placed = spoken[k] if k < len(spoken) else None
        words = [] if placed is None else [
            {"word": w, "start": None if t is None else round(float(t[0]), 3),
             "end": None if t is None else round(float(t[1]), 3)}
            for w, t in zip(line["text"].split(), placed.words, strict=False)]
        captions.append({**line, "start": round(float(Fraction(line["start"]) / fps), 3),
                         "end": round(float(Fraction(line["end"]) / fps), 3),
                         "timed_by": "written" if texts is None else "speech" if placed is not None
                         else "reading speed", "words": words})
    return {"speech": speech, "fallback": why,
            "not_placed": [i.message for i in issues if len(i.loc) == 3 and i.code == "caption-not-spoken"],
            "captions": captions}
