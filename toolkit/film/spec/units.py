"""Units of the storyboard language: durations, colours, positions.

Durations are exact: seconds become `Fraction`s and frame counts stay integers, so no
floating-point drift creeps into the frame arithmetic of the planner.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?)?\s*$", re.IGNORECASE)
_MILLIS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*ms\s*$", re.IGNORECASE)
_FRAMES = re.compile(r"^\s*(\d+)\s*f\s*$", re.IGNORECASE)
_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$")

DURATION_HELP = "a duration like 3s, 1.5s, 250ms, 00:01.200 or 45f"


@dataclass(frozen=True, slots=True)
class Duration:
    """A span of time, either exact seconds or a whole number of frames."""

    seconds: Fraction | None = None
    frames: int | None = None

    def to_frames(self, fps: Fraction) -> int:
        """Whole frames at `fps`, rounding seconds to the nearest frame."""
        if self.frames is not None:
            return self.frames
        assert self.seconds is not None
        return round(self.seconds * fps)

    def to_seconds(self, fps: Fraction) -> Fraction:
        """Exact seconds at `fps`."""
        if self.seconds is not None:
            return self.seconds
        assert self.frames is not None
        return Fraction(self.frames) / fps

    def __str__(self) -> str:
        if self.frames is not None:
            return f"{self.frames}f" if abs(self.frames) < 10**15 else f"{_big(Decimal(self.frames))}f"
        assert self.seconds is not None
        if abs(self.seconds) < 10**15:
            return f"{float(self.seconds):g}s"
        # float() overflows past 1e308 (a `from:` of 400 digits); Decimal shows any size
        return f"{_big(Decimal(self.seconds.numerator) / Decimal(self.seconds.denominator))}s"

    def __bool__(self) -> bool:
        return bool(self.frames) or bool(self.seconds)


def _big(value: Decimal) -> str:
    return format(Decimal(format(value, ".6g")).normalize(), "g")


# Past this no length is meant; below it every float() taken of a duration downstream (messages,
# ffmpeg arguments) stays finite: floats overflow near 1e308 (a `from:` of 400 digits crashed).
# Lengths far smaller are still absurd; the platform limits (plan.shape) say so in plainer words.
MAX_SECONDS = 10**100


def parse_duration(value: Any) -> Duration:
    """Parse `3s`, `1.5s`, `250ms`, `00:01.200`, `1:02:03.5`, `45f` or a bare number of seconds.

    Raises `ValueError` saying what was given: a negative, infinite or unreadable value, or
    one of `MAX_SECONDS` or more.
    """
    parsed = _parse(value)
    if parsed.to_seconds(Fraction(1)) >= MAX_SECONDS:  # frames at 1 fps: the largest reading
        raise ValueError(f"a duration cannot be this long (10^100 seconds or more), got {_shown(value)}")
    return parsed


def _parse(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected {DURATION_HELP}, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"a duration must be a finite number of seconds like `3s`, got {_shown(value)}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a duration cannot be negative, got {_shown(value)}")
        return Duration(seconds=Fraction(value) if isinstance(value, int) else Fraction(str(value)))
    if not isinstance(value, str):
        kind = {type(None): "an empty value", list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)
        raise ValueError(f"expected {DURATION_HELP}, got {kind}")
    text = value.strip()
    if len(text) > 120:  # the regexes below would read any length; 10^100 needs 101 digits
        if text.lower().rstrip("sfm ").replace(".", "").isdigit():
            raise ValueError(f"a duration cannot be this long (10^100 seconds or more), got {_shown(value)}")
        raise ValueError(f"expected {DURATION_HELP}, got {_shown(value)}")
    if text.startswith("-"):
        raise ValueError(f"a duration cannot be negative, got {_shown(value)}")
    if text.lstrip("+").lower().rstrip("s ").strip() in _NOT_FINITE:
        raise ValueError(f"a duration must be a finite number of seconds like `3s`, got {_shown(value)}")
    if m := _FRAMES.match(text):
        return Duration(frames=int(m.group(1)))
    if m := _MILLIS.match(text):
        return Duration(seconds=Fraction(m.group(1)) / 1000)
    if m := _SECONDS.match(text):
        return Duration(seconds=Fraction(m.group(1)))
    if m := _CLOCK.match(text):
        hours = int(m.group(1) or 0)
        minutes = int(m.group(2))
        secs = Fraction(m.group(3))
        if secs >= 60:
            raise ValueError(f"seconds must be below 60 in {value!r}")
        return Duration(seconds=hours * 3600 + minutes * 60 + secs)
    raise ValueError(f"expected {DURATION_HELP}, got {value!r}")


_NOT_FINITE = {"inf", "infinity", ".inf", "nan", ".nan"}


def _shown(value: Any) -> str:
    """The value as written in YAML (`.inf`, not `inf`), shortened if it is very long."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else f"{text[:20]}…{text[-12:]} ({len(text)} characters)"


def parse_positive(value: Any) -> Duration:
    """Like `parse_duration`, for spans that must be longer than zero (say so, with the value)."""
    try:
        parsed = parse_duration(value)
    except ValueError as exc:
        if "negative" in str(exc):
            raise ValueError(f"must be a positive duration like `3s`, got {_shown(value)}") from None
        raise
    if not parsed:
        raise ValueError(f"must be longer than zero, got {_shown(value)}")
    return parsed


_DURATION_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "number", "minimum": 0},
            {
                "type": "string",
                "pattern": r"^\s*(\d+(\.\d+)?\s*(s|sec|secs|seconds?|ms)?|\d+\s*f|(\d+:)?\d{1,2}:\d{1,2}(\.\d+)?)\s*$",
            },
        ],
        "description": "Duration: 3s, 1.5s, 250ms, 00:01.200 or 45f (frames).",
    }
)

Time = Annotated[Duration, BeforeValidator(parse_duration), PlainSerializer(str), _DURATION_SCHEMA]
"""A point or span of time, zero allowed (e.g. `at: 0s`)."""

PositiveTime = Annotated[
    Duration,
    BeforeValidator(parse_positive),
    PlainSerializer(str),
    _DURATION_SCHEMA,
]
"""A span of time that must be longer than zero (scene and caption durations)."""
