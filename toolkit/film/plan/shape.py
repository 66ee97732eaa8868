"""The film's shape: platform length limits, and what plays right before the helpline end card.

Lengths are checked on exact `Fraction` seconds before anything else is computed from them, so
a duration of 10**23 seconds (or `100:00:00`) is a located error at validate and never reaches
the frame arithmetic, the messages or ffmpeg.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from toolkit.film.plan.inputs import PLATFORM_LIMITS, LocIssue, PlanInputs, PlatformLimit
from toolkit.film.plan.timeline import AudioCue, ColorSource, GradientSource, Overlay, Segment

if TYPE_CHECKING:
    from toolkit.film.plan.entry import Entry

# Nothing to hear or read for this long right before the end card is reported. The standards give
# no number for dead air; 3 s is the shortest time a slate may be on screen (standards §8: at
# least max(3 s, reading time)), so a stretch this long is not a pause between lines but time in
# which a viewer is given nothing and may scroll away before the support details.
EMPTY_TAIL_SECONDS = Fraction(3)

# Overlays that put words on the screen (a logo alone does not make a frame "not empty").
_TEXT_KINDS = frozenset({"caption", "slate", "title", "end_card", "text"})


def limit(inp: PlanInputs) -> PlatformLimit:
    """The length limit of the storyboard's platform."""
    return PLATFORM_LIMITS[inp.storyboard.platform]


def say(seconds: Fraction) -> str:
    """Seconds for a message, whatever their size (a float of 10**400 would overflow)."""
    if seconds >= 10**7:
        return "more than 10 million seconds"
    whole = float(seconds)
    hours, rest = divmod(whole, 3600)
    clock = "" if whole < 60 else f" ({int(rest // 60)}:{rest % 60:04.1f})" if not hours \
        else f" ({int(hours)}:{int(rest // 60):02d}:{rest % 60:04.1f})"
    return f"{whole:.2f}".rstrip("0").rstrip(".") + "s" + clock


def too_long(inp: PlanInputs, loc: tuple[str | int, ...], seconds: Fraction, what: str,
             issues: list[LocIssue]) -> bool:
    """Report a written duration longer than a whole film may be on the platform; True if it was."""
    lim = limit(inp)
    if seconds <= lim.max_seconds:
        return False
    issues.append(LocIssue(loc, f"{what} is {say(seconds)}, longer than a whole film may be on {lim.label}: "
                                f"at most {lim.max_seconds}s ({lim.basis})", code="platform-length"))
    return True


def check_total(inp: PlanInputs, entries: Sequence[Entry], issues: list[LocIssue]) -> None:
    """The whole film, with slates, intro/outro and end card, against the platform's maximum."""
    fps = inp.canvas.fps
    frames = sum(e.length for e in entries) - sum(e.transition_out.frames for e in entries[:-1])
    total = Fraction(frames) / fps
    lim = limit(inp)
    where: tuple[str | int, ...] = ("platform",) if "platform" in inp.storyboard.model_fields_set else ("scenes",)
    if total > lim.max_seconds:
        issues.append(LocIssue(where, f"the film is {say(total)} long with its slates and end card; "
                                      f"{lim.label} allows at most {lim.max_seconds}s ({lim.basis}): "
                                      "shorten or remove scenes", code="platform-length"))
    elif total > lim.warn_seconds:
        issues.append(LocIssue(where, f"the film is {say(total)} long; the house export keeps films for "
                                      f"{lim.label} to at most {lim.warn_seconds}s (standards §2.1)",
                               severity="warning", code="long-film"))


def check_tail(inp: PlanInputs, segments: Sequence[Segment], overlays: Sequence[Overlay],
               cues: Sequence[AudioCue], issues: list[LocIssue]) -> None:
    """Warn about a long stretch with nothing to hear or read right before the end card.

    Judged from the plan, not from pixels. Text on screen (a caption, a slate) is reading time
    and sound (narration, music, the footage's own) holds attention, so a stretch counts only
    when it has neither: reported as empty when its picture is also a plain colour or gradient,
    else as silent (footage or a picture with no sound and no words), the latter only in a film
    that has sound at all (a silent film is silent by design). Footage or a picture that is
    itself black is not seen here.
    """
    fps = inp.canvas.fps
    card = segments[-1]
    audible = [c for c in cues if c.volume > 0 and c.length > 0 and c.start < card.start]
    words = [o for o in overlays if o.kind in _TEXT_KINDS and o.kind != "end_card" and o.start < card.start]
    busy_until = max([min(c.start + c.length, card.start) for c in audible]
                     + [min(o.end, card.start) for o in words], default=0)
    plain_from = card.start
    for seg in reversed(segments[:-1]):
        if seg.kind != "scene" or not isinstance(seg.source, ColorSource | GradientSource):
            break
        plain_from = seg.start
    empty_from = max(plain_from, busy_until)
    empty = Fraction(card.start - empty_from) / fps
    quiet = Fraction(card.start - busy_until) / fps
    threshold = EMPTY_TAIL_SECONDS
    if empty >= threshold:
        what, since, code = "of plain background with no text and no sound", empty_from, "empty-before-end-card"
    elif audible and quiet >= threshold:
        what, since, code = "with nothing to hear or read", busy_until, "silent-before-end-card"
    else:
        return
    seg = next((s for s in segments if s.start <= since < s.end), card)
    issues.append(LocIssue(seg.loc or ("scenes",),
                           f"{say(Fraction(card.start - since) / fps)} {what} right before the helpline end card "
                           f"(from {say(Fraction(since) / fps)}); viewers may think the film has ended and leave "
                           f"before the support details: keep such a pause under {say(threshold)}",
                           severity="warning", code=code))
