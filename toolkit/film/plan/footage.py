"""Footage played at another speed, backwards, or framed off-centre: what the planner checks.

`speed:` divides the trim's length (a scene without `duration` lasts trim ÷ speed); the footage's
sound must be told what to do (`audio: tempo` or `audio: mute`); `reverse:` plays a trim of at
most `REVERSE_MAX_SECONDS` backwards; `focus:` moves a `cover` crop and means nothing for other fits.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from toolkit.film.plan import shape
from toolkit.film.plan.inputs import LocIssue, PlanInputs
from toolkit.film.spec.base import speed_text
from toolkit.film.spec.models import VideoBackground

if TYPE_CHECKING:
    from toolkit.film.plan.entry import Entry

# Reversed footage is made once into a file in the cache before the render (`film.reversing`),
# in blocks that bound its memory, so its length costs disk and time, not memory. This bound
# keeps those in proportion to a short film: a minute of 1080p footage reversed is ≈ 1800 frames
# to decode and encode once, a few hundred MB of cache at CRF 10.
REVERSE_MAX_SECONDS = Fraction(60)


def trim_end(inp: PlanInputs, bg: VideoBackground) -> Fraction:
    """Where the trim ends: `to`, else the footage's own end (its container's length)."""
    fps = inp.canvas.fps
    return bg.to.to_seconds(fps) if bg.to is not None else Fraction(str(inp.info(bg.video).duration))


def trim_frames(inp: PlanInputs, bg: VideoBackground) -> int:
    """Canvas frames that show trimmed footage at the background's speed (never fewer than 0)."""
    fps = inp.canvas.fps
    span = max(trim_end(inp, bg) - bg.from_.to_seconds(fps), Fraction(0))
    return -(-(span * fps / bg.speed) // 1)


def reverse_too_long(span: Fraction, loc: tuple) -> LocIssue | None:
    """The error for a reversed trim of `span` seconds of footage past `REVERSE_MAX_SECONDS`, else
    None (one message for backgrounds and layers)."""
    if span <= REVERSE_MAX_SECONDS:
        return None
    return LocIssue(loc, f"a reversed trim is made once into a file before the render, so it may be at most "
                         f"{shape.say(REVERSE_MAX_SECONDS)} of footage; this trim is {shape.say(span)} "
                         "(`from`–`to`). Shorten `from`–`to` to at most "
                         f"{shape.say(REVERSE_MAX_SECONDS)}", code="reverse-too-long")


def check(inp: PlanInputs, e: Entry, bg: VideoBackground, issues: list[LocIssue]) -> None:
    """Located problems with a scene's speed, reverse and focus (see the module docstring)."""
    scene = e.scene
    assert scene is not None
    where = (*e.loc, "background")
    fps = inp.canvas.fps
    info = inp.info(bg.video)
    keeps_sound = info.has_audio and scene.audio.keep and scene.audio.volume > 0
    if bg.speed != 1 and keeps_sound and not scene.audio.tempo and not bg.reverse:
        issues.append(LocIssue((*where, "speed"), f"`{bg.video}` has sound and plays at {speed_text(bg.speed)}: "
                               "say what its sound does, on the scene: `audio: tempo` (played at the same speed, "
                               "pitch kept) or `audio: mute` (no footage sound)", code="speed-sound"))
    if "focus" in bg.model_fields_set and bg.fit != "cover":
        issues.append(LocIssue((*where, "focus"), f"`focus` only moves a `fit: cover` crop; with `fit: {bg.fit}` the "
                               "whole picture is shown and `focus` is ignored", severity="warning",
                               code="focus-ignored"))
    if not bg.reverse:
        return
    if bg.to is None:
        issues.append(LocIssue((*where, "reverse"), "`reverse: yes` needs `to:`, the point in the footage the "
                               "reversed clip starts from (it plays from `to` back to `from`)",
                               code="reverse-needs-end"))
        return
    too_long = reverse_too_long(trim_end(inp, bg) - bg.from_.to_seconds(fps), (*where, "reverse"))
    if too_long is not None:
        issues.append(too_long)
    if keeps_sound:
        issues.append(LocIssue((*where, "reverse"), "reversed footage is silent: its sound is not played "
                               "backwards (say `audio: mute` to silence this note)", severity="info",
                               code="reverse-silent"))
