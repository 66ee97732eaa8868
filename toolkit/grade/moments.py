"""Moments of a graded clip: a stretch of time, and a still picture of one moment.

Apart from `results` because the analysers (OCR, picture) make them while measuring, and the
results hold the measurements: in one module the two would import each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.geometry import Box


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """A stretch of the clip in seconds (start == end for a single moment), with a label."""

    start: float
    end: float
    label: str = ""

    @property
    def seconds(self) -> float:
        return self.end - self.start


# eq=False: stills hold picture bytes; identity is what matters.
@dataclass(frozen=True, slots=True, eq=False)
class Still:
    """A small JPEG of one moment of the clip, with text boxes to outline (1080×1920 reference
    pixels, the planner's `Box`)."""

    time: float
    jpeg: bytes
    width: int
    height: int
    boxes: tuple[Box, ...] = ()
    caption: str = ""
