"""Text the grader knows Reel drew: where, when and what.

A film graded with `--storyboard` (or one whose metadata says Reel made it) comes with the
layout Reel planned, so a line of text read from the picture can be matched to the caption,
slate or end card that drew it. What matches is Reel's own text; what does not is either text
in the footage (a sign, a book cover) or text added later in another editor, and is judged
by what it looks like over time (`toolkit.grade.text_kind`).
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.geometry import Box


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
