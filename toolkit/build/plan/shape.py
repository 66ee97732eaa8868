"""The film's shape: platform length limits, and what plays right before the helpline end card.

Lengths are checked on exact `Fraction` seconds before anything else is computed from them, so
a duration of 10**23 seconds (or `100:00:00`) is a located error at validate and never reaches
the frame arithmetic, the messages or ffmpeg.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from toolkit.build.plan.inputs import PLATFORM_LIMITS, LocIssue, PlanInputs, PlatformLimit
from toolkit.build.plan.timeline import AudioCue, ColorSource, GradientSource, Overlay, Segment

if TYPE_CHECKING:
    from toolkit.build.plan.planner import Entry

# Plain background with no text, or no sound at all, for this long right before the end card is
# reported. The standards give no number for dead air; 3 s is the shortest time a slate may be on
# screen (standards §8: at least max(3 s, reading time)), so a stretch this long is not a pause
# between lines but time in which a viewer sees or hears nothing and may scroll away before the
# support details.
EMPTY_TAIL_SECONDS = Fraction(3)

# Overlays that put words on the screen (a logo alone does not make a frame "not empty").
_TEXT_KINDS = frozenset({"caption", "slate", "title", "end_card"})


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
    """Warn about a long stretch of empty picture or silence right before the end card.

    Judged from the plan, not from pixels: a stretch is empty when its scenes are a plain colour or
    gradient with no text on them and nothing is heard; silent when no sound cue plays in it (a
    film with no sound at all is silent by design: only its empty picture is reported). Footage
    or a picture that is itself black is not seen here.
    """
    fps = inp.canvas.fps
    card = segments[-1]
    blank_from, first_blank = card.start, None
    for seg in reversed(segments[:-1]):
        if seg.kind != "scene" or not isinstance(seg.source, ColorSource | GradientSource):
            break
        text_end = max((o.end for o in overlays if o.kind in _TEXT_KINDS and o.start < seg.end
                        and o.end > seg.start), default=None)
        if text_end is not None:
            if text_end < blank_from:
                blank_from, first_blank = max(text_end, seg.start), seg
            break
        blank_from, first_blank = seg.start, seg
    audible = [c for c in cues if c.volume > 0 and c.length > 0 and c.start < card.start]
    sound_end = max((c.start + c.length for c in audible), default=None)
    silent_from = card.start if sound_end is None or sound_end >= card.start else sound_end
    if audible:
        # a plain background under narration or music is a choice; under silence it is dead air
        blank_from = max(blank_from, silent_from)
        first_blank = next((s for s in segments if s.start <= blank_from < s.end), first_blank)
    blank = Fraction(card.start - blank_from) / fps
    silent = Fraction(card.start - silent_from) / fps if audible else Fraction(0)
    threshold = EMPTY_TAIL_SECONDS
    if blank >= threshold and first_blank is not None:
        issues.append(LocIssue(first_blank.loc or ("scenes",),
                               f"{say(blank)} of plain background with no text and no sound right before the helpline "
                               f"end card (from {say(Fraction(blank_from) / fps)}); viewers may think the film "
                               f"has ended and leave before the support details: keep such a pause under "
                               f"{say(threshold)}", severity="warning", code="empty-before-end-card"))
    if silent >= threshold and not blank >= silent:
        seg = next((s for s in segments if s.start <= silent_from < s.end), card)
        issues.append(LocIssue(seg.loc or ("scenes",),
                               f"{say(silent)} of silence right before the helpline end card (the sound ends at "
                               f"{say(Fraction(silent_from) / fps)}); viewers may think the film has ended: keep "
                               f"such a pause under {say(threshold)}", severity="warning",
                               code="silent-before-end-card"))
