"""Results in words a trainee reads: each measurement with its unit, each target beside it.

The rubric and the checks speak in values (`0`, `at most 0`, `−1`); a report says "0 lines
outside the safe box (target: none)" and "1 scene fewer than planned (target: within 1 of the
plan)". Unitless counts take their noun from `_NOUNS`; any value missing there falls back to the
number followed by the check's own description of it, never a bare number.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.grade.checks import CHECKS
from toolkit.grade.results import CheckResult, Report

# (check, value) -> (singular, plural) noun for values the checks declare without a unit
_NOUNS: dict[tuple[str, str], tuple[str, str]] = {
    ("captions-safe-zone", "outside"): ("line outside the safe box", "lines outside the safe box"),
    ("captions-safe-zone", "scene_text_outside"): ("line of text in the footage outside the safe box (not counted)",
                                                   "lines of text in the footage outside the safe box (not counted)"),
    ("captions-safe-zone", "uncertain_outside"): ("line outside the safe box to look at (caption or footage?)",
                                                  "lines outside the safe box to look at (caption or footage?)"),
    ("safe-language", "errors"): ("unsafe phrase", "unsafe phrases"),
    ("safe-language", "warnings"): ("phrase to reconsider", "phrases to reconsider"),
    ("safe-language", "infos"): ("lived-experience note", "lived-experience notes"),
    ("end-card", "services"): ("helpline service readable at once", "helpline services readable at once"),
    ("end-card", "services_named"): ("service named", "services named"),
    ("end-card", "wrong_numbers"): ("wrong number under a service's name", "wrong numbers under a service's name"),
    ("end-card", "unknown_numbers"): ("number that belongs to no service", "numbers that belong to no service"),
    ("flash", "failures"): ("stretch of flashing over the limit", "stretches of flashing over the limit"),
    ("flash", "warnings"): ("stretch of sustained flashing", "stretches of sustained flashing"),
    ("black-frames", "black_runs"): ("black run", "black runs"),
    ("silence", "gaps"): ("silent stretch", "silent stretches"),
    ("container", "problems"): ("delivery rule broken", "delivery rules broken"),
    ("container", "edit_lists"): ("track with an edit list", "tracks with an edit list"),
    ("safe-language", "texts"): ("distinct text checked", "distinct texts checked"),
    ("caption-reading-speed", "too_fast"): ("caption too fast to read", "captions too fast to read"),
    ("caption-reading-speed", "captions"): ("caption timed", "captions timed"),
    ("captions-present", "samples_with_text"): ("sampled moment with text", "sampled moments with text"),
    ("captions-present", "samples"): ("sampled moment", "sampled moments"),
    ("storyboard", "planned_scenes"): ("scene planned", "scenes planned"),
    ("storyboard", "detected_scenes"): ("scene detected", "scenes detected"),
}
# values that are a share between 0 and 1: shown as a percentage
_SHARES = {("captions-present", "coverage"): "of the film has text on screen",
           ("flash", "worst_area"): "of the window flashing at worst",
           ("fps", "irregular_intervals"): "of frame intervals irregular"}
# signed differences "actual minus planned": (unit noun singular, plural)
_DIFFERENCES = {("storyboard", "scene_difference"): ("scene", "scenes"),
                ("storyboard", "duration_difference"): ("s", "s")}
# yes/no values: (when yes, when no)
_FLAGS = {("container", "compliant"): ("every delivery rule met", "delivery rules broken (see details)"),
          ("container", "faststart"): ("fast start on", "fast start off"),
          ("container", "colour_tagged"): ("colour tagged", "colour not tagged"),
          ("aspect", "square_pixels"): ("square pixels", "non-square pixels"),
          ("fps", "cfr"): ("constant frame rate", "variable frame rate"),
          ("audio-present", "present"): ("sound present", "no audible sound"),
          ("audio-present", "has_stream"): ("an audio track", "no audio track"),
          ("audio-present", "silent"): ("the audio track is silent", "the audio track is not silent"),
          ("black-frames", "first_frame_black"): ("the first frame is black", "the first frame is not black"),
          ("flash", "passed"): ("no flashing over the limit", "flashing over the limit"),
          ("content-warning", "present"): ("a content warning is read", "no content warning read")}
_NOT_EVALUATED_VERB = {"storyboard": "not compared", "caption-reading-speed": "not timed"}
_CONTAINERS = {"mp4": "MP4", "mov": "MOV (QuickTime)", "m4a": "M4A (audio only)", "3gp": "3GP", "3g2": "3G2",
               "mj2": "Motion JPEG 2000", "matroska": "MKV", "webm": "WebM", "avi": "AVI", "mpegts": "MPEG-TS"}


_ONE_DECIMAL = frozenset({"LUFS", "LU", "dBTP", "dBFS"})  # how loudness meters show them


def _num(value: float, digits: int = 2) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:.0f}"
    return text.replace("-", "−")


def _unit(r: CheckResult) -> str:
    return r.unit or ""


def _about(r: CheckResult) -> str:
    spec = CHECKS.get(r.check)
    value = spec.values.get(r.value_name) if spec is not None else None
    return value.about if value is not None else ""


def _count(r: CheckResult, n: float) -> str:
    nouns = _NOUNS.get((r.check, r.value_name))
    if nouns is not None:
        return f"{_num(n)} {nouns[0] if n == 1 else nouns[1]}"
    about = _about(r)
    return f"{_num(n)} ({about})" if about else _num(n)


def container_name(format_name: str, path: Path | None = None) -> str:
    """The container in one word: ffprobe's demuxer list `mov,mp4,m4a,3gp,3g2,mj2` becomes the
    member the file's extension names ("MP4" for a .mp4), else the first member."""
    names = [n.strip() for n in format_name.split(",") if n.strip()]
    if not names:
        return "unknown"
    suffix = path.suffix.lower().lstrip(".") if path is not None else ""
    chosen = suffix if suffix in names else ("mp4" if suffix == "m4v" and "mp4" in names else names[0])
    return _CONTAINERS.get(chosen, chosen.upper())


