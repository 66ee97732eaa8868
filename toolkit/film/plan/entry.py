"""A segment while it is being planned: the planner's scratch, read by its helpers (audio, overlays, shape).

In its own module so those helpers can name it without importing the planner that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from toolkit.film.plan.timeline import Source, Transition
from toolkit.film.spec.models import Scene

FilmCue = tuple[Fraction, Fraction, str, tuple[str | int, ...], str]


@dataclass
class Entry:
    """A segment while it is being planned (mutable scratch; frozen into a Segment at the end)."""

    kind: str
    name: str
    loc: tuple[str | int, ...]
    source: Source
    length: int = 0
    transition_out: Transition = field(default_factory=lambda: Transition("cut", 0))
    scene: Scene | None = None
    slate_kind: str | None = None
    slate_text: str | None = None
    start: int = 0
    # the parts of the film's own caption track (`captions:` at the top) that fall in this scene:
    # (start, end) seconds from the segment's start, text, location and label (`plan.film_captions`)
    film_cues: list[FilmCue] | None = None
