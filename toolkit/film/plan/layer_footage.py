"""Footage in a layer: its trim, loop, speed, reverse and focus, checked as a background's are.

Nothing outside `from`–`to` is ever shown: a layer longer than its trim (at its speed) must say
what fills the rest (`hold:`), a loop must fit the memory bound of `hold: loop`, a reversed trim
the bound of `reverse:` (`footage.REVERSE_MAX_SECONDS` of footage), and footage played at another
speed must say what its kept sound does (`audio: tempo` or `audio: mute`).
"""

from __future__ import annotations

from fractions import Fraction

from toolkit.film.plan import shape
from toolkit.film.plan.footage import reverse_too_long
from toolkit.film.plan.inputs import LocIssue, PlanInputs
from toolkit.film.plan.timeline import Source, VideoSource, loop_plan
from toolkit.film.spec.base import speed_text
from toolkit.film.spec.layers import LayerBase, VideoLayer
from toolkit.geometry import Box

Loc = tuple[str | int, ...]


def heard(spec: LayerBase, source: Source) -> bool:
    """Whether the layer's footage sound plays: kept, there, and not reversed (reversed footage is silent)."""
    return (isinstance(spec, VideoLayer) and isinstance(source, VideoSource) and source.has_audio
            and spec.volume > 0 and not source.reverse)


def fits(inp: PlanInputs, spec: LayerBase, source: Source, length: int, box: Box, loc: Loc,
         issues: list[LocIssue]) -> bool:
    """True when the layer's footage can fill its `length` frames within every bound; else a located error."""
    if not isinstance(source, VideoSource):
        return True
    if isinstance(spec, VideoLayer) and not _retimed(inp, spec, source, loc, issues):
        return False
    fps = inp.canvas.fps
    info = inp.media[source.path]
    end = source.end if source.end is not None else Fraction(str(info.duration))
    available = max(1, -(-((end - source.start) * fps / source.speed) // 1))
    if source.hold == "loop":
        # judged at the larger of the source's own size and the layer's box (reference pixels), so the
        # bound holds whether the pictures are looped before or after they are scaled to the box
        w, h = max((source.width, source.height), (box.w, box.h), key=lambda s: s[0] * s[1])
        if loop_plan(available, 0, length, w, h) is None:
            where = (*loc, "hold") if isinstance(spec, VideoLayer) else (*loc, "for" if spec.for_ else "until")
            issues.append(LocIssue(where, f"looping this {_say(available, fps)} picture over the layer's "
                                          f"{_say(length, fps)} would hold too much in memory or play it more than "
                                          "4 times; show the layer for less time or use a shorter or smaller clip",
                                   code="loop-too-long"))
            return False
        return True
    if not isinstance(spec, VideoLayer) or spec.hold != "none" or length <= available + (0 if spec.to else 1):
        return True
    where = (*loc, "until") if spec.until is not None else (*loc, "for") if spec.for_ is not None else (*loc, "to")
    start = source.start
    trim = f"`from` {shape.say(start)} to `to` {shape.say(end)}" if spec.to is not None \
        else f"from `from` {shape.say(start)} to the end of `{spec.video}`"
    at_speed = f", {_say(available, fps)} at {speed_text(source.speed)}" if source.speed != 1 else ""
    issues.append(LocIssue(where, f"the layer is {_say(length, fps)} but its trimmed footage ({trim}) is only "
                                  f"{shape.say(max(end - start, Fraction(0)))} long{at_speed}; footage outside the "
                                  f"trim is never shown. Show the layer for {_say(available, fps)} at most, or add "
                                  "`hold: last-frame` (freeze the last frame) or `hold: loop` (play the trim again)",
                           code="trim-too-short"))
    return False


def _retimed(inp: PlanInputs, spec: VideoLayer, source: VideoSource, loc: Loc, issues: list[LocIssue]) -> bool:
    """Speed, reverse and focus as for a background (`plan.footage.check`); False after an error."""
    ok = True
    if source.speed != 1 and source.has_audio and spec.volume > 0 and spec.audio != "tempo" and not spec.reverse:
        issues.append(LocIssue((*loc, "speed"), f"`{spec.video}` has sound and plays at {speed_text(spec.speed)}: say "
                                                "what its sound does: `audio: tempo` (played at the same speed, pitch "
                                                "kept) or leave `audio` out (muted)", code="speed-sound"))
        ok = False
    if "focus" in spec.model_fields_set and spec.fit != "cover":
        issues.append(LocIssue((*loc, "focus"), f"`focus` only moves a `fit: cover` crop; with `fit: {spec.fit}` the "
                                                "whole picture is shown and `focus` is ignored", severity="warning",
                               code="focus-ignored"))
    if not spec.reverse:
        return ok
    if spec.to is None:
        issues.append(LocIssue((*loc, "reverse"), "`reverse: yes` needs `to:`, the point in the footage the reversed "
                                                  "clip starts from (it plays from `to` back to `from`)",
                               code="reverse-needs-end"))
        return False
    too_long = reverse_too_long((source.end or source.start) - source.start, (*loc, "reverse"))
    if too_long is not None:
        issues.append(too_long)
        return False
    if source.has_audio and spec.volume > 0:
        issues.append(LocIssue((*loc, "reverse"), "reversed footage is silent: its sound is not played backwards "
                                                  "(leave `audio` out to silence this note)", severity="info",
                               code="reverse-silent"))
    return ok


def _say(frames: int, fps: Fraction) -> str:
    return shape.say(Fraction(frames) / fps)