def measured_words(r: CheckResult, clip: Path | None = None) -> str:
    """What was measured, with its unit, e.g. "−6.1 LUFS", "0 lines outside the safe box",
    "1 scene fewer than planned"; for a criterion not evaluated, why ("not compared: no storyboard ...")."""
    if r.status == "not_evaluated":
        return f"{_NOT_EVALUATED_VERB.get(r.check, 'not measured')}: {r.reason or 'no value'}"
    value = r.value
    key = (r.check, r.value_name)
    if isinstance(value, bool):
        return _flag(r, value)
    if isinstance(value, str):
        if r.value_name == "format":
            return f"container {container_name(value, clip)}"
        return value.replace("x", "×") if r.value_name == "size" else value
    if isinstance(value, int | float):
        if key in _DIFFERENCES:
            return _difference(value, *_DIFFERENCES[key])
        if key in _SHARES:
            return f"{value * 100:.0f} % {_SHARES[key]}"
        if _unit(r):
            return f"{_num(value, 1 if _unit(r) in _ONE_DECIMAL else 2)} {_unit(r)}"
        return _count(r, value)
    return r.measured or "–"


def _flag(r: CheckResult, value: bool) -> str:
    words = _FLAGS.get((r.check, r.value_name))
    if words is not None:
        return words[0] if value else words[1]
    about = _about(r)
    return ("yes" if value else "no") + (f" ({about})" if about else "")


def _difference(value: float, one: str, many: str) -> str:
    if abs(value) < 1e-9:
        return "matches the plan"
    size = abs(value)
    noun = one if size == 1 else many
    if one == "s":
        return f"{_num(size)} s {'longer' if value > 0 else 'shorter'} than planned"
    return f"{_num(size)} {noun} {'more' if value > 0 else 'fewer'} than planned"


def target_words(r: CheckResult) -> str:
    """The rubric's target in words, e.g. "none", "at most 3 s", "within 1 scene of the plan"."""
    key = (r.check, r.value_name)
    if r.bounds is None:
        if r.expected in ("yes", "no") and (r.check, r.value_name) in _FLAGS:
            return _FLAGS[(r.check, r.value_name)][0 if r.expected == "yes" else 1]
        return r.expected.replace("x", "×") if r.value_name == "size" else r.expected
    low, high = r.bounds
    unit = f" {_unit(r)}" if _unit(r) else ""
    if key in _DIFFERENCES and low is not None and high is not None and abs(low + high) < 1e-9:
        one, many = _DIFFERENCES[key]
        noun = "s" if one == "s" else (one if high == 1 else many)
        return f"within {_num(high)} {noun} of the plan"
    if key in _SHARES:
        def pct(v: float) -> str:
            return f"{v * 100:.0f} %"
        if low is not None and high is not None:
            return f"between {pct(low)} and {pct(high)}"
        return f"at least {pct(low)}" if low is not None else f"at most {pct(high or 0)}"
    if not unit and key in _NOUNS and high is not None and abs(high) < 1e-9 and (low is None or low >= 0):
        return "none"
    if not unit and key in _NOUNS:
        nouns = _NOUNS[key]
        if low is not None and high is None:
            return f"at least {_num(low)} {nouns[0] if low == 1 else nouns[1]}"
    return r.expected


def result_line(r: CheckResult, clip: Path | None = None) -> str:
    """One result in a sentence: "0 lines outside the safe box (target: none)"."""
    measured = measured_words(r, clip)
    if r.status == "not_evaluated":
        return measured
    return f"{measured} (target: {target_words(r)})"


def verdict_line(report: Report) -> str:
    """The verdict with the count that decides it: "FAIL — 2 must-fix items", "PASS — every must-fix
    criterion met, 1 should-fix item"."""
    fails, warns = report.count("fail"), report.count("warn")
    should = f", {warns} should-fix item{'' if warns == 1 else 's'}" if warns else ""
    if report.passed:
        return f"PASS — every must-fix criterion met{should}"
    return f"FAIL — {fails} must-fix item{'' if fails == 1 else 's'}{should}"


SCORE_MEANING = ("the share of the rubric's weighted criteria met (not-evaluated ones left out); "
                 "the verdict depends only on the must-fix criteria, so a high score can still fail")
