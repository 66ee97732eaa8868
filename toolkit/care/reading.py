"""Reading time: how long a viewer needs to read words on screen (standards §4, BBC guidance).

The one home of the 0.3 s per word rule: caption timing and scene lengths (the planner), slate
and end-card minimums (care), and the grader's reading-speed check all count words and time
them here, so a film that validates is not marked as too fast when graded.
"""

from __future__ import annotations

from fractions import Fraction

SECONDS_PER_WORD = Fraction(3, 10)  # standards §4: 0.3 s per word minimum


def count_words(text: str) -> int:
    """Words a viewer reads: whitespace-separated tokens with at least one letter or digit."""
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


def reading_time(text: str) -> Fraction:
    """The least time on screen in which `text` can be read, exactly: 0.3 s per word."""
    return SECONDS_PER_WORD * count_words(text)
