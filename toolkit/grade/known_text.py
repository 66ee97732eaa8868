"""Text the grader knows Reel drew: where, when and what.

A film graded with `--storyboard` (or one whose metadata says Reel made it) comes with the
layout Reel planned, so a line of text read from the picture can be matched to the caption,
slate or end card that drew it. What matches is Reel's own text; what does not is either text
in the footage (a sign, a book cover) or text added later in another editor, and is judged
by what it looks like over time (`toolkit.grade.text_kind`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolkit.film.plan.text_map import TAG_KEY, TextMap, TextMapError, decode, text_map
from toolkit.geometry import REFERENCE_HEIGHT, REFERENCE_WIDTH, Box

if TYPE_CHECKING:
    from toolkit.film.plan.timeline import Timeline
    from toolkit.grade.context import GradeContext
    from toolkit.media.probe import MediaInfo


@dataclass(frozen=True, slots=True)
class KnownText:
    """One block of text Reel drew: shown from `start` to `end` seconds (film time), inside
    `box` (1080×1920 reference pixels, backing box included), reading `text`; `kind` is the
    overlay kind (caption, title, slate, end_card, …)."""

    start: float
    end: float
    box: Box
    text: str
    kind: str


def known_from_map(tmap: TextMap) -> tuple[KnownText, ...]:
    """The map's blocks with their frames as seconds of film time."""
    fps = tmap.fps
    return tuple(KnownText(float(t.start / fps), float(t.end / fps), t.box, t.text, t.kind) for t in tmap.texts)


def known_from_timeline(timeline: Timeline) -> tuple[KnownText, ...]:
    """Every block of text a planned film draws (captions with their word-by-word highlights as
    one, slates, titles, the end card), its logo and picture layers that carry words (kinds `logo`
    and `layer`, no words), on the reference frame."""
    return known_from_map(text_map(timeline))


def known_text_for(info: MediaInfo, ctx: GradeContext) -> tuple[tuple[KnownText, ...] | None, str]:
    """Where Reel drew text in the clip `info`, and where that came from (or why it is not known).

    From the storyboard's plan when one was given (`--storyboard`) and the clip is as long as the
    plan and 9:16; else from the clip's `reel_text` metadata when it describes this very picture
    (size, rate and frame count: a copy re-encoded, cropped or trimmed elsewhere keeps the tags
    but not the layout); else None. None means text is judged by its appearance alone.
    """
    video = info.video
    if ctx.plan is not None and ctx.plan.text_map is not None:
        tmap = ctx.plan.text_map
        if video is None:
            return None, "the clip has no picture"
        length = _length(info)
        plan_length = float(tmap.frames / tmap.fps)
        if length is not None and abs(length - plan_length) > max(0.25, 2 / float(tmap.fps)):
            return None, (f"the clip is {length:.2f} s long and the storyboard's plan {plan_length:.2f} s: the "
                          "storyboard's text layout is not used")
        if abs(video.width * REFERENCE_HEIGHT - video.height * REFERENCE_WIDTH) > 0.01 * video.height * REFERENCE_WIDTH:
            return None, (f"the clip is {video.width}×{video.height}, not 9:16 like the storyboard's plan: its "
                          "text layout is not used")
        return known_from_map(tmap), "where the storyboard's plan puts text"
    value = next((v for k, v in info.tags if k == TAG_KEY), None)
    if value is None:
        return None, f"no storyboard and no Reel `{TAG_KEY}` metadata: text is judged by its appearance"
    try:
        tmap = decode(value)
    except TextMapError as exc:
        return None, f"the clip's `{TAG_KEY}` metadata was ignored: {exc}"
    if video is None:
        return None, "the clip has no picture"
    mismatch = _mismatch(info, tmap)
    if mismatch:
        return None, (f"the clip's `{TAG_KEY}` metadata was ignored: it describes a {tmap.width}×{tmap.height} "
                      f"picture of {tmap.frames} frames at {tmap.fps} fps, and {mismatch} (re-encoded, "
                      "cropped or trimmed after Reel made it)")
    if not tmap.words:
        return known_from_map(tmap), f"where the clip's `{TAG_KEY}` metadata says Reel drew text (without words)"
    return known_from_map(tmap), f"where the clip's `{TAG_KEY}` metadata says Reel drew text"


def _length(info: MediaInfo) -> float | None:
    video = info.video
    if video is not None and video.duration:
        return video.duration
    return info.duration or None


def _mismatch(info: MediaInfo, tmap: TextMap) -> str:
    """How the clip differs from the picture the map describes ('' when it is that picture)."""
    video = info.video
    assert video is not None
    if (video.width, video.height) != (tmap.width, tmap.height):
        return f"this clip is {video.width}×{video.height}"
    if not video.fps or abs(float(video.fps) - float(tmap.fps)) > 0.001 * float(tmap.fps):
        return f"this clip runs at {float(video.fps):g} fps"
    if video.frames is not None:
        if video.frames != tmap.frames:
            return f"this clip has {video.frames} frames"
    else:
        length = _length(info)
        if length is None or abs(length * float(tmap.fps) - tmap.frames) > 1:
            return f"this clip is {length or 0:.2f} s long"
    return ""
