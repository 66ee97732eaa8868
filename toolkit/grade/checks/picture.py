"""Picture checks from the video pass: black and frozen runs, the opening hook, flashing (§6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from toolkit.grade.checks.base import CheckSpec, flag, number, unavailable
from toolkit.grade.moments import Still, TimeSpan
from toolkit.grade.picture import MOTION_SHARE
from toolkit.grade.results import Observation

if TYPE_CHECKING:
    from toolkit.grade.context import GradeContext
    from toolkit.grade.measure import Measurements
    from toolkit.media.probe import MediaInfo

MIN_BLACK_RUN_S = 0.1  # shorter black moments are cuts through black, not runs
MIN_FROZEN_RUN_S = 2.0
# An encoder's B-frames blend the frame at either end of a held picture with its neighbour,
# so a picture held for exactly MIN_FROZEN_RUN_S measures up to a frame short at each end.
FROZEN_EDGE_FRAMES = 2
MAX_STILLS = 8


def _stills(m: Measurements, spans: tuple[TimeSpan, ...]) -> tuple[Still, ...]:
    assert m.video is not None
    out = []
    for span in spans[:MAX_STILLS]:
        still = m.video.picture.still_near(span.start)
        if still is not None:
            out.append(still)
    return tuple(out)


def _black_frames(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    if m.video is None:
        return unavailable("black-frames", "the video was not measured")
    pic = m.video.picture
    black = tuple(TimeSpan(s.start, s.end, "black") for s in pic.runs(pic.black, MIN_BLACK_RUN_S))
    shortest = MIN_FROZEN_RUN_S - FROZEN_EDGE_FRAMES * pic.frame_seconds
    frozen = tuple(TimeSpan(s.start, s.end, "frozen") for s in pic.frozen_runs(shortest, outside=pic.black))
    opening = black[0].seconds if black and black[0].start <= 1e-3 else 0.0
    values = {
        "opening_black": round(opening, 3),
        "longest_black": round(max((s.seconds for s in black), default=0.0), 3),
        "black_runs": len(black),
        "longest_freeze": round(max((s.seconds for s in frozen), default=0.0), 3),
        "first_frame_black": bool(len(pic.black) and pic.black[0]),
    }
    notes = []
    if opening:
        notes.append(f"the clip opens on {opening:.2f} s of black: platforms often use the first frame "
                     "as the thumbnail")
    if frozen:
        notes.append("frozen = the same picture repeated frame after frame, within codec noise (a still "
                     "slate also counts; check it is intended)")
    spans = black + frozen
    return Observation("black-frames", values, spans=spans, stills=_stills(m, spans), notes=tuple(notes))


def _hook(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    if m.video is None:
        return unavailable("hook", "the video was not measured")
    pic = m.video.picture
    moving = (pic.motion >= MOTION_SHARE) & ~pic.black
    motion_at = float(pic.times[moving.argmax()]) if moving.any() else None
    text_at = None
    if m.text is not None:
        text_at = next((s.time for s in m.text.samples if s.lines), None)
    found = [t for t in (motion_at, text_at) if t is not None]
    hook_at = min(found) if found else m.video.duration
    notes = [] if found else ["nothing moves and no text appears anywhere in the clip"]
    if m.text is None:
        notes.append("on-screen text was not read; motion only")
    spans = (TimeSpan(round(hook_at, 3), round(hook_at, 3), "first text or motion"),)
    return Observation("hook", {"hook_at": round(hook_at, 3), "first_motion": _r(motion_at),
                                "first_text": _r(text_at)}, spans=spans, notes=tuple(notes))


def _flash(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    if m.video is None:
        return unavailable("flash", "the video was not measured")
    report = m.video.flash
    fails = tuple(TimeSpan(i.start, i.end, f"{i.kind} flash over the limit ({i.peak_area:.0%} of the area)")
                  for i in report.failures)
    warns = tuple(TimeSpan(i.start, i.end, f"sustained {i.kind} flashing (advisory)") for i in report.warnings)
    worst = max((i.peak_area for i in report.failures), default=0.0)
    values = {"passed": report.passed, "failures": len(fails), "warnings": len(warns),
              "worst_area": round(worst, 4), "flashing_seconds": round(sum(s.seconds for s in fails), 3)}
    notes = [f"profile {report.profile}: a frame fails when more than 25 % of the worst 10° window "
             "flashes more than 3 times in a second"]
    return Observation("flash", values, spans=fails + warns, stills=_stills(m, fails), notes=tuple(notes))


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


SPECS: tuple[CheckSpec, ...] = (
    CheckSpec("black-frames", "Black and frozen picture",
              "Black runs (98 % of pixels below 10 % grey), above all at the start, and frozen picture.",
              "opening_black", {
                  "opening_black": number("s", "black from the first frame (the thumbnail)"),
                  "longest_black": number("s", "the longest black run anywhere"),
                  "black_runs": number("", "black runs of 0.1 s or more"),
                  "longest_freeze": number("s", "the longest run of identical, non-black frames"),
                  "first_frame_black": flag("the very first frame is black"),
              }, _black_frames),
    CheckSpec("hook", "Opening hook", "When something first happens on screen: text appears or the picture moves.",
              "hook_at", {
                  "hook_at": number("s", "first text or motion (the clip's length if never)"),
                  "first_motion": number("s", "first frame where the picture moves"),
                  "first_text": number("s", "first moment text is read on screen"),
              }, _hook),
    CheckSpec("flash", "Flashing (WCAG 2.3.1)",
              "General and red flashes counted per pixel; fails above 3 flashes/s over 25 % of a 10° window.",
              "passed", {
                  "passed": flag("no frame breaks the WCAG 2.3.1 threshold"),
                  "failures": number("", "stretches over the limit"),
                  "warnings": number("", "stretches of sustained flashing (advisory)"),
                  "worst_area": number("", "largest share of the judged window flashing (0–1)"),
                  "flashing_seconds": number("s", "total time over the limit"),
              }, _flash),
)
