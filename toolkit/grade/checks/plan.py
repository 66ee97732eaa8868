"""Checks that need the film's plan or subtitles: caption reading speed, clip vs storyboard (§4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from toolkit.care.reading import SECONDS_PER_WORD, count_words
from toolkit.grade.checks.base import CheckSpec, number, unavailable
from toolkit.grade.moments import TimeSpan
from toolkit.grade.results import Observation

if TYPE_CHECKING:
    from toolkit.grade.context import GradeContext
    from toolkit.grade.measure import Measurements
    from toolkit.media.probe import MediaInfo

MIN_SECONDS_PER_WORD = float(SECONDS_PER_WORD)  # marks the captions listed as too fast


def _reading_speed(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    if ctx.captions is None:
        return unavailable("caption-reading-speed", "no storyboard or subtitle file was given, so caption "
                                                    "timings are unknown")
    timed = [(c, count_words(c.text), float(c.end - c.start)) for c in ctx.captions]
    timed = [(c, words, dur) for c, words, dur in timed if words and dur > 0]
    if not timed:
        return unavailable("caption-reading-speed", f"the {ctx.captions_source} has no captions")
    slowest_read = min(dur / words for _, words, dur in timed)
    fast = [(c, words, dur) for c, words, dur in timed if dur / words < MIN_SECONDS_PER_WORD]
    spans = tuple(TimeSpan(round(float(c.start), 3), round(float(c.end), 3),
                           f"“{c.text}”: {words} words in {dur:.2f} s")
                  for c, words, dur in fast)
    values = {
        "min_seconds_per_word": round(slowest_read, 3),
        "max_wpm": round(max(words / dur * 60 for _, words, dur in timed), 1),
        "max_cps": round(max(len(c.text) / dur for c, _, dur in timed), 1),
        "too_fast": len(fast),
        "captions": len(timed),
    }
    return Observation("caption-reading-speed", values, spans=spans,
                       notes=(f"caption timings from the {ctx.captions_source}",))


def _storyboard(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    if ctx.storyboard is None:
        return unavailable("storyboard", "no storyboard was given (--storyboard)")
    if ctx.plan is None:
        return unavailable("storyboard", ctx.plan_problem or "the storyboard could not be planned")
    actual = m.video.duration if m.video is not None else info.duration
    detected = len(m.video.picture.scene_changes) + 1 if m.video is not None else None
    values = {
        "duration_difference": round(actual - ctx.plan.duration, 3),
        "planned_duration": round(ctx.plan.duration, 3),
        "actual_duration": round(actual, 3),
        "scene_difference": None if detected is None else detected - ctx.plan.segments,
        "planned_scenes": ctx.plan.segments,
        "detected_scenes": detected,
    }
    spans = tuple(TimeSpan(t, t, "scene change") for t in (m.video.picture.scene_changes if m.video else ()))
    return Observation("storyboard", values, spans=spans,
                       notes=("scenes are counted by cut detection (cuts, fades and slides); two slates on "
                              "the same background can read as one",))


SPECS: tuple[CheckSpec, ...] = (
    CheckSpec("caption-reading-speed", "Caption reading speed",
              "From the storyboard's or subtitle file's timings: time on screen per word.",
              "min_seconds_per_word", {
                  "min_seconds_per_word": number("s/word", "the fastest caption's time per word"),
                  "max_wpm": number("wpm", "the fastest caption in words per minute"),
                  "max_cps": number("cps", "the fastest caption in characters per second"),
                  "too_fast": number("", f"captions under {MIN_SECONDS_PER_WORD} s per word"),
                  "captions": number("", "captions timed"),
              }, _reading_speed),
    CheckSpec("storyboard", "Clip vs storyboard", "The clip's length and scene count against the storyboard's plan.",
              "duration_difference", {
                  "duration_difference": number("s", "clip length minus planned length"),
                  "planned_duration": number("s"), "actual_duration": number("s"),
                  "scene_difference": number("", "scenes detected minus segments planned"),
                  "planned_scenes": number(""), "detected_scenes": number(""),
              }, _storyboard),
)
